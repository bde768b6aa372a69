"""Maturity (满期): an endowment that reaches the end of its term pays its maturity benefit to the policyholder.

The clock has to move ten years, past the expiry of the shared stack's test cards, so this module runs on its
own stack (`isolated_stack`): its own database, broker and demo clock.
"""

from __future__ import annotations

import json
import secrets
import tomllib
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest

from insure.ledger import entries
from insure.seed import DEMO_PASSWORD

from .conftest import ROOT, Stack
from .helpers import apply, auth, register, wait_for

pytestmark = pytest.mark.integration

PRODUCT = "endow_par_changan"  # both endowments run 10 or 20 years; 10 with one premium is the shortest
CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/49", "cvc": "123"}  # still valid ten years on

BILLING_RUN = """
import asyncio, json
from insure import clock_store, db, outbox
from insure.policies import premiums

async def main():
    await db.start_pool()
    try:
        await clock_store.refresh(force=True)
        result = await premiums.scan()
        await outbox.relay_pending()  # as a worker does after a task, rather than wait for beat's relay
        return result
    finally:
        await db.close_pool()

print(json.dumps(asyncio.run(main())))
"""

JOURNAL = """
import asyncio, json
from insure import db
from insure.ledger.tables import JournalLine

async def main():
    await db.start_pool()
    try:
        return await JournalLine.select(
            JournalLine.entry.as_alias("entry"),
            JournalLine.entry.source_type.as_alias("source_type"),
            JournalLine.entry.memo.as_alias("memo"),
            JournalLine.account.code.as_alias("account"),
            JournalLine.debit_fen,
            JournalLine.credit_fen,
        ).order_by(JournalLine.id)
    finally:
        await db.close_pool()

print(json.dumps(asyncio.run(main())))
"""


def billing_run(stack: Stack) -> dict[str, int]:
    """What beat runs every minute on that stack, run now so the test need not wait for it."""
    return json.loads(stack.python(BILLING_RUN))


def journal(stack: Stack) -> list[dict]:
    return json.loads(stack.python(JOURNAL))


