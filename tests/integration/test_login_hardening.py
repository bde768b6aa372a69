"""Log-in resists guessing; forwarded headers are not trusted by default; passwords follow NIST SP 800-63B;
log-out ends the session; every page carries a Content-Security-Policy; a development install signs
webhooks with a random key of its own.

Most tests run against `guarded`: a private Insure (own VAR_DIR and SQLite database, no SECRET_KEY and no
PAYMENT_WEBHOOK_SECRET, short log-in locks) with only the web server, which is all they need. When the run
uses Redis (INSURE_TEST_REDIS), its counters are in a Redis db of its own, as in production.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import RUN_DIR
from tests.integration.conftest import Stack, _flush_redis, _redis_db, free_port
from tests.integration.helpers import PASSWORD, csrf_token, new_identity, wait_for

pytestmark = pytest.mark.integration

FAILURES = 5
LOCK_SECONDS = 2
OLD_DEV_SECRET = "insure-development-secret-do-not-use-in-production"
GUARDED_REDIS_DB = 11  # the shared stack uses 7 and 8, the isolated one 9 and 10 (.ci/run, conftest.py)


@pytest.fixture(scope="module")
def guarded() -> Iterator[Stack]:
    var_dir = Path(tempfile.mkdtemp(prefix="guarded-", dir=RUN_DIR))
    env = {
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'insure.sqlite3'}",
        "BROKER_URL": "",
        "REDIS_URL": "",
        "DOCUMENT_DIR": "",
        "MAIL_DIR": "",
        "SECRET_KEY": "",
        "PAYMENT_WEBHOOK_SECRET": "",
        "TRUSTED_PROXIES": "",
        "LOGIN_FAILURE_LIMIT": str(FAILURES),
        "LOGIN_LOCK_SECONDS": str(LOCK_SECONDS),
        "LOGIN_LOCK_MAX_SECONDS": str(LOCK_SECONDS),
    }
    if os.environ.get("INSURE_TEST_REDIS"):
        env["REDIS_URL"] = _redis_db(os.environ["INSURE_TEST_REDIS"], GUARDED_REDIS_DB)
    _flush_redis(env["REDIS_URL"])
    s = Stack(env=env, logs=var_dir / "logs")
    try:
        s.cli("migrate")
        s.start("web", "web", "--port", str(s.port))
        s.wait_ready()
        yield s
    finally:
        s.stop()
        _flush_redis(env["REDIS_URL"])


def _extra_web(stack: Stack, name: str, env: dict[str, str]) -> str:
    """Another web server on the same database with some settings changed; returns its base URL."""
    port = free_port()
    stack.start(name, "web", "--port", str(port), env=env)
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            return httpx.get(base + "/ready", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    assert wait_for(ready, bool, timeout=60), f"{name} never became ready"
    return base


def _api(stack: Stack) -> httpx.Client:
    return httpx.Client(base_url=stack.base_url + "/api/v1", timeout=15)


def _sign_up(api: httpx.Client) -> dict[str, str]:
    ident = new_identity()
    r = api.post("/auth/register", json=ident)
    assert r.status_code == 201, r.text
    return ident


def _guess(api: httpx.Client, email: str, password: str, address: str) -> httpx.Response:
    return api.post("/auth/token", json={"email": email, "password": password}, headers={"X-Forwarded-For": address})


def _answers(responses: list[httpx.Response]) -> list[tuple[int, str, bool]]:
    return [(r.status_code, r.json()["code"], "retry-after" in r.headers) for r in responses]


def test_sixty_guesses_from_sixty_addresses_lock_the_account_until_the_lock_expires(guarded):
    with _api(guarded) as api:
        customer = _sign_up(api)
        # given 60 wrong passwords, each claiming another client address
        answers = [_guess(api, customer["email"], f"wrong guess {i:03d}", f"203.0.113.{i}") for i in range(60)]
        # then the first few are "incorrect" and the rest are refused outright
        assert [r.status_code for r in answers[:FAILURES]] == [401] * FAILURES
        assert {r.status_code for r in answers[FAILURES:]} == {429}
        refused = answers[-1]
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "too_many_attempts"
        assert int(refused.headers["retry-after"]) >= 1
        # and the right password is refused too while the lock lasts, however the address is written
        shouted = customer["email"].upper()
        locked = _guess(api, shouted, PASSWORD, "198.51.100.7")
        assert locked.status_code == 429, locked.text
        # when the lock has expired, the right password works again
        after = wait_for(
            lambda: _guess(api, customer["email"], PASSWORD, "198.51.100.8"), lambda r: r.status_code != 429
        )
        assert after.status_code == 200, after.text


def test_an_address_without_an_account_is_answered_exactly_like_one_with_an_account(guarded):
    with _api(guarded) as api:
        customer = _sign_up(api)
        nobody = new_identity()["email"]
        real = [_guess(api, customer["email"], f"nope {i}", f"192.0.2.{i}") for i in range(FAILURES + 3)]
        ghost = [_guess(api, nobody, f"nope {i}", f"192.0.2.{i}") for i in range(FAILURES + 3)]
        assert _answers(real) == _answers(ghost)
        assert _answers(ghost)[-1] == (429, "too_many_attempts", True)
        assert real[-1].json()["detail"] == ghost[-1].json()["detail"]


def test_successful_log_ins_do_not_count_towards_the_lock(guarded):
    with _api(guarded) as api:
        customer = _sign_up(api)
        for _ in range(FAILURES * 3):
            assert _guess(api, customer["email"], "wrong password!", "192.0.2.1").status_code == 401
            assert _guess(api, customer["email"], PASSWORD, "192.0.2.1").status_code == 200


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(guarded):
    # given a web server with a budget of 3 credential requests per client address per minute
    base = _extra_web(guarded, "web-budget", {"LOGIN_RATE_LIMIT": "3", "REDIS_URL": ""})  # own counters
    with httpx.Client(base_url=base + "/api/v1", timeout=15) as api:
        # when a client claims a new address on every request
        answers = [_guess(api, f"x{i}@example.com", "wrong password!", f"203.0.113.{i}") for i in range(5)]
    # then the claim is ignored: the fourth request from the one real address is over the budget
    assert [r.status_code for r in answers[:3]] == [401, 401, 401]
    assert answers[3].status_code == 429
    guarded.procs.pop("web-budget").terminate()
    # while behind a proxy named in TRUSTED_PROXIES, the address it forwards is the client's
    base = _extra_web(
        guarded, "web-proxied", {"LOGIN_RATE_LIMIT": "3", "REDIS_URL": "", "TRUSTED_PROXIES": "127.0.0.1"}
    )
    with httpx.Client(base_url=base + "/api/v1", timeout=15) as api:
        answers = [_guess(api, f"y{i}@example.com", "wrong password!", f"203.0.113.{i}") for i in range(5)]
    assert [r.status_code for r in answers] == [401] * 5
    guarded.procs.pop("web-proxied").terminate()


def test_locked_log_in_page_says_so_in_the_form(guarded):
    with _api(guarded) as api:
        customer = _sign_up(api)
    with _web(guarded) as web:
        token = csrf_token(web.get("/login").text)
        pages = [
            web.post("/login", data={"email": customer["email"], "password": f"bad {i}", "_csrf_token": token})
            for i in range(FAILURES + 1)
        ]
    assert [p.status_code for p in pages[:FAILURES]] == [422] * FAILURES
    locked = pages[-1]
    assert locked.status_code == 429
    assert "Too many failed log-in attempts for this account" in locked.text
    assert '<form method="post" action="/login"' in locked.text


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("aaaaaaaaaa", "password_repetitive"),
        (" " * 10, "password_repetitive"),
        ("abcdefghij", "password_repetitive"),
        ("insure-demo-2026", "password_published"),
        ("password2026", "password_too_common"),
        ("1qaz2wsx3edc", "password_too_common"),
        (None, "password_contains_email"),
    ],
)
def test_sign_up_refuses_weak_passwords_and_says_why(guarded, password, code):
    ident = new_identity()
    ident["password"] = password if password is not None else ident["email"]
    with _api(guarded) as api:
        r = api.post("/auth/register", json=ident, headers={"Accept-Language": "en"})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("password", code)]
        # in Chinese as well
        zh = api.post("/auth/register", json=ident, headers={"Accept-Language": "zh-CN"})
        assert zh.json()["errors"][0]["message"] != r.json()["errors"][0]["message"]
        assert api.post("/auth/token", json={"email": ident["email"], "password": ident["password"]}).status_code == 401


def test_the_sign_up_page_refuses_the_demo_password_with_the_reason(guarded):
    with _web(guarded) as web:
        token = csrf_token(web.get("/signup").text)
        ident = {**new_identity(), "password": "insure-demo-2026", "_csrf_token": token}
        r = web.post("/signup", data=ident)
    assert r.status_code == 422
    assert "This is the published demo password; choose your own." in r.text


def test_the_development_key_is_random_made_once_and_shared(guarded):
    key_file = Path(guarded.env["VAR_DIR"]) / "secret_key"
    # given an install with no SECRET_KEY: migrate and the web server have run
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 32 and key != OLD_DEV_SECRET
    # when another process (as a worker would) reads its settings, it gets the same key and the file stays
    seen = guarded.python("from insure.settings import get_settings; print(get_settings().secret_key)").strip()
    assert seen == key
    assert key_file.read_text().strip() == key


def _notify(api: httpx.Client, secret: str) -> httpx.Response:
    body = json.dumps(
        {"payment_id": 1, "gateway_ref": "ch_forged", "status": "succeeded", "amount_fen": 100, "failure_code": None}
    ).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return api.post(
        "/payments/sandbox/notifications",
        content=body,
        headers={"X-Sandbox-Signature": signature, "Content-Type": "application/json"},
    )


def test_a_webhook_signed_with_the_published_development_secret_is_refused(guarded):
    with _api(guarded) as api:
        forged = _notify(api, OLD_DEV_SECRET + ":sandbox-webhook")
        assert forged.status_code == 403, forged.text
        assert forged.json()["code"] == "signature_invalid"
        # while one signed with this install's own webhook secret gets past the signature check
        secret = guarded.python("from insure.settings import get_settings as s; print(s().payment_webhook_secret)")
        genuine = _notify(api, secret.strip())
        assert genuine.json()["code"] == "payment_not_found", genuine.text


def _web(stack: Stack) -> httpx.Client:
    return httpx.Client(base_url=stack.base_url, timeout=15, headers={"Accept-Language": "en"})


def test_log_out_expires_the_cookie_and_ends_the_session(guarded):
    with _api(guarded) as api:
        customer = _sign_up(api)
    with _web(guarded) as browser:
        _log_out_and_check(browser, customer)


def _log_out_and_check(browser: httpx.Client, customer: dict[str, str]) -> None:
    token = csrf_token(browser.get("/login").text)
    r = browser.post("/login", data={"email": customer["email"], "password": PASSWORD, "_csrf_token": token})
    assert r.status_code in (302, 303), r.text
    old_session = browser.cookies["insure_session"]
    assert browser.get("/policies").status_code == 200
    out = browser.post("/logout", data={"_csrf_token": csrf_token(browser.get("/policies").text)})
    assert out.status_code in (302, 303)
    cookie = next(v for v in out.headers.get_list("set-cookie") if v.startswith("insure_session="))
    assert "max-age=0" in cookie.lower(), cookie
    assert "insure_session" not in browser.cookies
    # and the old session id is no use to anyone who kept it
    with httpx.Client(base_url=str(browser.base_url), timeout=15, cookies={"insure_session": old_session}) as thief:
        assert thief.get("/policies").status_code in (302, 303)


@pytest.mark.parametrize("path", ["/", "/products", "/login", "/signup", "/schema/swagger", "/api/v1/products"])
def test_every_response_carries_the_content_security_policy(guarded, path):
    r = httpx.get(guarded.base_url + path)
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    for directive in (
        "default-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "strict-transport-security" not in r.headers  # plain HTTP here: no SECURE_COOKIES


def test_hsts_is_sent_when_secure_cookies_are_on(guarded):
    try:
        base = _extra_web(guarded, "web-https", {"SECURE_COOKIES": "1"})
        r = httpx.get(base + "/login")
        assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    finally:
        guarded.procs.pop("web-https").terminate()


@pytest.mark.e2e
def test_pages_and_api_docs_work_in_chromium_under_the_policy(guarded):
    """The pages' own scripts (htmx, /static/app.js) and Swagger UI run, and Chromium reports no violation."""
    journey = pytest.importorskip("tests.integration.test_browser_journey")
    from playwright.sync_api import expect, sync_playwright

    if not os.access(journey.CHROMIUM, os.X_OK):
        pytest.skip(f"no Chromium at {journey.CHROMIUM}")
    violations: list[str] = []
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=journey.CHROMIUM, headless=True, args=journey.CHROMIUM_ARGS)
        try:
            page = chromium.new_context(locale="en-US", base_url=guarded.base_url).new_page()
            page.set_default_timeout(15_000)
            page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
            for path in ("/", "/products", "/login", "/signup"):
                page.goto(path)
                expect(page.locator("main")).to_be_visible()
            # htmx: the live premium on a product page
            page.goto("/products/pa_basic")
            page.get_by_label("Insured's birth date").fill("1988-03-09")
            page.get_by_label("Sum insured (CNY)").fill("300000")
            expect(page.locator("#premium")).to_contain_text("Annual premium")
            # app.js: choosing another kind of insurance on the compare page sends the form
            page.goto("/compare")
            page.get_by_label("Kind of insurance").select_option(index=1)
            page.wait_for_url("**/compare?product_type=*")
            # Swagger UI, started by its nonce'd inline script, lists the operations and can call one
            page.goto("/schema/swagger")
            health = page.locator(".opblock").filter(has_text="/health").first
            health.locator(".opblock-summary").click()
            health.get_by_role("button", name="Try it out").click()
            health.get_by_role("button", name="Execute").click()
            expect(health.locator(".live-responses-table td.response-col_status").last).to_have_text("200")
        finally:
            chromium.close()
    assert not violations, violations
