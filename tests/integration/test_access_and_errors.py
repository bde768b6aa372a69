"""Ownership on every object, authentication, and bad input that changes nothing."""

from __future__ import annotations

import httpx
import pytest

from insure.auth.tables import User

from .claim_helpers import claim_body, file_claim, filed
from .helpers import PASSWORD, application_body, auth, buy_policy, db, new_identity, register, today

pytestmark = pytest.mark.integration


def test_another_customer_gets_404_for_every_object(api):
    alice, bob = register(api), register(api)
    policy = buy_policy(api, alice)
    claim = filed(api, alice, policy["number"], "accidental_medical", "150", description="Cut a hand on broken glass")
    payment = api.get(f"/policies/{policy['number']}/payments", headers=auth(alice)).json()[0]

    for path in (
        f"/policies/{policy['number']}",
        f"/policies/{policy['number']}/payments",
        f"/policies/{policy['number']}/documents",
        f"/policies/{policy['number']}/documents/policy_schedule",
        f"/claims/{claim['number']}",
        f"/payments/{payment['id']}",
    ):
        r = api.get(path, headers=auth(bob))
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "390.00" not in r.text and "insured" not in r.text  # nothing of the record leaks
    r = file_claim(api, bob, policy["number"], "accidental_medical", "100", description="Pretending to be the holder")
    assert r.status_code == 404


def test_requests_without_a_valid_token_are_401(api):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
        r = api.get("/policies", headers=headers)
        assert r.status_code == 401
        assert r.json()["code"] == "not_authenticated"


def test_wrong_password_and_unknown_email_answer_the_same(api):
    customer = register(api)
    wrong = api.post("/auth/token", json={"email": customer["email"], "password": "not the password"})
    unknown = api.post("/auth/token", json={"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "invalid_credentials"
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_registration_reports_every_bad_field_and_stores_nothing(api):
    ident = new_identity()
    bad = {
        **ident,
        "id_number": ident["id_number"][:-1] + ("0" if ident["id_number"][-1] != "0" else "1"),
        "mobile": "12345",
        "password": "short",
        "email": "not-an-email",
    }
    r = api.post("/auth/register", json=bad)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "validation_failed"
    assert {e["field"] for e in body["errors"]} == {"id_number", "mobile", "password", "email"}
    assert {e["code"] for e in body["errors"] if e["field"] == "id_number"} == {"id_number_checksum"}
    assert db(User.count().where(User.id_number == ident["id_number"])) == 0
    # the same person can then register with correct data
    assert api.post("/auth/register", json=ident).status_code == 201
    again = api.post("/auth/register", json=ident)
    assert again.status_code == 422
    assert {e["code"] for e in again.json()["errors"]} == {"email_taken", "id_number_unavailable"}


def test_malformed_json_and_wrong_types_name_the_problem(api):
    r = api.post("/auth/register", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    r = api.post("/quotes", json={"product_code": "pa_basic", "occupation_class": "two"})
    # a body that decodes but has a field of the wrong type: 422 naming the field, like every field error
    assert r.status_code == 422
    assert r.json()["code"] == "validation_failed"
    assert [e["field"] for e in r.json()["errors"]] == ["occupation_class"]
    r = api.post("/quotes", json={"product_code": "pa_basic", "occupation_klass": 2})
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_field"
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("occupation_klass", "unknown_field")]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"sum_insured": "305000"}, "sum_insured", "sum_insured_not_on_step"),
        ({"sum_insured": "20000000"}, "sum_insured", "sum_insured_out_of_range"),
        ({"sum_insured": "abc"}, "sum_insured", "sum_insured_invalid"),
        ({"occupation_class": 5}, "occupation_class", "occupation_declined"),
        ({"birth_date": "2015-01-01"}, "birth_date", "age_out_of_range"),
        ({"product_code": "nope"}, "product_code", "unknown_product"),
        ({"channel": "telepathy"}, "channel", "channel_invalid"),
    ],
)
def test_a_quote_outside_the_product_rules_names_the_field(api, change, field, code):
    request = {
        "product_code": "pa_basic",
        "birth_date": "1990-01-01",
        "sum_insured": "300000",
        "occupation_class": 1,
        **change,
    }
    r = api.post("/quotes", json=request)
    assert r.status_code == 422, r.text
    assert (r.json()["errors"][0]["field"], r.json()["errors"][0]["code"]) == (field, code)


def test_a_claim_with_a_future_date_or_no_description_is_refused(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    tomorrow = today().toordinal() + 1
    from datetime import date

    body = claim_body(policy["number"], "accidental_medical", "-5", description="short")
    r = api.post(
        "/claims",
        json={**body, "loss_date": date.fromordinal(tomorrow).isoformat()},  # the invoice is dated today
        headers=auth(customer),
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"loss_date", "description", "invoices[0].amount"}
    assert api.get("/claims", headers=auth(customer)).json() == []


def test_buying_someone_elses_birth_date_quote_is_refused(api):
    customer = register(api)
    q = api.post("/quotes", json={"product_code": "pa_basic", "birth_date": "1970-06-01", "sum_insured": "100000"})
    r = api.post("/applications", json=application_body(api, q.json()["id"]), headers=auth(customer))
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "insured_birth_date_mismatch"
    assert api.get("/policies", headers=auth(customer)).json() == []


def test_password_guessing_is_throttled(stack):
    from .conftest import free_port
    from .helpers import wait_for

    port = free_port()
    # its own counters (in memory): the shared Redis store already holds the whole suite's log-ins
    web = stack.start("web-throttled", "web", "--port", str(port), env={"LOGIN_RATE_LIMIT": "3", "REDIS_URL": ""})
    try:
        url = f"http://127.0.0.1:{port}/api/v1/auth/token"
        wait_for(lambda: _status(f"http://127.0.0.1:{port}/health"), lambda s: s == 200, timeout=30)
        answers = [httpx.post(url, json={"email": "admin@insure.test", "password": f"guess {n}"}) for n in range(5)]
        assert [r.status_code for r in answers[:3]] == [401, 401, 401]
        assert answers[3].status_code == 429
        assert answers[3].json()["code"] == "too_many_requests"
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/products").status_code == 200  # other routes unaffected
    finally:
        web.terminate()
        web.wait(timeout=15)


def _status(url: str) -> int:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return 0


def test_buying_one_quote_twice_at_once_makes_one_policy(api):
    from concurrent.futures import ThreadPoolExecutor

    customer = register(api)
    q = api.post(
        "/quotes", json={"product_code": "pa_basic", "birth_date": customer["birth_date"], "sum_insured": "100000"}
    ).json()

    def buy(_: int) -> int:
        with httpx.Client(base_url=str(api.base_url), timeout=15) as client:
            body = application_body(api, q["id"])
            return client.post("/applications", json=body, headers=auth(customer)).status_code

    with ThreadPoolExecutor(5) as pool:
        codes = sorted(pool.map(buy, range(5)))
    assert codes == [201, 409, 409, 409, 409]
    assert len(api.get("/policies", headers=auth(customer)).json()) == 1


@pytest.mark.parametrize("path", ["/quotes/no-such-quote", "/products/%E2%80%AE", "/insurers/١٢٣", "/policies/P0"])
def test_a_page_for_something_that_does_not_exist_is_a_readable_404(browser, path):
    r = browser.get(path)
    assert r.status_code in (404, 302, 303), r.text[:300]  # a page behind log-in sends a visitor to log in first
    if r.status_code == 404:
        assert r.headers["content-type"].startswith("text/html")
        assert "Back to the home page" in r.text
