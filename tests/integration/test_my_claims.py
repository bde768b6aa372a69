"""The customer's "My claims" (page and API list), and intake refusing a loss outside the period of cover."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest

from insure import clock
from insure.policies.tables import Policy

from .claim_helpers import claim_body, file_claim, form_fields
from .helpers import PASSWORD, auth, buy_policy, csrf_token, db, register, today

pytestmark = pytest.mark.integration


@contextmanager
def pages(api: httpx.Client, email: str, language: str = "en") -> Iterator[httpx.Client]:
    """A signed-in browser-like client for the pages in the given language."""
    base = str(api.base_url).removesuffix("/api/v1/").removesuffix("/api/v1")
    with httpx.Client(base_url=base, headers={"Accept-Language": language}, timeout=15) as web:
        token = csrf_token(web.get("/login").text)
        r = web.post("/login", data={"email": email, "password": PASSWORD, "_csrf_token": token})
        assert r.status_code in (302, 303), r.text
        yield web


def file(api: httpx.Client, customer: dict, policy_number: str, loss_date: str, amount: str = "300"):
    """A medical-expenses claim: one invoice of ``amount``, dated the day of the loss."""
    return file_claim(
        api,
        customer,
        policy_number,
        "accidental_medical",
        amount,
        loss_date=loss_date,
        description="Slipped on the stairs at the office",
    )


def test_my_claims_lists_the_customers_own_claims_newest_first_in_both_languages(api):
    # given a customer with two claims on one policy, and another customer with a claim of their own
    customer = register(api)
    policy = buy_policy(api, customer)
    first = file(api, customer, policy["number"], today().isoformat(), "300")
    second = file(api, customer, policy["number"], today().isoformat(), "450")
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    other = register(api)
    other_policy = buy_policy(api, other)
    theirs = file(api, other, other_policy["number"], today().isoformat())
    assert theirs.status_code == 201, theirs.text

    # the API lists the customer's claims newest first, each with its policy number
    listed = api.get("/claims", headers=auth(customer)).json()
    assert [c["number"] for c in listed] == [second.json()["number"], first.json()["number"]]
    assert {c["policy_number"] for c in listed} == {policy["number"]}

    # the page lists them too, newest first, with the policy and product, and never the other customer's claim
    with pages(api, customer["email"]) as web:
        html = web.get("/claims").text
        assert "My claims" in html and 'href="/claims"' in html  # the page and its navigation link
        assert html.index(second.json()["number"]) < html.index(first.json()["number"])
        assert f'href="/claims/{first.json()["number"]}"' in html
        assert policy["number"] in html and "Personal Accident" in html
        assert "450.00" in html
        assert theirs.json()["number"] not in html
    with pages(api, customer["email"], "zh-CN") as web:
        html = web.get("/claims").text
        assert "我的理赔" in html and "下一步" in html
        assert second.json()["number"] in html and theirs.json()["number"] not in html


def test_my_claims_without_claims_points_to_the_policies_and_staff_go_to_their_queue(api):
    customer = register(api)
    with pages(api, customer["email"]) as web:
        r = web.get("/claims")
        assert r.status_code == 200
        assert "You have not made any claims." in r.text and 'href="/policies"' in r.text
    with pages(api, customer["email"], "zh-CN") as web:
        assert "您还没有理赔申请。" in web.get("/claims").text
    base = str(api.base_url).removesuffix("/api/v1/").removesuffix("/api/v1")
    with httpx.Client(base_url=base, headers={"Accept-Language": "en"}, timeout=15) as web:
        assert web.get("/claims").status_code in (302, 303)  # signed out: to the login page
    from insure.seed import DEMO_PASSWORD

    with httpx.Client(base_url=base, headers={"Accept-Language": "en"}, timeout=15) as web:
        token = csrf_token(web.get("/login").text)
        login = {"email": "adjuster@insure.test", "password": DEMO_PASSWORD, "_csrf_token": token}
        assert web.post("/login", data=login).status_code in (302, 303)
        r = web.get("/claims")
        assert r.status_code in (302, 303) and r.headers["location"] == "/adjuster/claims"


def test_a_loss_before_the_cover_started_is_refused_at_intake(api):
    # given a policy bought and paid today: cover starts tomorrow
    customer = register(api)
    policy = buy_policy(api, customer, start=False)
    r = file(api, customer, policy["number"], today().isoformat())
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("loss_date", "loss_before_cover")]
    assert policy["effective_date"] in errors[0]["message"]  # the message states the period of cover
    assert api.get("/claims", headers=auth(customer)).json() == []  # nothing stored


@pytest.mark.parametrize("ending", ["expired", "surrendered"])
def test_a_loss_after_the_cover_ended_is_refused_at_intake(api, ending):
    customer = register(api)
    policy = buy_policy(api, customer)
    ended_on = today() - timedelta(days=10)
    changes = {Policy.effective_date: today() - timedelta(days=60)}
    if ending == "expired":
        changes[Policy.expiry_date] = ended_on
    else:
        changes[Policy.status] = "surrendered"
        changes[Policy.ended_at] = clock.start_of(ended_on) + timedelta(hours=12)
    db(Policy.update(changes).where(Policy.number == policy["number"]))

    r = file(api, customer, policy["number"], (ended_on + timedelta(days=3)).isoformat())
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("loss_date", "loss_after_cover")]
    assert ended_on.isoformat() in errors[0]["message"]
    assert api.get("/claims", headers=auth(customer)).json() == []
    # a loss on the last day of cover is taken (and assessed by the rules as before)
    assert file(api, customer, policy["number"], ended_on.isoformat()).status_code == 201


def test_the_claim_form_shows_the_period_of_cover_and_the_refusal(api):
    customer = register(api)
    policy = buy_policy(api, customer, start=False)
    number = policy["number"]
    with pages(api, customer["email"]) as web:
        form = web.get(f"/policies/{number}/claims/new?coverage=accidental_medical").text
        assert "Period of cover" in form and policy["effective_date"] in form
        body = claim_body(number, "accidental_medical", "300", description="Slipped on the stairs at the office")
        fields = {**form_fields(body), "_csrf_token": csrf_token(form)}
        r = web.post(f"/policies/{number}/claims", data=fields)
        assert r.status_code == 422
        assert "it happened before your cover started" in r.text
        assert 'aria-invalid="true"' in r.text
    with pages(api, customer["email"], "zh-CN") as web:
        form = web.get(f"/policies/{number}/claims/new?coverage=accidental_medical").text
        r = web.post(f"/policies/{number}/claims", data={**fields, "_csrf_token": csrf_token(form)})
        assert r.status_code == 422 and "发生在保险期间开始之前" in r.text
    assert api.get("/claims", headers=auth(customer)).json() == []
