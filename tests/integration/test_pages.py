"""The HTML pages a customer and an adjuster use: forms, CSRF, sessions, languages, live status."""

from __future__ import annotations

import re

import pytest

from insure.seed import DEMO_PASSWORD

from .claim_helpers import claim_body, form_fields, give_documents_on_page
from .helpers import GOOD_CARD, csrf_token, new_identity, travel, wait_for

pytestmark = pytest.mark.integration


def post_form(browser, path: str, fields: dict, page: str | None = None):
    token = csrf_token(browser.get(page or path).text)
    return browser.post(path, data={**fields, "_csrf_token": token})


def sign_up(browser) -> dict:
    ident = new_identity()
    r = post_form(browser, "/signup", ident)
    assert r.status_code in (302, 303), r.text[:500]
    return ident


def test_a_visitor_signs_up_buys_pays_and_files_a_claim_in_the_browser(browser, api):
    sign_up(browser)
    home = browser.get("/")
    assert "Peace of Mind Personal Accident Insurance" in home.text
    assert "Log out" in home.text

    # the live premium fragment (htmx) prices the form as typed
    product_page = "/products/pa_basic"
    token = csrf_token(browser.get(product_page).text)
    quote_form = {"birth_date": "1988-03-09", "occupation_class": "2", "sum_insured": "300000", "channel": "direct"}
    live = browser.post("/products/pa_basic/price", data={**quote_form, "_csrf_token": token})
    assert "390.00" in live.text

    r = browser.post("/products/pa_basic/quote", data={**quote_form, "_csrf_token": token})
    assert r.status_code in (302, 303)
    quote_page = r.headers["location"]
    apply_page = quote_page + "/apply"
    form_html = browser.get(apply_page).text
    answers = {name: "no" for name in set(re.findall(r'name="(answer_\w+)"', form_html))}
    assert answers  # the product's health declaration is on the form
    application = {
        **answers,
        "relation": "self",
        "height_cm": "172",
        "weight_kg": "66",
        "legal_heirs": "on",
        "address": "北京市朝阳区建国路 1 号",
        "bank_account": "6222020200112233445",
        "consent": "on",
    }
    # a forgotten question and a missing consent: the form comes back with the messages, nothing is stored
    incomplete = {k: v for k, v in application.items() if k not in ("consent", sorted(answers)[0])}
    again = post_form(browser, apply_page, incomplete)
    assert again.status_code == 422
    assert "Answer this question yes or no." in again.text and "Please confirm you have read" in again.text
    r = post_form(browser, apply_page, application)
    assert r.status_code in (302, 303), r.text[:3000]
    decision = browser.get(r.headers["location"]).text
    assert "accepted on standard terms" in decision
    pay_page = re.search(r'href="(/policies/P\d+/pay)"', decision).group(1)
    number = pay_page.split("/")[2]

    r = post_form(browser, pay_page, {**GOOD_CARD, "idempotency_key": csrf_token(browser.get(pay_page).text)[:20]})
    assert r.status_code in (302, 303)
    status = wait_for(
        lambda: browser.get(f"/policies/{number}/status").text, lambda html: "schedule.pdf" in html, timeout=60
    )
    assert "In force" in status
    pdf = browser.get(f"/policies/{number}/schedule.pdf")
    assert pdf.headers["content-type"] == "application/pdf"

    # cover starts at 00:00 the next day: the accident happens once the policy is in cover (a loss before the
    # cover started is refused at intake)
    travel(api, 1)
    claim_form = f"/policies/{number}/claims/new?coverage=accidental_medical"
    body = claim_body(number, "accidental_medical", "800", description="Fell from a ladder while painting")
    r = post_form(browser, f"/policies/{number}/claims", form_fields(body), page=claim_form)
    assert r.status_code in (302, 303), re.findall(r'class="error"[^<]*<', r.text)
    claim_url = r.headers["location"]
    give_documents_on_page(browser, claim_url)  # the documents the claim page asks for (issue 10)
    detail = browser.get(claim_url).text
    assert 'hx-trigger="every 2s"' in detail or "Paid" in detail  # the page refreshes itself until settled
    settled = wait_for(lambda: browser.get(claim_url + "/status").text, lambda html: "Paid" in html)
    assert "Paid" in settled and "Referred" not in settled
    assert "630.00" in settled  # (800 − 100 deductible) × 90 %
    assert "every 2s" not in settled  # resting state: polling stops


