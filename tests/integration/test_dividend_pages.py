"""The actuary's pages for the annual dividend declaration (红利宣告), over HTTP against the real stack and worker.

One actuary prepares a declaration from the form (bad input shows the form again, nothing stored), watches it
compute, and cannot approve it; another approves it, posts it (after ticking the box) and reverses it (with a
reason); every refusal shows the page again with its message. Then the same pages in a real browser, on a
desktop and a 390 px phone, where nothing is wider than the screen.

The clock has to move past a policy's first anniversary, so the module runs on its own stack (`isolated_stack`).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest

from insure.seed import DEMO_PASSWORD

from .conftest import Stack
from .helpers import apply, auth, csrf_token, register, wait_for, web_session

pytestmark = pytest.mark.integration

PREPARER = "actuary@insure.test"
APPROVER = "chief.actuary@insure.test"
PRODUCT, INSURER = "wl_par_changan", "changan_life"
CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/49", "cvc": "123"}
EXPERIENCE = {
    "insurer_code": INSURER,
    "investment_yield": "0.06",
    "mortality_ratio": "0.8",
    "expense_ratio": "0.9",
    "policyholder_share": "0.70",
    "smoothing_transfer": "0",
    "accumulation_rate": "0.025",
    "bonus_rate": "0",
    "terminal_bonus_rate": "0",
}


def as_admin(api: httpx.Client) -> dict[str, str]:
    r = api.post("/auth/token", json={"email": "admin@insure.test", "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def move_clock_to(api: httpx.Client, day: date) -> None:
    admin = as_admin(api)
    today = date.fromisoformat(api.get("/admin/clock", headers=admin).json()["today"])
    if (day - today).days > 0:
        r = api.post("/admin/clock", json={"days": (day - today).days}, headers=admin)
        assert r.status_code == 200, r.text


def participating_policy(api: httpx.Client) -> dict:
    """A customer's single-premium participating whole life policy, paid and in force."""
    customer = register(api)
    body = {"product_code": PRODUCT, "birth_date": customer["birth_date"], "sex": "female", "sum_insured": "200000"}
    q = api.post("/quotes", json={**body, "policy_term": "whole_life", "premium_term": "single"})
    assert q.status_code == 201, q.text
    application = apply(api, customer, q.json()["id"])
    assert application["status"] == "accepted", application
    url = f"/policies/{application['policy_number']}"
    paid = api.post(f"{url}/payments", json=CARD, headers={**auth(customer), "Idempotency-Key": secrets.token_hex(8)})
    assert paid.status_code == 202, paid.text
    policy = wait_for(lambda: api.get(url, headers=auth(customer)).json(), lambda p: p["status"] == "in_force")
    assert policy["status"] == "in_force"
    return policy


def post_form(web: httpx.Client, path: str, data: dict[str, str], form_page: str) -> httpx.Response:
    token = csrf_token(web.get(form_page).text)
    return web.post(path, data={**data, "_csrf_token": token})


def status_of(web: httpx.Client, number: str) -> str:
    match = re.search(r'id="dv-status">([^<]+)<', web.get(f"/staff/dividends/{number}").text)
    return match.group(1) if match else ""


@pytest.fixture(scope="module")
def declared(isolated_stack: Stack) -> Iterator[tuple[httpx.Client, str, int]]:
    """Given a participating policy past its first anniversary, a declaration of that year prepared from the form
    by the first actuary and computed by the worker: (api, declaration number, year)."""
    with httpx.Client(base_url=isolated_stack.base_url + "/api/v1", timeout=15) as api:
        policy = participating_policy(api)
        anniversary = date.fromisoformat(policy["effective_date"]).replace(
            year=date.fromisoformat(policy["effective_date"]).year + 1
        )
        move_clock_to(api, anniversary + timedelta(days=1))
        with web_session(api, PREPARER, DEMO_PASSWORD) as web:
            form = {**EXPERIENCE, "year": str(anniversary.year)}
            r = post_form(web, "/staff/dividends/new", form, "/staff/dividends/new")
            assert r.status_code in (302, 303), r.text
            number = r.headers["location"].rsplit("/", 1)[-1]
            done = wait_for(lambda: status_of(web, number), lambda s: s != "Computing", timeout=60)
            assert done == "Prepared, awaiting approval"
        yield api, number, anniversary.year


