"""The API contract: schemathesis, every check, against a running Insure (web, worker, beat) — once with a
customer's token and once with a staff (admin) token. The OpenAPI document must be true: no server error, no
status code, content type, header or body the document does not declare, no schema-invalid request accepted,
no schema-valid request refused (except where the settings file says why).

Bounded: at most 20 examples per operation, a fixed seed, no example database carried between runs, a time
limit per run. It gets its own Insure (`isolated_stack`: own database, clock, broker) because random requests
change state: the admin's move the demo clock, the customer's pay, endorse, cancel and claim.

It takes a few minutes, so the default suite skips it; `.ci/run` runs it against PostgreSQL:
    INSURE_CONTRACT=1 .venv/bin/pytest tests/integration/test_openapi_contract.py
The quick tests before it (the document's error responses, 405 and OPTIONS) run in every suite.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from insure.seed import DEMO_PASSWORD

from .claim_helpers import file_claim
from .helpers import GOOD_CARD, auth, buy_policy, register

pytestmark = pytest.mark.integration
FULL_RUN = pytest.mark.skipif(not os.environ.get("INSURE_CONTRACT"), reason="set INSURE_CONTRACT=1 (.ci/run does)")

SETTINGS = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = 20
SEED = 20261129
RUN_TIMEOUT = 600  # seconds, per run; one takes ≈ 45 s on two cores


def _token(api: httpx.Client, email: str, password: str) -> str:
    r = api.post("/auth/token", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


@pytest.fixture(scope="module")
def objects(isolated_stack) -> dict[str, str]:
    """A customer with a policy in force, its application and payment, a claim on it and a life quote: real
    objects for the path parameters, so the run reaches past 404 and the success responses are checked too."""
    with httpx.Client(base_url=isolated_stack.base_url + "/api/v1", timeout=30) as api:
        admin = _token(api, "admin@insure.test", DEMO_PASSWORD)
        customer = register(api)
        policy = buy_policy(api, customer, start=False)
        assert policy["status"] == "in_force", policy
        moved = api.post("/admin/clock", json={"days": 1}, headers={"Authorization": f"Bearer {admin}"})
        assert moved.status_code == 200, moved.text  # into the period of cover, which starts the next day
        payment = api.get(f"/policies/{policy['number']}/payments", headers=auth(customer)).json()[0]
        claim = file_claim(
            api,
            customer,
            policy["number"],
            "accidental_medical",
            "1200.50",
            loss_date=policy["effective_date"],
            description="Slipped on a wet staircase and broke a wrist",
        )
        assert claim.status_code == 201, claim.text
        quote = api.post(
            "/quotes",
            json={
                "product_code": "endow_par_changan",
                "birth_date": "1990-05-01",
                "sex": "female",
                "smoker": False,
                "sum_insured": "100000",
                "policy_term": "10",
                "premium_term": "policy_term",
            },
        )
        assert quote.status_code == 201, quote.text
        return {
            "CONTRACT_POLICY": policy["number"],
            "CONTRACT_APPLICATION": policy["application_number"],
            "CONTRACT_PAYMENT": payment["id"],
            "CONTRACT_CLAIM": claim.json()["number"],
            "CONTRACT_QUOTE": quote.json()["id"],
            "CONTRACT_CARD": GOOD_CARD["card_number"],
            "customer": _token(api, customer["email"], customer["password"]),
            "admin": admin,
        }


def _figures(report: dict) -> dict[str, object]:
    failures = {f"{f['code']} {f['title']}": f["count"] for f in report["failures"]}
    return {
        "operations": report["operations"]["tested"],
        "requests": report["test_cases"]["generated"],
        "server errors": sum(n for name, n in failures.items() if "server error" in name.lower()),
        "failures": failures,
        "errors": len(report["errors"]),
    }


METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def _operations(stack) -> list[tuple[str, str, dict]]:
    doc = httpx.get(stack.base_url + "/schema/openapi.json").json()
    return [(m.upper(), path, op) for path, item in doc["paths"].items() for m, op in item.items() if m in METHODS]


def test_every_error_an_operation_can_give_is_documented_as_problem_details(stack):
    doc = httpx.get(stack.base_url + "/schema/openapi.json").json()
    assert {"type", "title", "status", "code"} <= set(doc["components"]["schemas"]["Problem"]["required"])
    missing, not_problems = [], []
    for method, path, op in _operations(stack):
        responses = op["responses"]
        expected = {"401"} if op.get("security") else set()
        if any(p["in"] == "path" for p in op.get("parameters", [])):
            expected.add("404")
        if "requestBody" in op:
            expected |= {"400", "413", "422"}
        missing += [f"{method} {path} {status}" for status in sorted(expected - set(responses))]
        not_problems += [
            f"{method} {path} {status}"
            for status, response in responses.items()
            if int(status) >= 400 and set(response.get("content", {})) != {"application/problem+json"}
        ]
    assert (missing, not_problems) == ([], [])
    role_guarded = [op for _, p, op in _operations(stack) if p.startswith(("/api/v1/admin/", "/api/v1/reinstatements"))]
    assert role_guarded and all("403" in op["responses"] for op in role_guarded)


def test_downloads_are_typed_as_they_are_sent(stack):
    downloads = [(m, p, op) for m, p, op in _operations(stack) if p.endswith(("policy_schedule", ".pdf"))]
    assert len(downloads) == 2
    for _, _, op in downloads:
        ok = op["responses"]["200"]
        assert list(ok["content"]) == ["application/pdf"]
        last_modified = {k.lower(): v for k, v in ok.get("headers", {}).items()}["last-modified"]["schema"]
        assert "format" not in last_modified  # an HTTP date (Sun, 06 Nov 1994 08:49:37 GMT), not ISO 8601
        assert re.fullmatch(last_modified["pattern"], "Sun, 06 Nov 1994 08:49:37 GMT")


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/products", "/ready", "/products"])
def test_an_unsupported_method_answers_405_naming_the_allowed_ones(stack, path):
    r = httpx.request("TRACE", stack.base_url + path)
    assert r.status_code == 405
    assert "GET" in {m.strip() for m in r.headers["allow"].split(",")}
    if path.startswith("/api/"):
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "method_not_allowed"


def test_options_lists_every_method_of_the_path(api):
    customer = register(api)
    for path in ("/applications", "/claims"):
        r = api.options(path, headers=auth(customer))
        assert r.status_code == 204
        assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "POST", "OPTIONS"}


@FULL_RUN
@pytest.mark.parametrize("who", ["customer", "admin"])
def test_the_api_answers_as_its_openapi_document_says(isolated_stack, objects, who, tmp_path, capsys):
    reports = tmp_path / "reports"
    command = [
        *(str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(SETTINGS), "run"),
        f"{isolated_stack.base_url}/schema/openapi.json",
        *("--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--workers", "1"),
        *("--generation-database", "none", "--request-timeout", "30", "--no-color"),
        *("--header", f"Authorization: Bearer {objects[who]}"),
        *("--report", "json", "--report-dir", str(reports)),
    ]
    env = {**os.environ, **{k: v for k, v in objects.items() if k.startswith("CONTRACT_")}}
    done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT, env=env, cwd=tmp_path)
    (isolated_stack.logs / f"schemathesis-{who}.log").write_text(done.stdout + done.stderr)
    found = list(reports.glob("*.json"))
    assert found, f"schemathesis wrote no report:\n{done.stdout[-5000:]}{done.stderr[-3000:]}"
    figures = _figures(json.loads(found[0].read_text()))
    with capsys.disabled():
        print(f"\nschemathesis ({who} token): {json.dumps(figures)}")
    assert (figures["server errors"], figures["failures"], figures["errors"]) == (0, {}, 0), done.stdout[-20000:]
    assert figures["operations"] >= 40 and done.returncode == 0, done.stdout[-20000:]
