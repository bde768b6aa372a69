"""My claims and the claim form on a 390 × 844 phone screen, in both languages, in a real Chromium: the page is
never wider than the screen (each claim is a short block of facts, no table)."""

from __future__ import annotations

import httpx
import pytest

from . import test_browser_journey as journey
from .helpers import PASSWORD, auth, buy_policy, register, today
from .test_browser_journey import Page, shot
from .test_my_claims import file

page = journey.page  # the Chromium fixture (skips without Playwright or a system Chromium)

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

PHONE = {"width": 390, "height": 844}


def page_width(tab: Page) -> int:
    return tab.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def test_my_claims_and_the_claim_form_fit_a_phone_in_both_languages(page: Page, stack) -> None:
    with httpx.Client(base_url=stack.base_url + "/api/v1", timeout=15) as api:
        customer = register(api)
        policy = buy_policy(api, customer)
        for amount in ("300", "12345.67"):
            assert file(api, customer, policy["number"], today().isoformat(), amount).status_code == 201
        assert len(api.get("/claims", headers=auth(customer)).json()) == 2
    page.set_viewport_size(PHONE)
    page.goto("/login")
    page.locator("input[name=email]").fill(customer["email"])
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit], main form button:not([type])").first.click()
    page.wait_for_url(lambda url: "/login" not in url)
    for language in ("en", "zh_CN"):
        page.goto(f"/lang/{language}?next=/claims")
        page.wait_for_url("**/claims")
        assert page.locator("article.claim-item").count() == 2
        assert page_width(page) <= PHONE["width"], f"/claims is wider than the phone in {language}"
        shot(page, f"my-claims-{language}")
        page.goto(f"/policies/{policy['number']}/claims/new?coverage=accidental_medical")
        assert page.locator("#cover-period").is_visible()
        assert page_width(page) <= PHONE["width"], f"the claim form is wider than the phone in {language}"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/claims")
    assert page.locator("article.claim-item").count() == 2