def test_bad_input_shows_the_form_again_with_each_message_at_its_field_and_stores_nothing(declared) -> None:
    api, _, year = declared
    with web_session(api, PREPARER, DEMO_PASSWORD) as web:
        before = web.get("/staff/dividends").text.count('id="dv-')
        form = {**EXPERIENCE, "year": str(year + 1), "investment_yield": "abc", "policyholder_share": "0.6"}
        r = post_form(web, "/staff/dividends/new", form, "/staff/dividends/new")
        assert r.status_code == 422
        assert 'id="investment_yield-error"' in r.text and 'id="policyholder_share-error"' in r.text
        assert 'value="abc"' in r.text  # the form keeps what was typed
        assert web.get("/staff/dividends").text.count('id="dv-') == before


def test_a_second_declaration_of_the_year_is_refused_above_the_form(declared) -> None:
    api, _, year = declared
    with web_session(api, APPROVER, DEMO_PASSWORD) as web:
        r = post_form(web, "/staff/dividends/new", {**EXPERIENCE, "year": str(year)}, "/staff/dividends/new")
        assert r.status_code == 409
        assert 'id="problem"' in r.text


def test_a_year_without_eligible_policies_is_refused_above_the_form(declared) -> None:
    api, _, _ = declared
    with web_session(api, PREPARER, DEMO_PASSWORD) as web:
        before = web.get("/staff/dividends").text.count('id="dv-')
        r = post_form(web, "/staff/dividends/new", {**EXPERIENCE, "year": "2020"}, "/staff/dividends/new")
        assert r.status_code == 409 and 'id="problem"' in r.text
        assert web.get("/staff/dividends").text.count('id="dv-') == before


def test_the_preparer_sees_the_preview_but_cannot_approve(declared) -> None:
    api, number, _ = declared
    with web_session(api, PREPARER, DEMO_PASSWORD) as web:
        listing = web.get("/staff/dividends").text
        assert f'id="dv-{number}"' in listing and "Prepared, awaiting approval" in listing
        page = web.get(f"/staff/dividends/{number}").text
        for part in ('id="surplus"', 'id="by-product"', 'id="distribution"', 'id="largest"', 'id="smallest"'):
            assert part in page
        assert 'src="data:image/svg+xml;base64,' in page
        assert "another actuary must approve it" in page
        # the run is over: the progress bar's poll tells htmx to reload the page (preview and buttons together)
        polled = web.get(f"/staff/dividends/{number}/progress", headers={"HX-Request": "true"})
        assert polled.status_code == 200 and polled.headers.get("HX-Refresh") == "true"
        assert f'action="/staff/dividends/{number}/approve"' not in page
        # a hand-made request is refused by the engine too, on the same page
        r = post_form(web, f"/staff/dividends/{number}/approve", {}, f"/staff/dividends/{number}")
        assert r.status_code == 409 and 'id="problem"' in r.text
        assert status_of(web, number) == "Prepared, awaiting approval"


def test_the_page_reads_in_chinese(declared) -> None:
    api, number, _ = declared
    with web_session(api, APPROVER, DEMO_PASSWORD) as web:
        page = web.get(f"/staff/dividends/{number}", headers={"Accept-Language": "zh-CN"}).text
        for term in ("红利宣告", "可分配盈余", "利差", "死差", "费差", "平滑准备金"):
            assert term in page


def test_a_customer_cannot_open_the_declarations(declared) -> None:
    api, number, _ = declared
    customer = register(api)
    with web_session(api, customer["email"]) as web:
        assert web.get("/staff/dividends").status_code == 403
        assert web.get(f"/staff/dividends/{number}").status_code == 403


