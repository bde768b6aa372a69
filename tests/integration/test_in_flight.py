"""Requests in flight: limits on one life hold whatever order the steps come in and however many arrive at
once, and a retried claim or payment is answered once — the races a double click or a busy client makes."""

from __future__ import annotations

import functools
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import httpx
import pytest

from insure.identity import make_resident_id
from insure.policies.tables import Policy
from insure.seed import DEMO_PASSWORD

from .claim_helpers import claim_body, form_fields
from .helpers import (
    GOOD_CARD,
    application_body,
    auth,
    buy_policy,
    csrf_token,
    db,
    register,
    today,
    wait_for,
    web_session,
)

pytestmark = pytest.mark.integration


@functools.cache
def child_birth() -> date:
    """Four years before the stack's business date when this module first asks (other modules move its clock
    years ahead; the same child for the whole module, which moves it a year or two): under 10, so a total death
    cover of at most 200,000 CNY."""
    return date(today().year - 4, 6, 1)


def new_child() -> dict[str, str]:
    area = f"{secrets.randbelow(900000) + 100000}"
    return {"name": "李小明", "id_number": make_resident_id(area, child_birth(), secrets.randbelow(100), "male")}


def child_quote(api: httpx.Client, sum_insured: str) -> str:
    r = api.post(
        "/quotes",
        json={
            "product_code": "endow_par_huaxia",
            "birth_date": child_birth().isoformat(),
            "sex": "male",
            "sum_insured": sum_insured,
            "policy_term": "20",
            "premium_term": "policy_term",
            "channel": "platform",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def child_application(api: httpx.Client, child: dict, sum_insured: str, **changes: object) -> dict:
    body = application_body(
        api,
        child_quote(api, sum_insured),
        relation="child",
        insured=child,
        height_cm=105,
        weight_kg="20",  # BMI 18: no referral
    )
    return {**body, **changes}


def referred(body: dict) -> dict:
    """The same application with a hospital stay declared: an underwriter must decide it."""
    return {**body, "answers": {**body["answers"], "hospitalised": True}}


def underwriter(api: httpx.Client) -> dict[str, str]:
    r = api.post("/auth/token", json={"email": "underwriter@insure.test", "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def cap_refusal(r: httpx.Response) -> bool:
    codes = {e["code"] for e in r.json().get("errors", [])} | {r.json().get("code")}
    return r.status_code in (409, 422) and "minor_death_cover_cap" in codes


def test_an_application_waiting_for_an_underwriter_counts_towards_a_childs_cap(api):
    # given a parent's application for 150,000 of death cover on a child, waiting for an underwriter
    parent, child = register(api), new_child()
    first = api.post("/applications", json=referred(child_application(api, child, "150000")), headers=auth(parent))
    assert first.status_code == 201 and first.json()["status"] == "referred", first.text

    # when a second application for 100,000 on the same child arrives (from the other parent, even)
    other_parent = register(api)
    second = api.post("/applications", json=child_application(api, child, "100000"), headers=auth(other_parent))

    # then it is refused under the regulator's cap, and nothing was stored for it
    assert cap_refusal(second), second.text
    assert second.headers["content-type"].startswith("application/problem+json")
    assert api.get("/applications", headers=auth(other_parent)).json() == []
    # and the first one can still be accepted: it fits alone
    decided = api.post(
        f"/applications/{first.json()['number']}/decision",
        json={"outcome": "accept", "reason": "Discharge letter seen, fully recovered"},
        headers=underwriter(api),
    )
    assert decided.status_code == 200 and decided.json()["status"] == "accepted", decided.text


def _cover_returns_meanwhile(api: httpx.Client) -> tuple[dict, dict, str]:
    """A child's 100,000 policy has lapsed (it does not count) when a 150,000 application is made and is referred
    or offered; then the lapsed cover comes back (reinstated) while that application waits."""
    parent, child = register(api), new_child()
    held = api.post("/applications", json=child_application(api, child, "100000"), headers=auth(parent)).json()
    assert held["status"] == "accepted", held
    number = held["policy_number"]
    db(Policy.update({Policy.status: "lapsed"}).where(Policy.number == number))
    waiting = api.post("/applications", json=referred(child_application(api, child, "150000")), headers=auth(parent))
    assert waiting.status_code == 201 and waiting.json()["status"] == "referred", waiting.text
    return parent, waiting.json(), number


def test_an_underwriters_decision_counts_the_cover_held_now(api):
    parent, waiting, number = _cover_returns_meanwhile(api)
    db(Policy.update({Policy.status: "in_force"}).where(Policy.number == number))

    # when the underwriter accepts the application that fitted alone, the child's cover would be 250,000
    decided = api.post(
        f"/applications/{waiting['number']}/decision",
        json={"outcome": "accept", "reason": "Discharge letter seen, fully recovered"},
        headers=underwriter(api),
    )
    # then the decision is refused (409, a stable code) and the application still waits, unchanged
    assert decided.status_code == 409 and cap_refusal(decided), decided.text
    # the underwriter's page says why, on the application
    with web_session(api, "underwriter@insure.test", DEMO_PASSWORD) as web:
        review = web.get(f"/underwriting/{waiting['number']}")
        sent = web.post(
            f"/underwriting/{waiting['number']}",
            data={"outcome": "accept", "reason": "Discharge letter seen", "_csrf_token": csrf_token(review.text)},
        )
        assert sent.status_code == 409 and "total death cover is capped" in sent.text
    after = api.get(f"/applications/{waiting['number']}", headers=auth(parent)).json()
    assert after["status"] == "referred" and after["policy_number"] is None
    # a decision that commits no cover (decline) is still possible
    declined = api.post(
        f"/applications/{waiting['number']}/decision",
        json={"outcome": "decline", "reason": "Total cover on the child is at the regulator's cap"},
        headers=underwriter(api),
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined", declined.text


def test_accepting_revised_terms_counts_the_cover_held_now(api):
    parent, waiting, number = _cover_returns_meanwhile(api)
    # the underwriter offers revised terms while the child's other policy is still lapsed
    offered = api.post(
        f"/applications/{waiting['number']}/decision",
        json={"outcome": "load", "loading": "25", "reason": "Asthma, treated"},
        headers=underwriter(api),
    )
    assert offered.status_code == 200 and offered.json()["status"] == "offered", offered.text
    db(Policy.update({Policy.status: "in_force"}).where(Policy.number == number))

    # when the parent accepts the terms, the child's cover would be 250,000: refused, nothing changes
    accepted = api.post(f"/applications/{waiting['number']}/accept-terms", headers=auth(parent))
    assert accepted.status_code == 409 and cap_refusal(accepted), accepted.text
    after = api.get(f"/applications/{waiting['number']}", headers=auth(parent)).json()
    assert after["status"] == "offered" and after["policy_number"] is None
    assert [p["number"] for p in api.get("/policies", headers=auth(parent)).json()] == [number]


def test_applications_sent_at_the_same_moment_cannot_pass_a_childs_cap_together(api):
    # given four parents' applications of 100,000 each for one child (the cap is 200,000), prepared in advance
    child = new_child()
    parents = [register(api) for _ in range(4)]
    bodies = [child_application(api, child, "100000") for _ in parents]

    # when they are all sent at once
    def send(i: int) -> httpx.Response:
        return api.post("/applications", json=bodies[i], headers=auth(parents[i]))

    with ThreadPoolExecutor(len(parents)) as pool:
        answers = list(pool.map(send, range(len(parents))))

    # then exactly two pass, and the others are refused under the cap
    passed = [r for r in answers if r.status_code == 201]
    assert len(passed) == 2, [r.text for r in answers]
    assert all(cap_refusal(r) for r in answers if r.status_code != 201), [r.text for r in answers]


def _claim(policy_number: str, amount: str = "150") -> dict:
    return claim_body(policy_number, "accidental_medical", amount, description="Cut a hand on broken glass at home")


def test_a_claim_sent_twice_with_one_idempotency_key_is_filed_once(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    key = {**auth(customer), "Idempotency-Key": f"claim-{secrets.token_hex(6)}"}

    # when the same claim is sent twice with one key, the second time while the first may still be in flight
    body = _claim(policy["number"])
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: api.post("/claims", json=body, headers=key), range(2))
    # then both answers name the one claim, and only one claim exists
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    assert first.json()["number"] == second.json()["number"]
    assert [c["number"] for c in api.get("/claims", headers=auth(customer)).json()] == [first.json()["number"]]
    # a later retry answers the same claim too
    again = api.post("/claims", json=body, headers=key)
    assert again.json()["number"] == first.json()["number"]

    # the same key with another request is refused and files nothing
    other = api.post("/claims", json={**body, "invoices": [{**body["invoices"][0], "amount": "900"}]}, headers=key)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused", other.text
    assert other.headers["content-type"].startswith("application/problem+json")
    assert len(api.get("/claims", headers=auth(customer)).json()) == 1


def test_the_claim_form_submitted_twice_files_one_claim(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    number = policy["number"]
    with web_session(api, customer["email"]) as web:
        form = web.get(f"/policies/{number}/claims/new?coverage=accidental_medical").text
        token = csrf_token(form)
        one_time = form.split('name="request_token" value="')[1].split('"')[0]
        fields = form_fields(_claim(number))
        data = {**fields, "request_token": one_time, "_csrf_token": token}

        # when the form is sent twice (a double click)
        first = web.post(f"/policies/{number}/claims", data=data)
        second = web.post(f"/policies/{number}/claims", data=data)

        # then both show the same claim, and there is one claim
        assert first.status_code in (302, 303) and second.status_code in (302, 303), second.text
        assert first.headers["location"] == second.headers["location"]
        # a fresh form is a new claim form, with a new token
        assert one_time not in web.get(f"/policies/{number}/claims/new?coverage=accidental_medical").text
    claims = api.get("/claims", headers=auth(customer)).json()
    assert len(claims) == 1 and first.headers["location"].endswith(claims[0]["number"])


def test_one_payment_key_with_two_different_cards_at_once_is_a_reused_key(api):
    customer = register(api)
    for _ in range(3):  # the two requests overlap more or less each time: the answer never depends on it
        policy = buy_policy(api, customer, pay=False)
        key = f"race-{secrets.token_hex(6)}"
        cards = [GOOD_CARD, {**GOOD_CARD, "card_number": "5555 5555 5555 4444"}]

        def pay(card: dict, number: str = policy["number"], key: str = key) -> httpx.Response:
            headers = {**auth(customer), "Idempotency-Key": key}
            return api.post(f"/policies/{number}/payments", json=card, headers=headers)

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(pay, cards))
        assert sorted(r.status_code for r in answers) == [202, 409], [r.text for r in answers]
        refused = next(r for r in answers if r.status_code == 409)
        assert refused.json()["code"] == "idempotency_key_reused", refused.text


def test_renewing_a_minors_cover_counts_the_renewed_policy_once(api):
    from datetime import timedelta

    from .helpers import travel
    from .test_lifecycle import billing_run

    # given a 16-year-old (cap 500,000 until 18) with one-year accident cover of 300,000, paid and in force
    parent = register(api)
    born = date(today().year - 16, today().month, 1) - timedelta(days=100)
    teen = {"name": "李小华", "id_number": make_resident_id("310104", born, secrets.randbelow(100), "female")}
    quote = {"product_code": "pa_pingyuan", "birth_date": born.isoformat(), "sum_insured": "300000"}
    q = api.post("/quotes", json={**quote, "occupation_class": 1, "channel": "platform"})
    assert q.status_code == 201, q.text
    body = application_body(api, q.json()["id"], relation="child", insured=teen, height_cm=165, weight_kg="55")
    app = api.post("/applications", json=body, headers=auth(parent))
    assert app.status_code == 201 and app.json()["status"] == "accepted", app.text
    number = app.json()["policy_number"]
    r = api.post(
        f"/policies/{number}/payments", json=GOOD_CARD, headers={**auth(parent), "Idempotency-Key": f"tn-{number}"}
    )
    assert r.status_code == 202, r.text
    policy = wait_for(
        lambda: api.get(f"/policies/{number}", headers=auth(parent)).json(), lambda p: p["status"] == "in_force"
    )

    # when the renewal offer comes and the parent renews with a new application for the same 300,000
    travel(api, (date.fromisoformat(policy["expiry_date"]) - today()).days - 20)
    billing_run()
    renewal = api.post(
        f"/policies/{number}/renewal",
        json={k: v for k, v in body.items() if k != "quote_id"},
        headers=auth(parent),
    )
    # then the renewal continues the cover: 300,000, not 600,000 against the cap
    assert renewal.status_code == 201, renewal.text
    assert renewal.json()["status"] == "accepted" and renewal.json()["policy_number"], renewal.text


def test_revised_terms_are_not_accepted_once_the_cover_passes_the_non_medical_limit(api):
    from .test_applications import term_quote

    # given a 38-year-old's 2,000,000 term cover that has lapsed (the non-medical limit at 38 is 3,000,000);
    # 38 on the stack's business date, which earlier tests may have moved years ahead
    now = today()
    customer = register(api, birth=date(now.year - 38, now.month, 1))
    held = api.post(
        "/applications", json=application_body(api, term_quote(api, customer, "2000000")), headers=auth(customer)
    )
    assert held.status_code == 201 and held.json()["status"] == "accepted", held.text
    number = held.json()["policy_number"]
    db(Policy.update({Policy.status: "lapsed"}).where(Policy.number == number))
    # and revised terms offered on 1,500,000 more (a high BMI): within the limit while the other cover had lapsed
    body = application_body(api, term_quote(api, customer, "1500000"), height_cm=165, weight_kg="82")
    offered = api.post("/applications", json=body, headers=auth(customer))
    assert offered.status_code == 201 and offered.json()["status"] == "offered", offered.text
    assert "accumulated_sum_insured" not in {f["code"] for f in offered.json()["rules_fired"]}

    # when the lapsed cover comes back and then the customer accepts the terms (3,500,000 on one life)
    db(Policy.update({Policy.status: "in_force"}).where(Policy.number == number))
    accepted = api.post(f"/applications/{offered.json()['number']}/accept-terms", headers=auth(customer))

    # then the terms, set without the medical evidence now needed, are refused and nothing changes
    assert accepted.status_code == 409 and accepted.json()["code"] == "accumulated_cover_changed", accepted.text
    after = api.get(f"/applications/{offered.json()['number']}", headers=auth(customer)).json()
    assert after["status"] == "offered" and after["policy_number"] is None


def test_reinstating_a_childs_lapsed_policy_counts_the_cover_bought_meanwhile(api):
    from .helpers import travel
    from .test_lifecycle import SAVED_CARD_DECLINES_LATER, billing_run

    # given a child's 150,000 whole life cover paid monthly, whose second premium is declined: it lapses
    parent, child = register(api), new_child()
    q = api.post(
        "/quotes",
        json={
            "product_code": "wl_par_huaxia",
            "birth_date": child_birth().isoformat(),
            "sex": "male",
            "sum_insured": "150000",
            "policy_term": "whole_life",
            "premium_term": "20",
            "frequency": "monthly",
            "channel": "platform",
        },
    )
    assert q.status_code == 201, q.text
    body = application_body(api, q.json()["id"], relation="child", insured=child, height_cm=105, weight_kg="20")
    app = api.post("/applications", json=body, headers=auth(parent))
    assert app.status_code == 201 and app.json()["status"] == "accepted", app.text
    number = app.json()["policy_number"]
    headers = {**auth(parent), "Idempotency-Key": f"wl-{number}"}
    api.post(f"/policies/{number}/payments", json=SAVED_CARD_DECLINES_LATER, headers=headers)
    wait_for(lambda: api.get(f"/policies/{number}", headers=auth(parent)).json(), lambda p: p["status"] == "in_force")
    schedule = api.get(f"/policies/{number}/schedule", headers=auth(parent)).json()
    travel(api, (date.fromisoformat(schedule[1]["due_date"]) - today()).days)
    billing_run()
    wait_for(
        lambda: api.get(f"/policies/{number}/payments", headers=auth(parent)).json(),
        lambda ps: all(p["status"] != "pending" for p in ps) and len(ps) > 1,
    )
    travel(api, 65)
    billing_run()
    assert api.get(f"/policies/{number}", headers=auth(parent)).json()["status"] == "lapsed"
    wait_for(
        lambda: api.get(f"/policies/{number}/payments", headers=auth(parent)).json(),
        lambda ps: all(p["status"] != "pending" for p in ps),
    )
    # and, while it is lapsed, 100,000 of new cover on the child (within the cap on its own)
    other = api.post("/applications", json=child_application(api, child, "100000"), headers=auth(parent))
    assert other.status_code == 201 and other.json()["status"] == "accepted", other.text

    # when the parent reinstates the lapsed policy (all answers no: the arrears would be charged at once)
    paid_before = api.get(f"/policies/{number}/payments", headers=auth(parent)).json()
    questions = api.get("/products/wl_par_huaxia/questionnaire").json()
    r = api.post(
        f"/policies/{number}/reinstatement",
        json={**GOOD_CARD, "answers": {q["code"]: False for q in questions}},
        headers={**auth(parent), "Idempotency-Key": f"re-{number}"},
    )
    # then it is refused: 250,000 of death cover on a child under 10; nothing is charged, the policy stays lapsed
    assert r.status_code == 409 and cap_refusal(r), r.text
    assert api.get(f"/policies/{number}", headers=auth(parent)).json()["status"] == "lapsed"
    assert len(api.get(f"/policies/{number}/payments", headers=auth(parent)).json()) == len(paid_before)
