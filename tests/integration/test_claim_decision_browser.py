"""The adjuster's decision form in a real browser on a 390 px wide phone: nothing wider than the screen, an error
shown next to its field, then the approval recorded (the system Chromium; skipped without it)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator

import pytest

from insure.seed import DEMO_PASSWORD

from .helpers import auth, register
from .test_claim_decisions import ADJUSTER, referred_claim

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    pytest.skip("the browser check needs the playwright Python package", allow_module_level=True)

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

CHROMIUM = os.environ.get("INSURE_E2E_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}


@pytest.fixture()
def phone(request: pytest.FixtureRequest) -> Iterator[Page]:
    executable = CHROMIUM if os.path.isabs(CHROMIUM) else shutil.which(CHROMIUM)
    if not executable or not os.access(executable, os.X_OK):
        pytest.skip(f"the browser check needs Chromium at {CHROMIUM}")
    stack = request.getfixturevalue("stack")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(locale="en-US", base_url=stack.base_url, viewport=PHONE)
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_adjuster_decides_a_claim_on_a_phone(api, phone: Page) -> None:
    customer = register(api)
    number = referred_claim(api, customer)

    phone.goto("/login")
    phone.get_by_label("Email").fill(ADJUSTER)
    phone.get_by_label("Password").fill(DEMO_PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    phone.goto("/adjuster/claims")
    assert fits(phone)
    phone.get_by_role("link", name=number).click()
    expect(phone.locator("#claim-decision")).to_be_visible()
    assert fits(phone)

    # an amount above what the benefit pays: refused next to the field, what was typed kept
    phone.get_by_label("Outcome").select_option("approve")
    phone.get_by_label(re.compile(r"^Amount to pay")).fill("50000.01")
    phone.get_by_label(re.compile(r"^Reason \(shown to the customer")).fill("Two of three invoices accepted")
    phone.get_by_role("button", name="Record the decision").click()
    expect(phone.locator("#amount-error")).to_have_text("At most 50000.00 CNY is payable under this benefit.")
    assert fits(phone)
    phone.screenshot(path="/tmp/e2e-claim-decision-390.png", full_page=True)

    # within the adjuster's authority: approved, back to the queue
    phone.get_by_label(re.compile(r"^Amount to pay")).fill("4200")
    phone.get_by_role("button", name="Record the decision").click()
    expect(phone).to_have_url(re.compile(r"/adjuster/claims$"))
    claim = api.get(f"/claims/{number}", headers=auth(customer)).json()
    assert claim["status"] in ("approved", "paid") and claim["approved_amount"] == "4200.00"
