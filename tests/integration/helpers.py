"""Small helpers for integration tests: customers, polling, and reading the database directly."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from typing import TypeVar

import httpx

from insure.identity import make_resident_id
from insure.seed import DEMO_PASSWORD

T = TypeVar("T")
PASSWORD = "a sturdy passphrase 42"
GOOD_CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/49", "cvc": "123"}


def db(query: Awaitable[T]) -> T:
    """Run a Piccolo query (or coroutine) in the test process against the database the stack uses."""

    async def wrapped() -> T:
        return await query

    # in a thread of its own: a test may already run an event loop (Playwright's sync API does)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, wrapped()).result()


def new_identity(birth: date = date(1988, 3, 9)) -> dict[str, str]:
    return {
        "email": f"c{secrets.token_hex(5)}@example.com",
        "password": PASSWORD,
        "name": "李娜 Li Na",
        "mobile": "139" + f"{secrets.randbelow(10**8):08d}",
        "id_number": make_resident_id(f"{secrets.randbelow(900000) + 100000}", birth, secrets.randbelow(100), "female"),
    }


def register(api: httpx.Client, birth: date = date(1988, 3, 9)) -> dict[str, str]:
    """A new customer with a bearer token: returns the identity plus an Authorization header."""
    ident = new_identity(birth)
    r = api.post("/auth/register", json=ident)
    assert r.status_code == 201, r.text
    r = api.post("/auth/token", json={"email": ident["email"], "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {**ident, "auth": f"Bearer {r.json()['access_token']}", "birth_date": birth.isoformat()}


def auth(customer: dict[str, str]) -> dict[str, str]:
    return {"Authorization": customer["auth"]}


def wait_for(fetch: Callable[[], T], done: Callable[[T], bool], timeout: float = 30, every: float = 0.3) -> T:
    """Poll like a user refreshing a page, until ``done`` or the timeout (then return the last value)."""
    deadline = time.monotonic() + timeout
    value = fetch()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(every)
        value = fetch()
    return value


def today() -> date:
    """The business date every process of the running stack sees (the demo clock may have been moved)."""
    from insure import clock, clock_store

    db(clock_store.refresh(force=True))
    return clock.today()


_admin: dict[str, str] = {}


def travel(api: httpx.Client, days: int = 1) -> date:
    """Move the whole stack's clock forward (as an admin would in the demo) and return the new date."""
    if "auth" not in _admin:
        r = api.post("/auth/token", json={"email": "admin@insure.test", "password": DEMO_PASSWORD})
        _admin["auth"] = f"Bearer {r.json()['access_token']}"
    r = api.post("/admin/clock", json={"days": days}, headers={"Authorization": _admin["auth"]})
    assert r.status_code == 200, r.text
    return date.fromisoformat(r.json()["today"])


def application_body(api: httpx.Client, quote_id: str, **changes: object) -> dict:
    """A complete, healthy application for oneself: every health question answered no, legal heirs."""
    product = api.get(f"/quotes/{quote_id}").json()["product_code"]
    questions = api.get(f"/products/{product}/questionnaire").json()
    body = {
        "quote_id": quote_id,
        "height_cm": 172,
        "weight_kg": "66",
        "answers": {q["code"]: False for q in questions},
        "legal_heirs": True,
        "address": "上海市徐汇区漕溪北路 88 号",
        "bank_account": "6222020200112233445",
        "consent": True,
    }
    return {**body, **changes}


def apply(api: httpx.Client, customer: dict[str, str], quote_id: str, **changes: object) -> dict:
    r = api.post("/applications", json=application_body(api, quote_id, **changes), headers=auth(customer))
    assert r.status_code == 201, r.text
    return r.json()


def buy_policy(
    api: httpx.Client, customer: dict[str, str], sum_insured: str = "300000", pay: bool = True, start: bool = True
) -> dict:
    """Quote, buy and (optionally) pay; returns the policy once it is in force (or as bought). Cover starts at
    00:00 the next day, so with ``start`` the clock is then moved one day forward, into the period of cover."""
    q = api.post(
        "/quotes",
        json={
            "product_code": "pa_basic",
            "birth_date": customer["birth_date"],
            "sum_insured": sum_insured,
            "occupation_class": 2,
        },
        headers=auth(customer),
    )
    assert q.status_code == 201, q.text
    app = apply(api, customer, q.json()["id"])
    assert app["status"] == "accepted", app
    policy = api.get(f"/policies/{app['policy_number']}", headers=auth(customer)).json()
    if not pay:
        return policy
    r = api.post(
        f"/policies/{policy['number']}/payments",
        json=GOOD_CARD,
        headers={**auth(customer), "Idempotency-Key": secrets.token_hex(8)},
    )
    assert r.status_code == 202, r.text
    policy = wait_for(
        lambda: api.get(f"/policies/{policy['number']}", headers=auth(customer)).json(),
        lambda body: body["status"] == "in_force",
    )
    if start:
        travel(api, 1)
    return policy


def csrf_token(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the form carries no CSRF token"
    return match.group(1)


@contextmanager
def web_session(api: httpx.Client, email: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    """A browser-like client for the pages (English), signed in as ``email``."""
    base = str(api.base_url).removesuffix("/api/v1/")
    with httpx.Client(base_url=base, headers={"Accept-Language": "en"}, timeout=15) as web:
        token = csrf_token(web.get("/login").text)
        r = web.post("/login", data={"email": email, "password": password, "_csrf_token": token})
        assert r.status_code in (302, 303), r.text
        yield web
