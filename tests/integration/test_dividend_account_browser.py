"""The account page and the dividend notice in a real browser, on a 390 × 844 phone and on a desktop, in Chinese
and English: nothing wider than the screen, the chart and the balances visible (the system Chromium; skipped
without it)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from .dividend_notice_helpers import buy_participating, credited_dividend
from .helpers import PASSWORD, register

try:
    from playwright.sync_api import Browser, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    pytest.skip("the browser check needs the playwright Python package", allow_module_level=True)

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

CHROMIUM = os.environ.get("INSURE_E2E_CHROMIUM", "/usr/bin/chromium")
SCREENS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture()
def chromium() -> Iterator[Browser]:
    executable = CHROMIUM if os.path.isabs(CHROMIUM) else shutil.which(CHROMIUM)
    if not executable or not os.access(executable, os.X_OK):
        pytest.skip(f"the browser check needs Chromium at {CHROMIUM}")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_account_and_the_notice_fit_the_screen_in_both_languages(api, stack, chromium: Browser, screen: str):
    customer = register(api)
    policy = buy_participating(api, customer)
    credit = credited_dividend(policy["number"], 123456)
    number = policy["number"]
    viewport = SCREENS[screen]

    for locale, headline, dividend in (
        ("en-US", "Total death benefit today", "1,234.56"),
        ("zh-CN", "当前身故保险金总额", "1,234.56"),
    ):
        context = chromium.new_context(locale=locale, base_url=stack.base_url, viewport=viewport)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            page.goto("/login")
            page.locator("#email").fill(customer["email"])
            page.locator("#password").fill(PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state()

            page.goto(f"/policies/{number}")
            page.locator("#account-link").click()
            expect(page.locator("#account-headline")).to_contain_text(headline)
            expect(page.locator("#accumulated")).to_contain_text(dividend)
            expect(page.locator("#death-benefit")).to_be_visible()
            expect(page.locator("#surrender-value")).to_be_visible()
            chart = page.locator("#account-chart")
            chart.scroll_into_view_if_needed()
            expect(chart).to_be_visible()
            assert page.evaluate("document.getElementById('account-chart').naturalWidth") > 0  # the SVG loaded
            box = chart.bounding_box()
            assert box and box["width"] <= viewport["width"]
            expect(page.locator("#dividends-vs-illustrated")).to_be_attached()
            expect(page.locator("#account-history")).to_contain_text(dividend)
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page overflows"
            page.screenshot(path=f"/tmp/e2e-dividend-account-{screen}-{locale}.png", full_page=True)

            page.goto(f"/policies/{number}/dividend-notices/{credit['declaration']}")
            expect(page.locator("#notice-dividend")).to_contain_text(dividend)
            expect(page.locator("#notice-statement")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the notice overflows"
            page.screenshot(path=f"/tmp/e2e-dividend-notice-{screen}-{locale}.png", full_page=True)
        finally:
            context.close()
