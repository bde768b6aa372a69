"""The adjuster's workbench in a real browser, on a desktop screen and on a 390 px phone: the queue, the claim
file, a request for more information, the customer's answer, then a partial approval (the system Chromium;
skipped without it). Nothing is wider than the phone's screen."""

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
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(SCREENS))
def screen(request: pytest.FixtureRequest) -> Iterator[Page]:
    executable = CHROMIUM if os.path.isabs(CHROMIUM) else shutil.which(CHROMIUM)
    if not executable or not os.access(executable, os.X_OK):
        pytest.skip(f"the browser check needs Chromium at {CHROMIUM}")
    stack = request.getfixturevalue("stack")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(locale="en-US", base_url=stack.base_url, viewport=SCREENS[request.param])
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_adjuster_walks_the_workbench_from_the_queue_to_a_partial_approval(api, screen: Page) -> None:
    customer = register(api)
    number = referred_claim(api, customer)
    page = screen

    page.goto("/login")
    page.get_by_label("Email").fill(ADJUSTER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # the queue: the claim as a card with its days left and why it was referred
    page.goto("/adjuster/claims")
    card = page.locator(f"#q-{number}")
    expect(card).to_contain_text("days left")
    expect(card).to_contain_text("Referred because:")
    assert fits(page)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=f"/tmp/e2e-workbench-queue-{width}.png", full_page=True)

    # the claim file: remaining limits, rules, notes; ask the claimant for more information
    card.get_by_role("link", name=number).click()
    expect(page.locator("#claim-file")).to_contain_text("Cover and remaining limits this policy year")
    assert fits(page)
    page.get_by_label("Ask the claimant for more information").fill("Which hospital treated you?")
    page.get_by_role("button", name="Send the question").click()
    expect(page.locator("#claim-file")).to_contain_text("Question to the claimant: Which hospital treated you?")
    assert fits(page)
    page.screenshot(path=f"/tmp/e2e-workbench-file-{width}.png", full_page=True)

    # the customer answers (on the API here; the claim page's form is tested over HTTP)
    r = api.post(
        f"/claims/{number}/information-requests/answer", json={"answer": "Ruijin Hospital"}, headers=auth(customer)
    )
    assert r.status_code == 200, r.text

    # back with the adjuster: the answer is in the history, and the claim is approved in part
    page.reload()
    expect(page.locator("ol.history:not(.timeline)")).to_contain_text("claimant answered: Ruijin Hospital")
    page.get_by_label("Outcome").select_option("approve")
    page.get_by_label(re.compile(r"^Amount to pay")).fill("4200")
    page.get_by_label(re.compile(r"^Reason \(shown to the customer")).fill("Two of three invoices accepted")
    page.get_by_role("button", name="Record the decision").click()
    expect(page).to_have_url(re.compile(r"/adjuster/claims$"))
    assert fits(page)
    claim = api.get(f"/claims/{number}", headers=auth(customer)).json()
    assert claim["status"] in ("approved", "paid") and claim["approved_amount"] == "4200.00"


def test_the_claims_manager_sees_the_team_on_any_screen(api, screen: Page) -> None:
    customer = register(api)
    number = referred_claim(api, customer)
    page = screen
    page.goto("/login")
    page.get_by_label("Email").fill("admin@insure.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/adjuster/team")
    expect(page.locator("table.workload")).to_contain_text("Wang")
    assert fits(page)
    page.goto(f"/claims/{number}")
    expect(page.locator("#claim-file")).to_contain_text("Internal notes")
    page.get_by_label("Add a note (staff only)").fill("Checked with the hospital")
    page.get_by_role("button", name="Add the note").click()
    expect(page.locator("ul.notes")).to_contain_text("Checked with the hospital")
    assert fits(page)
