"""Hostile input on every JSON operation and every page form gets a clear 4xx, never a 5xx, and writes nothing.

The JSON operations come from the live OpenAPI document (every POST/PUT/PATCH with a JSON body), the page forms
from the app's route table (every POST handler outside /api). Path parameters are filled with a signed-in
customer's own quote and policy (an admin's session or token for staff routes). Each field of each body gets,
in turn, NUL and control characters, U+202E, a 1 MB string, non-ASCII digits, 1e308, 10^40, negative numbers,
too many decimals, NaN, a 5,000-digit number and wrong types; each body also goes deeply nested, with an
unknown field, and larger than the 1 MiB limit. Values that can never be valid (``MUST_REFUSE``) must get a
4xx; the others must not get a 5xx; every 4xx on the API is ``application/problem+json``; and the customer's
quotes, applications, policies and claims (and the users) grow by no more than the requests accepted.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from claims.tables import Claim
from insure.applications.tables import Application
from insure.auth.tables import User
from insure.policies.tables import Policy
from insure.seed import DEMO_PASSWORD
from products.tables import Quote
from tests.integration.helpers import GOOD_CARD, PASSWORD, auth, buy_policy, csrf_token, db, new_identity, register

ROOT = Path(__file__).resolve().parents[2]
MEGABYTE = "x" * 1_000_000
# never valid anywhere: the request must be refused (4xx)
MUST_REFUSE: list[Any] = [
    "a\x00b",
    "a\x1bb\x07",
    "abc\u202edef",
    "\u2066x\u2069",
    MEGABYTE,
    "9" * 5000,
    1e308,
    10**40,
    [None],
    {"a": 1},
]
# wrong for numbers and codes, but a string field may take them as text: must not be a 5xx
SUSPICIOUS: list[Any] = ["١٢٣", "٥" * 12, -1, "-1", "1.0000000001", "NaN", "Infinity", 1.5, True, ""]
FORM_MUST_REFUSE = ["a\x00b", "a\x1bb", "abc\u202edef", "y" * 5000, "9" * 5000]
FORM_SUSPICIOUS = ["١٢٣", "-1", "1e308", "1.0000000001", "NaN", "0"]

GOOD: dict[str, Any] = {
    "product_code": "pa_basic",
    "product_type": "personal_accident",
    "sum_insured": "300000",
    "occupation_class": 2,
    "channel": "direct",
    "frequency": "annual",
    "relation": "self",
    "height_cm": 172,
    "weight_kg": "66",
    "legal_heirs": True,
    "address": "上海市徐汇区漕溪北路 88 号",
    "bank_account": "6222020200112233445",
    "consent": True,
    "kind": "contact",
    "mobile": "13912345678",
    "reason": "checked by the hostile input test",
    "outcome": "decline",
    "description": "slipped on the stairs and broke an arm",
    "amount": "100",
    "coverage_code": "accidental_death",
    "number": "FP20260001",  # a claim's invoice (claims.api.InvoiceIn)
    "issuer": "北京协和医院",
    "date": date.today().isoformat(),
    "days": 1,
    "name": "李娜",
    **GOOD_CARD,
}


@pytest.fixture(scope="module")
def world(stack: Any) -> Iterator[dict[str, Any]]:
    """A customer with a quote and a policy in force, an admin token, and clients for the API and the pages."""
    with httpx.Client(base_url=stack.base_url + "/api/v1", timeout=60) as api:
        customer = register(api, birth=date(1988, 3, 9))
        policy = buy_policy(api, customer, start=False)
        quote = api.post(
            "/quotes",
            json={"product_code": "pa_basic", "birth_date": customer["birth_date"], "sum_insured": "300000"},
            headers=auth(customer),
        ).json()
        token = api.post("/auth/token", json={"email": "admin@insure.test", "password": DEMO_PASSWORD}).json()
        yield {
            "base_url": stack.base_url,
            "api": api,
            "customer": customer,
            "admin": {"Authorization": f"Bearer {token['access_token']}"},
            "policy": policy["number"],
            "application": policy["application_number"],
            "quote": quote["id"],
        }


def counts() -> dict[str, int]:
    return {
        table.__name__: db(table.count())  # type: ignore[attr-defined]
        for table in (User, Quote, Application, Policy, Claim)
    }


def _staff(path: str) -> bool:
    return any(part in path for part in ("/admin/", "/decision", "/reinstatements", "/staff", "/underwriting"))


def _fill_path(path: str, world: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        before = path[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        name = match.group(1).split(":")[0]
        if name in ("code",):
            return "pa_basic"
        if name in ("quote_id", "id"):
            return world["quote"]
        if before in ("applications", "underwriting"):
            return world["application"]
        if before == "reinstatements":
            return "R0000000000000"
        return world["policy"]

    return re.sub(r"\{([^}]+)\}", value, path)


# ---------------------------------------------------------------- the API, from its OpenAPI document


def _resolve(schema: dict, spec: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "oneOf" in schema:  # "X or null": the object
        return _resolve(next(s for s in schema["oneOf"] if s.get("type") != "null"), spec)
    return schema


def _good_body(schema: dict, spec: dict, world: dict[str, Any]) -> dict[str, Any]:
    """A body the schema accepts, with sensible values, so a hostile value in one field is what gets judged."""
    identity = new_identity()
    known = {
        **GOOD,
        "email": identity["email"],
        "password": PASSWORD,
        "id_number": identity["id_number"],
        "birth_date": world["customer"]["birth_date"],
        "quote_id": world["quote"],
        "policy_number": world["policy"],
        "loss_date": date.today().isoformat(),
    }
    body: dict[str, Any] = {}
    for name, prop in _resolve(schema, spec).get("properties", {}).items():
        prop = _resolve(prop, spec)
        if name in known:
            body[name] = known[name]
        elif prop.get("type") == "object" and "properties" in prop:
            body[name] = _good_body(prop, spec, world)
        elif prop.get("type") == "array":
            item = _resolve(prop.get("items", {}), spec)
            body[name] = [_good_body(item, spec, world)] if "properties" in item else []
        elif "default" in prop:
            body[name] = prop["default"]
    if "share" in body:  # a beneficiary
        body.update(name="王芳", relation="spouse", share="100")
    return body


def _fields(body: dict[str, Any], prefix: tuple = ()) -> Iterator[tuple]:
    """Paths to every value of the body, nested objects and first list items included."""
    for key, value in body.items():
        yield (*prefix, key)
        if isinstance(value, dict):
            yield from _fields(value, (*prefix, key))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            yield from _fields(value[0], (*prefix, key, 0))


def _with(body: Any, path: tuple, value: Any) -> Any:
    body = json.loads(json.dumps(body))
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


def json_operations(world: dict[str, Any]) -> list[tuple[str, str, dict]]:
    spec = world["api"].get(world["base_url"] + "/schema/openapi.json").json()
    found = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            content = (op.get("requestBody") or {}).get("content", {})
            if method in ("post", "put", "patch") and "application/json" in content:
                body = _good_body(content["application/json"]["schema"], spec, world)
                found.append((method.upper(), path, body))
    return found


def _check_api(response: httpx.Response, sent: str, must_refuse: bool) -> str | None:
    status, kind = response.status_code, response.headers.get("content-type", "")
    if status >= 500:
        return f"{status} for {sent}: {response.text[:300]}"
    if must_refuse and status < 400:
        return f"accepted ({status}) {sent}"
    if status >= 400 and not kind.startswith("application/problem+json"):
        return f"{status} is {kind}, not problem+json, for {sent}"
    return None


def test_every_json_operation_refuses_hostile_values_without_a_server_error(world: dict[str, Any], capsys) -> None:
    api: httpx.Client = world["api"]
    operations = json_operations(world)
    assert len(operations) >= 10, operations  # quotes, applications, claims, endorsements, payments, auth, admin
    problems: list[str] = []
    tried = server_errors = 0
    for method, path, good in operations:
        url = world["base_url"] + _fill_path(path, world)
        headers = {**(world["admin"] if _staff(path) else auth(world["customer"]))}
        before, accepted = counts(), 0

        def send(
            content: bytes,
            sent: str,
            must_refuse: bool,
            headers: dict[str, str] = headers,
            method: str = method,
            url: str = url,
            path: str = path,
        ) -> None:
            nonlocal tried, accepted, server_errors
            tried += 1
            key = {"Idempotency-Key": secrets.token_hex(8), "Content-Type": "application/json"}
            r = api.request(method, url, content=content, headers={**headers, **key})
            accepted += r.status_code < 400
            server_errors += r.status_code >= 500
            problem = _check_api(r, f"{method} {path} {sent}", must_refuse)
            if problem:
                problems.append(problem)

        for field in _fields(good):
            for value in MUST_REFUSE:
                send(json.dumps(_with(good, field, value)).encode(), f"{field}={str(value)[:20]!r}", True)
            for value in SUSPICIOUS:
                send(json.dumps(_with(good, field, value)).encode(), f"{field}={value!r}", False)
        send(json.dumps({**good, "unexpected_field": 1}).encode(), "an unknown field", True)
        send(b"[" * 100_000 + b"]" * 100_000, "100,000 levels of nesting", True)
        nested: Any = 1
        for _ in range(34):
            nested = [nested]
        send(json.dumps({**good, "x": nested}).encode(), "34 levels inside a field", True)
        send(json.dumps([good]).encode(), "an array for the body", True)
        send(b'"just a string"', "a string for the body", True)
        send(b"{not json", "malformed JSON", True)
        send(json.dumps({**good, "pad": "z" * 2_000_000}).encode(), "a 2 MB body", True)
        after = counts()
        grown = {k: after[k] - before[k] for k in after if after[k] - before[k] > accepted}
        if grown:
            problems.append(f"{method} {path}: refused requests wrote rows {grown} ({accepted} accepted)")
    with capsys.disabled():
        print(
            f"\nhostile input, API: {len(operations)} operations, {tried} requests, {server_errors} server errors, "
            f"{len(problems)} problems"
        )
    assert not problems, f"{len(problems)} of {tried} requests:\n" + "\n".join(problems[:40])


def test_a_too_large_body_is_413_problem_details(world: dict[str, Any]) -> None:
    r = world["api"].post(
        "/auth/register", content=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")


def test_deep_nesting_is_400_malformed_request(world: dict[str, Any]) -> None:
    r = world["api"].post(
        "/auth/register", content=b"[" * 100_000 + b"]" * 100_000, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["code"] == "malformed_request"


# ---------------------------------------------------------------- the pages, from the route table


def page_forms() -> list[str]:
    from insure.app import create_app

    return sorted(
        {
            route.path
            for route in create_app().routes
            for handler in getattr(route, "route_handlers", [])
            if "POST" in handler.http_methods and not route.path.startswith(("/api/", "/schema", "/static"))
        }
        - {"/logout"}  # takes no input, and would end the session the other forms are sent in
    )


def form_field_names() -> set[str]:
    """Every field name the templates' forms use, literal or through the form macros."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "templates").rglob("*.html"))
    names = set(re.findall(r'name="([a-z_][a-z0-9_]*)"', text))
    names |= set(re.findall(r"""(?:field|input|select|textarea|checkbox)\(['"]([a-z_0-9]+)['"]""", text))
    names |= {"b0_name", "b0_relation", "b0_share", "insured_name", "insured_id_number", "email", "password"}
    return names - {"viewport", "next"}


