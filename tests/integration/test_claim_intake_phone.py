"""The claim form on a 390 × 844 phone screen, in a real Chromium, in both languages: the customer picks the
benefit, adds invoice rows (the small static script adds them in the page), files three invoices and the claim
shows their total; the form is never wider than the screen."""

from __future__ import annotations

import secrets

import httpx
import pytest

from . import test_browser_journey as journey
from .helpers import PASSWORD, auth, buy_policy, register, today
from .test_browser_journey import Page, expect, shot
from .test_my_claims_phone import PHONE, page_width

page = journey.page  # the Chromium fixture (skips without Playwright or a system Chromium)

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_a_medical_claim_with_three_invoices_is_filed_on_a_phone(page: Page, stack) -> None:
    with httpx.Client(base_url=stack.base_url + "/api/v1", timeout=15) as api:
        customer = register(api)
        policy = buy_policy(api, customer)
        day = today().isoformat()
    page.set_viewport_size(PHONE)
    page.goto("/login")
    page.locator("input[name=email]").fill(customer["email"])
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit], main form button:not([type])").first.click()
    page.wait_for_url(lambda url: "/login" not in url)

    for language in ("zh_CN", "en"):
        page.goto(f"/lang/{language}?next=/policies/{policy['number']}/claims/new")
        page.wait_for_url("**/claims/new")
        assert page_width(page) <= PHONE["width"], f"the benefit choice is wider than the phone in {language}"
        page.locator("ul.benefit-choice a[href='?coverage=accidental_medical']").click()
        expect(page.locator("fieldset.invoice")).to_have_count(1)
        page.get_by_role("button", name="再添加一张发票" if language == "zh_CN" else "Add another invoice").click()
        expect(page.locator("fieldset.invoice")).to_have_count(2)  # added in the page, no round trip
        assert page_width(page) <= PHONE["width"], f"the claim form is wider than the phone in {language}"
        shot(page, f"claim-form-invoices-{language}")

    # in English: three invoices, the middle one added and removed once on the way
    page.get_by_role("button", name="Add another invoice").click()
    page.get_by_role("button", name="Add another invoice").click()
    expect(page.locator("fieldset.invoice")).to_have_count(4)
    page.locator("fieldset.invoice").nth(3).get_by_role("button", name="Remove this invoice").click()
    expect(page.locator("fieldset.invoice")).to_have_count(3)
    page.get_by_label("Date of admission or treatment").fill(day)
    page.get_by_label("What happened?").fill("Fell off a bicycle and broke a collarbone")
    numbers = [f"FP{secrets.token_hex(5).upper()}" for _ in range(3)]
    for row, (number, amount, social) in enumerate(
        zip(numbers, ("1200.50", "99.50", "700"), ("300", "", "0"), strict=True)
    ):
        invoice = page.locator("fieldset.invoice").nth(row)
        invoice.get_by_label("Invoice number").fill(number)
        invoice.get_by_label("Issued by (hospital, clinic or shop)").fill("Beijing Jishuitan Hospital")
        invoice.get_by_label("Invoice date").fill(day)
        invoice.get_by_label("Amount billed (CNY)").fill(amount)
        invoice.get_by_label("Paid by social insurance (CNY)").fill(social)
    shot(page, "claim-form-three-invoices-en")
    page.get_by_role("button", name="Submit the claim").click()
    page.wait_for_url(lambda url: "/claims/new" not in url and "/claims/" in url)

    # My claims leads a beneficiary to the death claim, whose form fits the phone too
    page.goto("/claims")
    page.locator("#death-claim-link a").click()
    page.wait_for_url("**/claims/death")
    expect(page.get_by_label("The insured's resident ID number")).to_be_visible()
    assert page_width(page) <= PHONE["width"], "the death claim form is wider than the phone"

    with httpx.Client(base_url=stack.base_url + "/api/v1", timeout=15) as api:
        [claim] = api.get("/claims", headers=auth(customer)).json()
    assert claim["amount"] == "2000.00"
    assert [(i["number"], i["amount"], i["social_insurance"]) for i in claim["invoices"]] == [
        (numbers[0], "1200.50", "300.00"),
        (numbers[1], "99.50", "0.00"),
        (numbers[2], "700.00", "0.00"),
    ]