def test_bad_sign_up_shows_the_form_again_with_messages_and_keeps_the_input(browser):
    ident = new_identity()
    r = post_form(browser, "/signup", {**ident, "id_number": ident["id_number"][:17] + "Y", "mobile": "555"})
    assert r.status_code == 422
    assert "A resident ID number has 17 digits followed by a digit or X." in r.text
    assert "Enter an 11-digit mainland mobile number." in r.text
    assert ident["email"] in r.text  # what the user typed is kept …
    assert ident["password"] not in r.text  # … except the password
    login = post_form(browser, "/login", {"email": ident["email"], "password": ident["password"]})
    assert login.status_code == 422  # nothing was created


def test_forms_without_the_csrf_token_are_refused(browser):
    r = browser.post("/signup", data=new_identity())
    assert r.status_code == 403


def test_pages_need_a_login_and_redirect_back(browser):
    r = browser.get("/policies")
    assert r.status_code in (302, 303)
    assert r.headers["location"] == "/login?next=/policies"


def test_wrong_password_on_the_login_page(browser):
    r = post_form(browser, "/login", {"email": "adjuster@insure.test", "password": "wrong password!"})
    assert r.status_code == 422
    assert "Email or password is incorrect." in r.text


def test_language_follows_the_switch_and_defaults_from_the_browser(stack):
    import httpx

    with httpx.Client(base_url=stack.base_url, headers={"Accept-Language": "zh-CN,zh;q=0.9"}) as zh:
        assert "安心意外伤害保险" in zh.get("/").text
        assert "登录" in zh.get("/login").text
        r = zh.get("/lang/en?next=/login")
        assert r.headers["location"] == "/login"
        assert "Log in" in zh.get("/login").text  # the cookie now wins over Accept-Language
    with httpx.Client(base_url=stack.base_url, headers={"Accept-Language": "en-US,en;q=0.8"}) as en:
        assert "Log in" in en.get("/login").text


def test_roles_and_guards(stack):
    import httpx

    with httpx.Client(base_url=stack.base_url, headers={"Accept-Language": "en"}) as adjuster:
        post_form(adjuster, "/login", {"email": "adjuster@insure.test", "password": DEMO_PASSWORD})
        assert adjuster.get("/adjuster/claims").status_code == 200
        assert adjuster.get("/staff").status_code == 200
    with httpx.Client(base_url=stack.base_url, headers={"Accept-Language": "en"}) as customer:
        sign_up(customer)
        assert customer.get("/adjuster/claims").status_code == 403
        assert customer.get("/staff").status_code == 403
    with httpx.Client(base_url=stack.base_url, headers={"Accept-Language": "en"}) as admin:
        post_form(admin, "/login", {"email": "admin@insure.test", "password": DEMO_PASSWORD})
        page = admin.get("/staff").text
        assert "Trial balance" in page


def test_logging_in_issues_a_new_session_id_and_ignores_one_chosen_by_the_client(stack):
    import httpx

    with httpx.Client(base_url=stack.base_url, headers={"Accept-Language": "en"}) as victim:
        victim.cookies.set("insure_session", "attacker-chosen-id-123")
        r = post_form(victim, "/login", {"email": "admin@insure.test", "password": DEMO_PASSWORD})
        assert r.status_code in (302, 303)
        issued = re.search(r"insure_session=([^;]+)", r.headers["set-cookie"]).group(1)
        assert issued not in ("attacker-chosen-id-123", "null")
    with httpx.Client(base_url=stack.base_url, cookies={"insure_session": issued}) as same_person:
        assert same_person.get("/staff").status_code == 200
    with httpx.Client(base_url=stack.base_url) as attacker:
        attacker.cookies.set("insure_session", "attacker-chosen-id-123")
        assert attacker.get("/staff").status_code in (302, 303)  # the planted id gives no access


def test_anonymous_visits_and_probes_create_no_session(stack):
    import httpx

    for path in ("/", "/login", "/products", "/api/v1/products", "/health", "/ready"):
        r = httpx.get(stack.base_url + path)
        assert "insure_session" not in r.headers.get("set-cookie", ""), path
