"""Policy servicing through the pages, as a customer clicks it: change details, surrender, renew."""

from __future__ import annotations

import pytest

from .helpers import auth, buy_policy, csrf_token, register, travel, web_session
from .test_lifecycle import life_policy

pytestmark = pytest.mark.integration


def test_changing_details_on_the_page_shows_errors_in_the_form_and_keeps_the_history(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    number = policy["number"]
    with web_session(api, customer["email"]) as web:
        assert f"/policies/{number}/changes" in web.get(f"/policies/{number}").text
        form = web.get(f"/policies/{number}/changes")
        token = csrf_token(form.text)
        bad = web.post(f"/policies/{number}/changes", data={"kind": "address", "address": "x", "_csrf_token": token})
        assert bad.status_code == 422 and "Enter the policyholder" in bad.text
        shares = {"kind": "beneficiaries", "b0_name": "李雷", "b0_relation": "spouse", "b0_share": "60"}
        wrong = web.post(f"/policies/{number}/changes", data={**shares, "_csrf_token": token})
        assert wrong.status_code == 422 and "100" in wrong.text
        assert 'value="李雷"' in wrong.text  # the form comes back as typed
        ok = web.post(
            f"/policies/{number}/changes",
            data={"kind": "address", "address": "杭州市西湖区文三路 9 号", "_csrf_token": token},
        )
        assert ok.status_code in (302, 303)
        saved = web.get(ok.headers["location"]).text
        assert "Saved: address" in saved and "No changes yet" not in saved
    history = api.get(f"/policies/{number}/endorsements", headers=auth(customer)).json()
    assert [(h["kind"], h["after"]["address"]) for h in history] == [("address", "杭州市西湖区文三路 9 号")]
    # another customer cannot even see the page
    other = register(api)
    with web_session(api, other["email"]) as web:
        assert web.get(f"/policies/{number}/changes").status_code == 404


def test_surrender_on_the_page_asks_for_confirmation_and_ends_the_policy(api):
    customer = register(api)
    policy = life_policy(api, customer)
    number = policy["number"]
    with web_session(api, customer["email"]) as web:
        early = web.get(f"/policies/{number}/surrender").text
        assert "free-look period" in early and 'name="confirm"' not in early
        travel(api, 20)
        page = web.get(f"/policies/{number}/surrender")
        assert page.status_code == 200 and 'name="confirm"' in page.text and "0.00" in page.text
        unconfirmed = web.post(f"/policies/{number}/surrender", data={"_csrf_token": csrf_token(page.text)})
        assert unconfirmed.status_code == 422 and "confirm the surrender" in unconfirmed.text
        assert api.get(f"/policies/{number}", headers=auth(customer)).json()["status"] == "in_force"
        done = web.post(f"/policies/{number}/surrender", data={"confirm": "on", "_csrf_token": csrf_token(page.text)})
        assert done.status_code in (302, 303)
        assert "Surrendered" in web.get(f"/policies/{number}").text
    assert api.get(f"/policies/{number}", headers=auth(customer)).json()["status"] == "surrendered"
