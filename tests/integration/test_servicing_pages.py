"""Policy servicing through the pages, as a customer clicks it: change details, surrender, renew."""

from __future__ import annotations

import pytest

from .helpers import GOOD_CARD, auth, buy_policy, csrf_token, register, travel, wait_for, web_session
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


def test_renewing_a_policy_that_is_not_guaranteed_renewable_goes_through_a_new_application(api):
    from datetime import date, timedelta

    from .helpers import today
    from .test_lifecycle import billing_run

    customer = register(api)
    policy = buy_policy(api, customer)  # one-year accident cover: renewable, but not guaranteed
    number = policy["number"]
    expiry = date.fromisoformat(policy["expiry_date"])
    travel(api, (expiry - today()).days - 20)
    billing_run()
    with web_session(api, customer["email"]) as web:
        page = web.get(f"/policies/{number}")
        assert "Renewal offer" in page.text and "health declaration follows" in page.text
        r = web.post(f"/policies/{number}/renew", data={"_csrf_token": csrf_token(page.text)})
        assert r.status_code in (302, 303) and f"renewal_of={number}" in r.headers["location"]
        form = web.get(r.headers["location"])
        assert f'name="renewal_of" value="{number}"' in form.text
        questions = api.get("/products/pa_basic/questionnaire").json()
        fields = {
            "renewal_of": number,
            "relation": "self",
            "height_cm": "172",
            "weight_kg": "66",
            "legal_heirs": "on",
            "address": "上海市徐汇区漕溪北路 88 号",
            "bank_account": "6222020200112233445",
            "consent": "on",
            "_csrf_token": csrf_token(form.text),
            **{f"answer_{q['code']}": "no" for q in questions},
        }
        sent = web.post(r.headers["location"].split("?")[0], data=fields)
        assert sent.status_code in (302, 303), sent.text
    apps = api.get("/applications", headers=auth(customer)).json()
    renewal = next(a for a in apps if a["policy_number"] and a["policy_number"] != number)
    assert renewal["status"] == "accepted"
    renewed = api.get(f"/policies/{renewal['policy_number']}", headers=auth(customer)).json()
    assert renewed["status"] == "pending_payment"
    # sending the renewal application again (the Back button) makes no second renewal
    with web_session(api, customer["email"]) as web:
        form = web.get(r.headers["location"])
        twice = web.post(r.headers["location"].split("?")[0], data={**fields, "_csrf_token": csrf_token(form.text)})
        assert twice.status_code == 409 and "already been renewed" in twice.text
        # a renewal_of that is not this quote's policy is refused
    other = register(api)
    stranger = buy_policy(api, other, start=False)
    body = {"relation": "self", "renewal_of": stranger["number"]}
    with web_session(api, customer["email"]) as web:
        form = web.get(r.headers["location"])
        bad = web.post(
            r.headers["location"].split("?")[0], data={**fields, **body, "_csrf_token": csrf_token(form.text)}
        )
        assert bad.status_code == 409 and "not the renewal offer" in bad.text
    # paid, the renewal continues the cover from the day after the old one ends
    number2 = renewal["policy_number"]
    api.post(
        f"/policies/{number2}/payments", json=GOOD_CARD, headers={**auth(customer), "Idempotency-Key": f"rn-{number2}"}
    )
    paid = wait_for(
        lambda: api.get(f"/policies/{number2}", headers=auth(customer)).json(), lambda p: p["status"] == "in_force"
    )
    assert paid["effective_date"] == (expiry + timedelta(days=1)).isoformat()
