"""Uploading claim documents on a 390 px phone screen in a real Chromium, in both languages: the checklist fits the
screen, two files go up at once through the page's script (XHR, with its progress bar), the checklist then shows
them received; a refused file is explained in place, without leaving the page."""

from __future__ import annotations

import re

import httpx
import pytest

from . import test_browser_journey as journey
from .claim_helpers import file_claim, tiny_pdf, tiny_png
from .helpers import PASSWORD, auth, buy_policy, register, wait_for
from .test_browser_journey import Page, assert_same_document, expect, mark_document, shot

page = journey.page  # the Chromium fixture (skips without Playwright or a system Chromium)

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

PHONE = {"width": 390, "height": 844}


def page_width(tab: Page) -> int:
    return tab.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def test_two_documents_are_uploaded_from_a_phone_and_the_checklist_shows_them(page: Page, stack) -> None:
    with httpx.Client(base_url=stack.base_url + "/api/v1", timeout=15) as api:
        customer = register(api)
        policy = buy_policy(api, customer)
        number = file_claim(api, customer, policy["number"]).json()["number"]
        waiting = wait_for(
            lambda: api.get(f"/claims/{number}", headers=auth(customer)).json(),
            lambda c: c["status"] == "awaiting_documents",
            timeout=60,
        )
        assert waiting["status"] == "awaiting_documents"

    page.set_viewport_size(PHONE)
    page.goto("/login")
    page.locator("input[name=email]").fill(customer["email"])
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit], main form button:not([type])").first.click()
    page.wait_for_url(lambda url: "/login" not in url)

    for language in ("zh_CN", "en"):
        page.goto(f"/lang/{language}?next=/claims/{number}")
        page.wait_for_url(f"**/claims/{number}")
        expect(page.locator("#documents .checklist li.missing")).to_have_count(4)
        assert page_width(page) <= PHONE["width"], f"the claim page is wider than the phone in {language}"
        shot(page, f"claim-documents-{language}")

    # two invoices at once, sent by the page's script (XHR with upload progress), then the claim page again
    page.locator("#doc_type").select_option("invoices")
    page.locator("#files").set_input_files(
        [
            {"name": "invoice-1.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf(f"{number} invoice 1")},
            {"name": "invoice-2.png", "mimeType": "image/png", "buffer": tiny_png(f"{number} invoice 2")},
        ]
    )
    expect(page.locator("form[data-claim-upload]")).to_have_attribute("data-bound", "1")
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/documents")) as sent:
        page.get_by_role("button", name="Upload").click()
    assert sent.value.resource_type == "xhr"
    invoices = page.locator('#documents li[data-doc-type="invoices"]')
    expect(invoices).to_have_class(re.compile(r"\breceived\b"))
    expect(invoices.locator("a.file")).to_have_text(["invoice-1.pdf", "invoice-2.png"])
    expect(page.locator("#documents .checklist li.missing")).to_have_count(3)
    assert page_width(page) <= PHONE["width"]
    shot(page, "claim-documents-uploaded")

    # a file that is not what its name says: refused in place, the reason beside the form, nothing stored
    mark_document(page)
    page.locator("#doc_type").select_option("expense_list")
    page.locator("#files").set_input_files(
        [{"name": "charges.jpg", "mimeType": "image/jpeg", "buffer": b"this is not a photo"}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#documents-errors")).to_contain_text("charges.jpg")
    assert_same_document(page)
    expect(page.locator("#documents .checklist li.missing")).to_have_count(3)
    assert page_width(page) <= PHONE["width"]