def admin(api: httpx.Client) -> dict[str, str]:
    r = api.post("/auth/token", json={"email": "admin@insure.test", "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def business_date(api: httpx.Client, as_admin: dict[str, str]) -> date:
    return date.fromisoformat(api.get("/admin/clock", headers=as_admin).json()["today"])


def move_clock_to(api: httpx.Client, as_admin: dict[str, str], day: date) -> None:
    """Move this stack's demo clock forward to ``day`` (the API moves at most 3,650 days at a time)."""
    while (days := (day - business_date(api, as_admin)).days) > 0:
        r = api.post("/admin/clock", json={"days": min(days, 3650)}, headers=as_admin)
        assert r.status_code == 200, r.text
    assert business_date(api, as_admin) == day


def years_later(start: date, years: int) -> date:
    """The policy anniversary: the same date ``years`` later, 28 February for a 29 February start."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return date(start.year + years, 2, 28)


def maturity_percent(product_code: str) -> Decimal:
    """The maturity benefit as a percentage of the sum insured, read from the product file itself."""
    path = ROOT / "products" / "catalog" / product_code / "2026-01-01.toml"
    coverages = tomllib.loads(path.read_text())["coverages"]
    return Decimal(next(c["percent_of_sum_insured"] for c in coverages if c["code"] == "maturity"))


def quote_ten_years(api: httpx.Client, customer: dict, product: str, **terms: str) -> dict:
    """A ten-year quote of 100,000 for the customer (a woman), on the given premium terms."""
    body = {"product_code": product, "birth_date": customer["birth_date"], "sex": "female", "sum_insured": "100000"}
    q = api.post("/quotes", json={**body, "policy_term": "10", **terms})
    assert q.status_code == 201, q.text
    return q.json()


def test_a_single_premium_endowment_matures_at_the_end_of_its_term_and_pays_its_sum_insured_once(
    isolated_stack, isolated_api
):
    api, as_admin = isolated_api, admin(isolated_api)
    customer = register(api)
    # given a ten-year participating endowment, bought with a single premium from a card valid until 2049
    quote = quote_ten_years(api, customer, PRODUCT, premium_term="single")
    assert (quote["policy_term_years"], quote["premium_term_years"], quote["payments_per_year"]) == (10, 1, 1)
    application = apply(api, customer, quote["id"])
    assert application["status"] == "accepted", application
    url = f"/policies/{application['policy_number']}"
    paid = api.post(f"{url}/payments", json=CARD, headers={**auth(customer), "Idempotency-Key": secrets.token_hex(8)})
    assert paid.status_code == 202, paid.text
    policy = wait_for(lambda: api.get(url, headers=auth(customer)).json(), lambda p: p["status"] == "in_force")
    assert policy["status"] == "in_force"
    effective = date.fromisoformat(policy["effective_date"])
    expiry = date.fromisoformat(policy["expiry_date"])
    assert expiry == years_later(effective, 10) - timedelta(days=1)  # cover ends the day before the 10th anniversary
    first = api.get(f"{url}/schedule", headers=auth(customer)).json()
    assert [(i["period_start"], i["period_end"]) for i in first] == [(policy["effective_date"], policy["expiry_date"])]
    premiums_paid = api.get(f"{url}/payments", headers=auth(customer)).json()
    assert [(p["status"], p["amount"]) for p in premiums_paid] == [("succeeded", quote["premium_per_payment"])]

    # when the clock reaches the last day of cover, the policy is still in force and nothing is paid out
    move_clock_to(api, as_admin, expiry)
    billing_run(isolated_stack)
    assert api.get(url, headers=auth(customer)).json()["status"] == "in_force"
    assert api.get(f"{url}/payouts", headers=auth(customer)).json() == []

    # when the cover has ended (the next day's billing run)
    move_clock_to(api, as_admin, expiry + timedelta(days=1))
    billing_run(isolated_stack)
    # then the policy has matured, and the maturity benefit goes to the policyholder's bank account: the sum
    # insured at the product's maturity percentage (no dividends are declared yet, so no dividend account is
    # added), confirmed by the gateway
    assert api.get(url, headers=auth(customer)).json()["status"] == "matured"
    payouts = wait_for(
        lambda: api.get(f"{url}/payouts", headers=auth(customer)).json(),
        lambda ps: ps and all(p["status"] == "succeeded" for p in ps),
    )
    benefit = (Decimal(quote["sum_insured"]) * maturity_percent(PRODUCT) / 100).quantize(Decimal("0.01"))
    assert benefit == Decimal("100000.00")
    assert [(p["reason"], Decimal(p["amount"]), p["status"]) for p in payouts] == [("maturity", benefit, "succeeded")]

    # and the books show it once, balanced: maturity benefits paid (debit) out of the gateway's cash (credit)
    lines = journal(isolated_stack)
    payout_lines = [
        (line["account"], line["debit_fen"], line["credit_fen"])
        for line in lines
        if line["source_type"] == "payout" and payouts[0]["id"] in line["memo"]
    ]
    fen = int(benefit * 100)
    assert sorted(payout_lines) == sorted([(entries.MATURITY_BENEFITS, fen, 0), (entries.CASH_SANDBOX, 0, fen)])
    assert sum(line["debit_fen"] for line in lines) == sum(line["credit_fen"] for line in lines)
    for entry in {line["entry"] for line in lines}:
        mine = [line for line in lines if line["entry"] == entry]
        assert sum(x["debit_fen"] for x in mine) == sum(x["credit_fen"] for x in mine), mine

    # and a year later nothing more has been collected or paid: the single premium is the only payment
    move_clock_to(api, as_admin, expiry + timedelta(days=366))
    billing_run(isolated_stack)
    assert api.get(url, headers=auth(customer)).json()["status"] == "matured"
    assert api.get(f"{url}/payments", headers=auth(customer)).json() == premiums_paid
    assert api.get(f"{url}/payouts", headers=auth(customer)).json() == payouts
    schedule = api.get(f"{url}/schedule", headers=auth(customer)).json()
    assert [i["status"] for i in schedule] == ["paid"]
    assert len(journal(isolated_stack)) == len(lines)


def test_a_term_life_policy_paid_yearly_from_the_saved_card_expires_at_the_end_of_its_term_without_a_payout(
    isolated_stack, isolated_api
):
    api, as_admin = isolated_api, admin(isolated_api)
    customer = register(api)
    # given a ten-year term life policy paid yearly, its first premium paid by card (saved at the gateway)
    quote = quote_ten_years(api, customer, "term_changan", premium_term="policy_term", frequency="annual")
    number = apply(api, customer, quote["id"])["policy_number"]
    paid = api.post(
        f"/policies/{number}/payments", json=CARD, headers={**auth(customer), "Idempotency-Key": secrets.token_hex(8)}
    )
    assert paid.status_code == 202, paid.text
    policy = wait_for(
        lambda: api.get(f"/policies/{number}", headers=auth(customer)).json(), lambda p: p["status"] == "in_force"
    )
    expiry = date.fromisoformat(policy["expiry_date"])
    schedule = api.get(f"/policies/{number}/schedule", headers=auth(customer)).json()
    assert len(schedule) == 10 and date.fromisoformat(schedule[-1]["period_end"]) == expiry

    # when each later premium falls due, the billing run collects it from the saved card
    for n, instalment in enumerate(schedule[1:], start=1):
        move_clock_to(api, as_admin, date.fromisoformat(instalment["due_date"]))
        billing_run(isolated_stack)
        collected = wait_for(
            lambda n=n: api.get(f"/policies/{number}/schedule", headers=auth(customer)).json()[n],
            lambda i: i["status"] == "paid",
        )
        assert collected["status"] == "paid", collected
    # and the cover ends: the day after expiry the policy has expired, with no payout
    move_clock_to(api, as_admin, expiry + timedelta(days=1))
    billing_run(isolated_stack)
    assert api.get(f"/policies/{number}", headers=auth(customer)).json()["status"] == "expired"
    # then ten premiums were paid, one a year, and a year later nothing more has been collected or paid out
    move_clock_to(api, as_admin, expiry + timedelta(days=366))
    billing_run(isolated_stack)
    payments = api.get(f"/policies/{number}/payments", headers=auth(customer)).json()
    assert [(p["status"], p["amount"]) for p in payments] == [("succeeded", quote["premium_per_payment"])] * 10
    assert [i["status"] for i in api.get(f"/policies/{number}/schedule", headers=auth(customer)).json()] == [
        "paid"
    ] * 10
    assert api.get(f"/policies/{number}", headers=auth(customer)).json()["status"] == "expired"
    assert api.get(f"/policies/{number}/payouts", headers=auth(customer)).json() == []
