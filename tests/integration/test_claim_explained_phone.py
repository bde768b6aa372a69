"""The claim explained on a 390 × 844 phone, in both languages, in a real Chromium: a denied claim shows the
decision, the clause it rests on, the letter to download and the timeline, and the page is never wider than the
screen."""

from __future__ import annotations

import httpx
import pytest

from . import test_browser_journey as journey
from .helpers import PASSWORD, wait_for
from .test_browser_journey import Page, shot
from .test_claim_deadlines_and_letters import ADMIN, referred, register, staff

page = journey.page  # the Chromium fixture (skips without Playwright or a system Chromium)

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

PHONE = {"width": 390, "height": 844}


def page_width(tab: Page) -> int:
    return tab.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def test_a_denied_claim_is_explained_on_a_phone_in_both_languages(page: Page, stack) -> None:
    with httpx.Client(base_url=stack.base_url + "/api/v1", timeout=15) as api:
        customer = register(api)
        number = referred(api, customer)["number"]
        r = api.post(
            f"/claims/{number}/decision",
            json={"outcome": "deny", "reason_code": "waiting_period", "reason": "The fall was in the first week"},
            headers=staff(api, ADMIN),
        )
        assert r.status_code == 200, r.text
        wait_for(
            lambda: api.get(f"/claims/{number}", headers={"Authorization": customer["auth"]}).json(),
            lambda c: c["letter"] == "ready",
        )
    page.set_viewport_size(PHONE)
    page.goto("/login")
    page.locator("input[name=email]").fill(customer["email"])
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit], main form button:not([type])").first.click()
    page.wait_for_url(lambda url: "/login" not in url)
    expected = {"en": ("Policy terms, waiting period", "Timeline"), "zh_CN": ("保险条款·等待期", "进度")}
    for language, (clause, timeline) in expected.items():
        page.goto(f"/lang/{language}?next=/claims/{number}")
        page.wait_for_url(f"**/claims/{number}")
        assert page.get_by_text(clause).first.is_visible()
        assert page.get_by_text(timeline, exact=True).is_visible()
        assert page.locator(f"a[href='/claims/{number}/letter']").is_visible()
        assert page_width(page) <= PHONE["width"], f"the claim page is wider than the phone in {language}"
        shot(page, f"claim-explained-{language}")
