"""Every page issue 11 added or changed, on a 390 × 844 phone in a real Chromium, in Chinese and in English: the
product page and illustration of a participating product, its application form (the dividend option), the policy
page, the account page (with a withdrawal typed wrong), the annual dividend notice, the surrender quote, and the
actuary's declaration pages. No page is wider than the screen and the figures a reader came for are on it; the
notice names the fund's results in words and CNY, never a raw key in fen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from insure.accounts.tables import Declaration
from insure.policies.tables import Policy
from insure.seed import DEMO_PASSWORD

from . import test_browser_journey as journey
from .dividend_notice_helpers import PRODUCT, buy_participating, credited_dividend
from .helpers import PASSWORD, auth, db, register
from .test_browser_journey import Page, expect, shot
from .test_my_claims_phone import PHONE, page_width

page = journey.page  # the Chromium fixture (skips without Playwright or a system Chromium)

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

WORDS = {
    "zh_CN": {
        "headline": "当前身故保险金总额",
        "option": "红利领取方式",
        "fund": "保单年度应收保费",
        "bad_amount": "请输入不低于 0.01 元的金额",
    },
    "en": {
        "headline": "Total death benefit today",
        "option": "Dividend option",
        "fund": "Premiums due in the policy year",
        "bad_amount": "Enter an amount in CNY of at least 0.01",
    },
}


def login(tab: Page, email: str, password: str) -> None:
    tab.goto("/login")
    tab.locator("input[name=email]").fill(email)
    tab.locator("input[name=password]").fill(password)
    tab.locator("main form button[type=submit], main form button:not([type])").first.click()
    tab.wait_for_url(lambda url: "/login" not in url)


def visit(tab: Page, language: str, path: str) -> None:
    tab.goto(f"/lang/{language}?next={path}")
    tab.wait_for_url(f"**{path.split('?')[0]}")
    assert page_width(tab) <= PHONE["width"], f"{path} is wider than the phone in {language}"


async def _aged(number: str, declaration: str) -> None:
    """The schedule delivered at the start (so the free look is long over and a surrender is quoted), and the
    fund's results as the declaration run stores them: integer fen under keys ending in _fen."""
    policy = await Policy.select(Policy.effective_date).where(Policy.number == number).first()
    delivered = datetime.combine(policy["effective_date"], datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    await Policy.update({Policy.delivered_at: delivered}).where(Policy.number == number)
    results = {"premiums_fen": 1947654200, "expenses_fen": 266173200, "ledger_premiums_fen": 531630}
    await Declaration.update({Declaration.fund_results: results}).where(Declaration.number == declaration)


def test_the_dividend_pages_fit_a_phone_in_both_languages(page: Page, stack) -> None:
    with httpx.Client(base_url=stack.base_url + "/api/v1", timeout=30) as api:
        customer = register(api)
        policy = buy_participating(api, customer)
        quote = api.post(
            "/quotes",
            json={
                "product_code": PRODUCT,
                "birth_date": customer["birth_date"],
                "sex": "female",
                "sum_insured": "200000",
                "premium_term": "10",
            },
            headers=auth(customer),
        ).json()["id"]
    number = policy["number"]
    credit = credited_dividend(number, 123456)
    db(_aged(number, credit["declaration"]))
    page.set_viewport_size(PHONE)
    login(page, customer["email"], PASSWORD)

    for language, words in WORDS.items():
        visit(page, language, f"/products/{PRODUCT}")
        visit(page, language, f"/quotes/{quote}/illustration")
        expect(page.locator("table.illustration")).to_be_visible()
        visit(page, language, f"/quotes/{quote}/apply")
        expect(page.locator("#dividend_option")).to_be_visible()

        visit(page, language, f"/policies/{number}")
        expect(page.locator("dl.facts")).to_contain_text(words["option"])
        expect(page.locator("#account-link")).to_be_visible()

        visit(page, language, f"/policies/{number}/account")
        expect(page.locator("#account-headline")).to_contain_text(words["headline"])
        expect(page.locator("#accumulated")).to_contain_text("1,234.56")
        expect(page.locator("#surrender-value")).to_be_visible()
        chart = page.locator("#account-chart")
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box and 0 < box["width"] <= PHONE["width"], "the chart does not fit the phone"
        shot(page, f"dividend-account-phone-{language}")
        # a withdrawal typed wrong: the page again, the message at the field, still no wider than the phone
        page.locator("#amount").fill("abc")
        page.locator("#withdraw button[type=submit]").click()
        expect(page.locator("#amount-error")).to_contain_text(words["bad_amount"])
        assert page_width(page) <= PHONE["width"], f"the refused withdrawal is wider than the phone in {language}"

        visit(page, language, f"/policies/{number}/dividend-notices/{credit['declaration']}")
        expect(page.locator("#notice-dividend")).to_contain_text("1,234.56")
        expect(page.locator("table.notice-fund")).to_contain_text(words["fund"])
        expect(page.locator("table.notice-fund")).to_contain_text("19,476,542.00")
        expect(page.locator("table.notice-fund")).not_to_contain_text("_fen")
        shot(page, f"dividend-notice-phone-{language}")

        visit(page, language, f"/policies/{number}/surrender")
        expect(page.locator("main")).to_contain_text("1,234.56")  # the accumulated dividends are part of it

    page.context.clear_cookies()
    login(page, "actuary@insure.test", DEMO_PASSWORD)
    for language in WORDS:
        visit(page, language, "/staff/dividends")
        expect(page.locator("main")).to_contain_text(credit["declaration"])
        visit(page, language, "/staff/dividends/new")
        visit(page, language, f"/staff/dividends/{credit['declaration']}")
        shot(page, f"dividend-declaration-phone-{language}")
