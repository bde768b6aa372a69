"""The policyholder's account page of a participating policy: the figures, the chart and table against the sale
illustration, the history, withdrawing and changing the option (with bad input answered at the field)."""

from __future__ import annotations

import re

import pytest

from .dividend_notice_helpers import buy_participating, credited_dividend
from .helpers import auth, buy_policy, csrf_token, register, web_session

pytestmark = pytest.mark.integration


def test_the_account_page_shows_every_figure_the_chart_and_the_history(api):
    customer = register(api)
    policy = buy_participating(api, customer)
    credited_dividend(policy["number"], 123456)

    with web_session(api, customer["email"]) as web:
        assert f'href="/policies/{policy["number"]}/account"' in web.get(f"/policies/{policy['number']}").text
        page = web.get(f"/policies/{policy['number']}/account")
        assert page.status_code == 200, page.text
        html = page.text
        for words in (
            "Total death benefit today",
            "Surrender value today",
            "Guaranteed cash value",
            "Reserve",
            "Dividends credited so far",
            "Paid-up additions: sum insured",
            "Terminal bonus",
            "Actual dividends against the illustration",
            "Dividends are not guaranteed",
        ):
            assert words in html, words
        assert re.search(r'id="accumulated">1,234.56 CNY<', html)
        assert 'src="data:image/svg+xml;base64,' in html and 'alt="Chart:' in html
        # policy year 1: the credit, beside the illustrated medium dividend
        row = re.search(r"<tr><td>1</td>(.*?)</tr>", html, re.S).group(1)
        assert "1,234.56" in row
        assert "Dividend credited" in html  # the history
        assert "Accumulate at interest" in html

        zh = web.get(f"/policies/{policy['number']}/account?lang=zh_CN")
        assert zh.status_code == 200
        assert "红利" in zh.text and "1,234.56" in zh.text


def test_a_policy_that_does_not_participate_has_no_account_page(api):
    customer = register(api)
    policy = buy_policy(api, customer)  # accident cover: no participation
    with web_session(api, customer["email"]) as web:
        assert 'id="account-link"' not in web.get(f"/policies/{policy['number']}").text
        assert web.get(f"/policies/{policy['number']}/account").status_code == 409


def test_another_customer_gets_404_for_the_account(api):
    owner = register(api)
    policy = buy_participating(api, owner)
    other = register(api)
    with web_session(api, other["email"]) as web:
        assert web.get(f"/policies/{policy['number']}/account").status_code == 404
        token = csrf_token(web.get("/policies").text)
        r = web.post(
            f"/policies/{policy['number']}/account/withdraw",
            data={"amount": "1", "idempotency_key": "k" * 16, "_csrf_token": token},
        )
        assert r.status_code == 404


def test_a_withdrawal_with_bad_input_changes_nothing_then_a_good_one_is_paid_out(api):
    customer = register(api)
    policy = buy_participating(api, customer)
    credited_dividend(policy["number"], 50000)
    number = policy["number"]

    with web_session(api, customer["email"]) as web:
        page = web.get(f"/policies/{number}/account").text
        assert 'name="amount"' in page and 'value="500.00"' in page  # prefilled with the balance
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
        for amount, status, message in (
            ("abc", 422, "Enter an amount in CNY"),
            ("500.01", 409, None),
        ):
            r = web.post(
                f"/policies/{number}/account/withdraw",
                data={"amount": amount, "idempotency_key": key, "_csrf_token": csrf_token(page)},
            )
            assert r.status_code == status, (amount, r.status_code)
            assert 'id="amount-error"' in r.text
            if message:
                assert message in r.text
        account = api.get(f"/policies/{number}/account", headers=auth(customer)).json()
        assert account["values"]["accumulated"] == "500.00"

        r = web.post(
            f"/policies/{number}/account/withdraw",
            data={"amount": "200", "idempotency_key": key, "_csrf_token": csrf_token(page)},
        )
        assert r.status_code in (302, 303), r.text
        page = web.get(r.headers["location"]).text
        assert "Your withdrawal is on its way" in page
        assert re.search(r'id="accumulated">300.00 CNY<', page)
        assert "Withdrawal" in page


def test_the_option_change_takes_effect_from_the_next_dividend_and_bad_options_are_refused(api):
    customer = register(api)
    policy = buy_participating(api, customer)
    number = policy["number"]
    with web_session(api, customer["email"]) as web:
        page = web.get(f"/policies/{number}/account").text
        assert "takes effect from the next dividend" in page
        r = web.post(f"/policies/{number}/account/option", data={"option": "lottery", "_csrf_token": csrf_token(page)})
        assert r.status_code == 422 and 'id="option-error"' in r.text
        r = web.post(f"/policies/{number}/account/option", data={"option": "cash", "_csrf_token": csrf_token(page)})
        assert r.status_code in (302, 303), r.text
        page = web.get(r.headers["location"]).text
        assert re.search(r'id="option">Paid in cash<', page)
        assert "Dividend option changed" in page