def _web(base_url: str, email: str, password: str) -> httpx.Client:
    web = httpx.Client(base_url=base_url, headers={"Accept-Language": "en"}, timeout=60)
    token = csrf_token(web.get("/login").text)
    r = web.post("/login", data={"email": email, "password": password, "_csrf_token": token})
    assert r.status_code in (302, 303), r.text
    return web


def test_every_page_form_refuses_hostile_values_without_a_server_error(world: dict[str, Any], capsys) -> None:
    forms = page_forms()
    assert {"/signup", "/products/{code:str}/quote", "/quotes/{quote_id:str}/apply", "/staff/clock"} <= set(forms)
    names = form_field_names()
    customer = _web(world["base_url"], world["customer"]["email"], PASSWORD)
    admin = _web(world["base_url"], "admin@insure.test", DEMO_PASSWORD)
    problems: list[str] = []
    tried = 0
    before = counts()
    try:
        for path in forms:
            web = admin if _staff(path) else customer
            token = csrf_token(web.get("/login").text) if path != "/login" else ""
            url = _fill_path(path, world)
            for value in FORM_MUST_REFUSE + FORM_SUSPICIOUS:
                data = {name: value for name in names}
                data["_csrf_token"] = token or csrf_token(web.get("/login").text)
                tried += 1
                r = web.post(url, data=data)
                shown = f"POST {path} every field={value[:20]!r}"
                if r.status_code >= 500:
                    problems.append(f"{r.status_code} for {shown}: {r.text[:200]}")
                elif 300 <= r.status_code < 400 and path not in ("/login",):
                    problems.append(f"accepted ({r.status_code} → {r.headers.get('location')}) {shown}")
                elif value in FORM_MUST_REFUSE and r.status_code < 400:
                    problems.append(f"not refused ({r.status_code}) {shown}")
    finally:
        customer.close()
        admin.close()
    with capsys.disabled():
        print(f"\nhostile input, page forms: {len(forms)} forms, {tried} requests, {len(problems)} problems")
    assert not problems, f"{len(problems)} of {tried} requests:\n" + "\n".join(problems[:40])
    assert counts() == before