def test_another_actuary_approves_posts_once_and_reverses_with_a_reason(declared) -> None:
    api, number, _ = declared
    detail = f"/staff/dividends/{number}"
    with web_session(api, APPROVER, DEMO_PASSWORD) as web:
        r = post_form(web, f"{detail}/approve", {}, detail)
        assert r.status_code in (302, 303), r.text
        assert status_of(web, number) == "Approved, not yet posted"

        # posting needs the box ticked: the page again, the message at the box, nothing posted
        r = post_form(web, f"{detail}/post", {}, detail)
        assert r.status_code == 422 and 'id="post-confirm-error"' in r.text
        assert status_of(web, number) == "Approved, not yet posted"

        r = post_form(web, f"{detail}/post", {"confirm": "on"}, detail)
        assert r.status_code in (302, 303), r.text
        assert wait_for(lambda: status_of(web, number), lambda s: s == "Posted", timeout=60) == "Posted"
        # a second post is refused on the page, with the reason; the history has one posting
        again = post_form(web, f"{detail}/post", {"confirm": "on"}, detail)
        assert again.status_code == 409 and "already posted" in again.text
        page = web.get(detail).text
        assert page.count("Approved, not yet posted → Posted") == 1

        # reversing needs a reason and the box ticked
        r = post_form(web, f"{detail}/reverse", {"confirm": "on"}, detail)
        assert r.status_code == 422 and 'id="reverse-reason-error"' in r.text
        r = post_form(web, f"{detail}/reverse", {"confirm": "on", "reason": "Yield entered wrong"}, detail)
        assert r.status_code in (302, 303), r.text
        assert wait_for(lambda: status_of(web, number), lambda s: s == "Reversed", timeout=60) == "Reversed"
        assert "Yield entered wrong" in web.get(detail).text


def test_a_reversed_year_is_declared_again_and_that_declaration_withdrawn_with_a_reason(declared) -> None:
    api, number, year = declared
    with web_session(api, PREPARER, DEMO_PASSWORD) as web:
        assert status_of(web, number) == "Reversed"  # after the test above: the year is free again
        r = post_form(web, "/staff/dividends/new", {**EXPERIENCE, "year": str(year)}, "/staff/dividends/new")
        assert r.status_code in (302, 303), r.text
        again = r.headers["location"].rsplit("/", 1)[-1]
        assert again != number
        wait_for(lambda: status_of(web, again), lambda s: s != "Computing", timeout=60)
        detail = f"/staff/dividends/{again}"
        r = post_form(web, f"{detail}/withdraw", {"reason": ""}, detail)
        assert r.status_code == 422 and 'id="withdraw-reason-error"' in r.text
        r = post_form(web, f"{detail}/withdraw", {"reason": "Expense ratio to be checked"}, detail)
        assert r.status_code in (302, 303), r.text
        assert status_of(web, again) == "Withdrawn"
        page = web.get(detail).text
        assert "Expense ratio to be checked" in page and 'id="actions"' not in page


# ---- the same pages in a real browser, desktop and phone ------------------------------------------------------------

CHROMIUM = os.environ.get("INSURE_E2E_CHROMIUM", "/usr/bin/chromium")
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.e2e
@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_pages_fit_a_phone_and_a_desktop_in_a_browser(declared, isolated_stack: Stack, screen: str) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    executable = CHROMIUM if os.path.isabs(CHROMIUM) else shutil.which(CHROMIUM)
    if not executable or not os.access(executable, os.X_OK):
        pytest.skip(f"the browser check needs Chromium at {CHROMIUM}")
    _, number, year = declared
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(locale="en-US", base_url=isolated_stack.base_url, viewport=SCREENS[screen])
        context.set_default_timeout(15_000)
        page = context.new_page()
        expect = playwright.expect
        fits = "document.documentElement.scrollWidth <= window.innerWidth"
        try:
            page.goto("/login")
            page.get_by_label("Email").fill(PREPARER)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Log in").click()

            page.goto("/staff/dividends")
            expect(page.locator(f"#dv-{number}")).to_be_visible()
            assert page.evaluate(fits)
            page.screenshot(path=f"/tmp/e2e-dividends-list-{screen}.png", full_page=True)

            page.locator(f"#dv-{number}").get_by_role("link", name=number).click()
            expect(page.locator("#surplus")).to_contain_text("Distributable surplus")
            expect(page.locator("#preview img")).to_be_visible()
            assert page.evaluate(fits)
            page.screenshot(path=f"/tmp/e2e-dividends-preview-{screen}.png", full_page=True)

            page.goto("/staff/dividends/new")
            page.get_by_label("Year").fill(str(year + 1))
            page.get_by_label("Actual investment yield").fill("abc")
            page.get_by_role("button", name="Compute the declaration").click()
            expect(page.locator("#investment_yield-error")).to_be_visible()
            assert page.evaluate(fits)
            page.screenshot(path=f"/tmp/e2e-dividends-form-{screen}.png", full_page=True)
        finally:
            context.close()
            browser.close()
