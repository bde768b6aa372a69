"""One customer's whole journey in a real Chromium: sign up, live quote, declined then accepted payment,
policy schedule download, a claim settled by the worker, log out, and the language switch.

Everything the page does by itself (htmx live premium and status polling) is awaited with Playwright's
auto-waiting assertions; the test never reloads a page to see an update. Screenshots go to /tmp/e2e-*.png.

Needs the ``playwright`` Python package (a dev dependency) and a system Chromium; no browser is downloaded.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .claim_helpers import tiny_pdf
from .helpers import GOOD_CARD, new_identity, travel

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    pytest.skip(
        "the browser journey needs the playwright Python package: run `.venv/bin/pip install playwright` "
        "(or `pip install -e '.[dev]'`); do not run `playwright install`, the test uses the system Chromium",
        allow_module_level=True,
    )

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

CHROMIUM = os.environ.get("INSURE_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS = Path("/tmp")
DECLINED_CARD = {"card_number": "4000 0000 0000 0002", "expiry": "12/49", "cvc": "123"}
SLOW = 60_000  # ms: the worker (payment confirmation, PDF, claim assessment) runs on its own schedule


@pytest.fixture()
def page(request: pytest.FixtureRequest) -> Iterator[Page]:
    executable = CHROMIUM if os.path.isabs(CHROMIUM) else shutil.which(CHROMIUM)
    if not executable or not os.access(executable, os.X_OK):
        pytest.skip(
            f"the browser journey needs Chromium at {CHROMIUM}: run `apt-get install -y chromium` "
            "(or point INSURE_E2E_CHROMIUM at a Chromium binary); do not run `playwright install`"
        )
    stack = request.getfixturevalue("stack")  # only once a browser is there: the stack takes seconds to start
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(
            locale="en-US", base_url=stack.base_url, accept_downloads=True, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        js_errors: list[str] = []
        server_errors: list[str] = []
        csp_violations: list[str] = []
        page.on("pageerror", lambda exc: js_errors.append(str(exc)))
        page.on(
            "console",
            lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.on("response", lambda r: server_errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
        try:
            yield page
        finally:
            context.close()
            browser.close()
        assert not js_errors, f"JavaScript errors in the page: {js_errors}"
        assert not csp_violations, f"the Content-Security-Policy refused something: {csp_violations}"
        assert not server_errors, f"server errors while browsing: {server_errors}"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"e2e-{name}.png"), full_page=True)


def mark_document(page: Page) -> None:
    """Tag the current document, so a later check can prove the page was updated in place, not reloaded."""
    page.evaluate("window.__e2eSameDocument = true")


def assert_same_document(page: Page) -> None:
    assert page.evaluate("window.__e2eSameDocument === true"), "the page was reloaded or left"


def wrong_check_digit(id_number: str) -> str:
    digits = "0123456789X"
    return id_number[:17] + digits[(digits.index(id_number[17]) + 1) % len(digits)]


def test_a_customer_signs_up_buys_pays_claims_and_switches_language(page: Page) -> None:
    ident = new_identity()  # born 1988-03-09, the birth date typed into the quote below

    # 1. sign up: a mistyped ID number is refused next to its field, and what was typed is kept
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/signup$"))
    page.get_by_label("Full name (as on your ID card)").fill(ident["name"])
    page.get_by_label("Resident ID number").fill(wrong_check_digit(ident["id_number"]))
    page.get_by_label("Mobile number").fill(ident["mobile"])
    page.get_by_label("Email").fill(ident["email"])
    page.get_by_label("Password (at least 10 characters)").fill(ident["password"])
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("alert")).to_have_text("Please correct the fields marked below.")
    id_field = page.get_by_label("Resident ID number")
    expect(id_field).to_have_attribute("aria-invalid", "true")
    id_error = page.locator("#id_number + p.error")  # the message right after the field …
    expect(id_error).to_have_text("This ID number's check digit is wrong; please check for a typo.")
    expect(id_field).to_have_attribute("aria-describedby", "id_number-error")  # … and tied to it
    expect(page.get_by_label("Email")).to_have_value(ident["email"])
    expect(page.get_by_label("Mobile number")).to_have_value(ident["mobile"])
    expect(page.get_by_label("Password (at least 10 characters)")).to_have_value("")  # never echoed back
    shot(page, "01-signup-error")

    id_field.fill(ident["id_number"])
    page.get_by_label("Password (at least 10 characters)").fill(ident["password"])
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_text(ident["name"])).to_be_visible()

    # 2. the live premium follows the form as typed (htmx), before anything is submitted
    page.get_by_role("link", name="Peace of Mind Personal Accident Insurance").click()
    expect(page.get_by_role("heading", name="Get a quote")).to_be_visible()
    product_url = page.url
    mark_document(page)
    page.get_by_label("Insured's birth date").fill("1988-03-09")
    page.get_by_label("Occupation class").select_option(label="Class 2")
    page.get_by_label("Sum insured (CNY)").fill("300000")
    premium = page.locator("#premium")
    expect(premium).to_contain_text("Annual premium")
    expect(premium.locator("strong")).to_have_text(re.compile(r"^390\.00\b"))
    assert page.url == product_url
    assert_same_document(page)
    shot(page, "02-product-live-premium")

    page.get_by_role("button", name="Save this quote").click()
    expect(page.get_by_role("heading", name=re.compile("^Your quote"))).to_be_visible()
    expect(page.locator("dd.price")).to_have_text(re.compile(r"^390\.00\b"))
    shot(page, "03-quote")
    page.get_by_role("link", name="Apply for this policy").click()
    expect(page.get_by_role("heading", name=re.compile("^Application"))).to_be_visible()
    page.get_by_label("Height (cm)").fill("172")
    page.get_by_label("Weight (kg)").fill("66")
    for question in page.locator("fieldset.question").all():
        question.get_by_label("No").check()
    page.get_by_label("Address").fill("上海市徐汇区漕溪北路 88 号")
    page.get_by_label("Bank account for refunds and payouts").fill("6222020200112233445")
    page.get_by_label(re.compile("I have read the policy terms")).check()
    shot(page, "03b-application")
    page.get_by_role("button", name="Submit the application").click()
    expect(page.get_by_text("Your application is accepted on standard terms.")).to_be_visible()
    page.get_by_role("link", name="Pay the premium").click()

    # 3. a declined card, then a good one; the policy page updates itself
    expect(page).to_have_url(re.compile(r"/policies/[^/]+/pay$"))
    expect(page.get_by_role("heading", name="Pay the premium")).to_be_visible()
    policy_url = page.url.removesuffix("/pay")
    pay(page, DECLINED_CARD)
    shot(page, "04-pay-form")
    page.get_by_role("button", name=re.compile(r"^Pay 390\.00\b")).click()

    expect(page).to_have_url(policy_url)
    mark_document(page)
    status = page.locator("#policy-status")
    decline = status.locator(".error")
    expect(decline).to_contain_text("the card was declined", timeout=SLOW)
    expect(decline).to_contain_text("Please try another card.")
    expect(status.locator(".badge")).to_have_text("Awaiting payment")
    expect(page.get_by_role("row").filter(has_text="0002")).to_contain_text("Failed")  # the whole page is current
    shot(page, "05-payment-declined")

    status.get_by_role("link", name="Pay the premium").click()
    expect(page).to_have_url(policy_url + "/pay")
    pay(page, GOOD_CARD)
    page.get_by_role("button", name=re.compile(r"^Pay 390\.00\b")).click()

    expect(page).to_have_url(policy_url)
    # no click or reload by the user: htmx polls, and reloads the page once the status changes, so the
    # dates, the payments table and the claim button are current together with the badge
    schedule = status.get_by_role("link", name="Download the policy schedule (PDF)")
    expect(schedule).to_be_visible(timeout=SLOW)
    expect(status.locator(".badge")).to_have_text("In force")
    expect(page.get_by_role("row").filter(has_text="4242")).to_contain_text("Succeeded")
    expect(page.get_by_role("link", name="File a claim")).to_be_visible()
    shot(page, "06-policy-in-force")

    with page.expect_download() as download_info:
        schedule.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # 4. the next day (cover starts at 00:00 after the purchase; an admin moves the demo clock), a small claim
    # is settled straight through by the worker; the claim page follows by itself.
    with httpx.Client(base_url=page.url.split("/policies")[0] + "/api/v1") as api:
        accident_day = travel(api, 1)
    page.get_by_role("link", name="File a claim").click()
    expect(page.get_by_role("heading", name="File a claim")).to_be_visible()
    # the form follows the benefit chosen: medical expenses take the invoices (one here)
    page.get_by_role("link", name="Accidental medical expenses").click()
    page.get_by_label("Date of admission or treatment").fill(accident_day.isoformat())
    page.get_by_label("What happened?").fill("Slipped on a wet staircase and sprained an ankle")
    page.get_by_label("Invoice number").fill(f"FP{accident_day:%Y%m%d}{secrets.token_hex(3)}")
    page.get_by_label("Issued by (hospital, clinic or shop)").fill("Beijing Chaoyang Hospital")
    page.get_by_label("Invoice date").fill(accident_day.isoformat())
    page.get_by_label("Amount billed (CNY)").fill("800")
    shot(page, "07-claim-form")
    page.get_by_role("button", name="Submit the claim").click()

    expect(page).to_have_url(re.compile(r"/claims/[^/]+$"))
    claim_status = page.locator("#claim-status")
    # the claim page asks for the documents of the benefit (issue 10): each uploaded from the checklist's form
    expect(claim_status.locator(".badge")).to_have_text("Waiting for your documents", timeout=SLOW)
    for doc_type in ("claimant_id", "invoices", "expense_list", "discharge_summary"):  # a medical claim's list
        page.locator("#doc_type").select_option(doc_type)
        pdf = {"name": f"{doc_type}.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf(f"{page.url} {doc_type}")}
        page.locator("#files").set_input_files([pdf])
        page.get_by_role("button", name="Upload").click()
        expect(page.locator(f'#documents li[data-doc-type="{doc_type}"]')).to_have_class(re.compile(r"\breceived\b"))
    expect(claim_status.locator(".badge")).to_have_text("Paid", timeout=SLOW)
    expect(claim_status).to_contain_text("Paid: 630.00 CNY")  # (800 - 100 deductible) x 90 %
    # paid where the money really went: the bank account given on the application, not the card that paid
    expect(claim_status).to_contain_text("Paid to the bank account ending 3445.")
    expect(claim_status).not_to_have_attribute("hx-trigger", re.compile("every"))  # polling has stopped
    expect(page.locator("ol.history")).to_contain_text("Paid")  # the history is current too
    shot(page, "08-claim-paid")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    # 5. the header's language switch
    page.locator("header").get_by_role("link", name="中文").click()
    expect(page.get_by_role("link", name="登录")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="安心意外伤害保险")).to_be_visible()
    shot(page, "09-home-zh")
    page.get_by_role("link", name="安心意外伤害保险").click()
    page.locator("#birth_date").fill("1988-03-09")
    page.locator("#occupation_class").select_option("2")
    page.locator("#sum_insured").fill("300000")
    expect(page.locator("#premium")).to_contain_text("年保费")
    expect(page.locator("#premium strong")).to_have_text(re.compile(r"^390\.00\b"))
    shot(page, "10-product-zh")


def pay(page: Page, card: dict[str, str]) -> None:
    page.get_by_label("Card number").fill(card["card_number"])
    page.get_by_label("Expiry (MM/YY)").fill(card["expiry"])
    page.get_by_label("Security code").fill(card["cvc"])
