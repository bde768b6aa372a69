"""The policy account of a participating policy over HTTP, with the real worker: a posted declaration's dividend
is credited on the policy's anniversary by the daily batch job and shows in the account API; the policyholder
withdraws accumulated dividends (paid out through the gateway) and changes the option, which applies from the
next credit; another customer sees nothing of it.

Each declaration is approved and posted by the declaration services (``post_declaration``, whose docstring says
why its computation is given rather than run here); test_dividend_journey.py runs the whole preparation.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

import pytest

from insure.accounts.model import AllocationStatus, DeclarationStatus
from insure.accounts.tables import Declaration, DividendAllocation
from insure.auth.tables import User
from insure.policies.billing import policy_anniversary
from insure.policies.tables import Policy

from .helpers import GOOD_CARD, apply, auth, buy_policy, db, register, today, travel, wait_for
from .test_lifecycle import billing_run

pytestmark = pytest.mark.integration


def post_declaration(number: str, year: int, dividend_fen: int) -> int:
    """A declaration giving policy ``number`` ``dividend_fen`` for policy year ``year``, approved and posted by the
    real declaration services (``declarations.approve``, ``declarations.post``, ``declaration_posting.run_posting``:
    the second person's approval, the allocation ``computed`` → ``declared``, the payout's journal entry), then
    credited on that anniversary by the daily run. Returns the allocation's id.

    Only the computation is replaced by its result (the declaration ``prepared`` with this one allocation): the
    shared stack holds other tests' participating policies, and a real insurer's year can be declared only once,
    so a computed declaration of Huaxia's fund would allocate to all of them and hold the year against the tests
    that declare it. The fund is therefore named for this test alone (its code is not an insurer's, so it goes
    in through the table, not ``declarations.prepare``, which accepts only insurers with participating products).
    test_dividend_journey.py runs the whole preparation on a private stack."""
    from insure.accounts import declaration_posting, declarations

    policy = db(Policy.select().where(Policy.number == number).first())
    actuary = db(User.select().where(User.email == "actuary@insure.test").first())
    chief = db(User.select().where(User.email == "chief.actuary@insure.test").first())
    anniversary = policy_anniversary(policy["effective_date"], year)
    tag = secrets.token_hex(4)
    declaration_number = f"DV-TEST-{tag}"
    declaration = db(
        Declaration.insert(
            Declaration(
                number=declaration_number,
                insurer_code=f"test_fund_{tag}",
                year=anniversary.year,
                status=DeclarationStatus.PREPARED,
                run_phase="done",
                investment_yield="0.055",
                mortality_ratio="0.8",
                expense_ratio="0.9",
                eligible_policies=1,
                interest_gain_fen=dividend_fen,
                distributable_fen=dividend_fen,
                policyholder_entitlement_fen=dividend_fen,
                payout_fen=dividend_fen,
                raw_total_fen=dividend_fen,
                prepared_by=actuary["id"],
            )
        ).returning(Declaration.id)
    )[0]["id"]
    rows = db(
        DividendAllocation.insert(
            DividendAllocation(
                alloc_key=f"{declaration}:{policy['id']}",
                declaration=declaration,
                policy=policy["id"],
                policy_year=year,
                anniversary=anniversary,
                style="cash",
                interest_fen=dividend_fen,
                raw_fen=dividend_fen,
                dividend_fen=dividend_fen,
                status=AllocationStatus.COMPUTED,
            )
        ).returning(DividendAllocation.id)
    )
    assert db(declarations.approve(chief, declaration_number))["status"] == DeclarationStatus.APPROVED
    db(declarations.post(chief, declaration_number, enqueue=False))
    assert db(declaration_posting.run_posting(declaration))["status"] == DeclarationStatus.POSTED
    assert (
        db(DividendAllocation.select(DividendAllocation.status).where(DividendAllocation.id == rows[0]["id"]))[0][
            "status"
        ]
        == AllocationStatus.DECLARED
    )
    return rows[0]["id"]


def participating_policy(api, customer) -> dict:
    """An annual-premium participating whole life policy, bought, paid and in force."""
    q = api.post(
        "/quotes",
        json={
            "product_code": "wl_par_huaxia",
            "birth_date": customer["birth_date"],
            "sex": "female",
            "sum_insured": "200000",
            "policy_term": "whole_life",
            "premium_term": "20",
            "frequency": "annual",
        },
    )
    assert q.status_code == 201, q.text
    number = apply(api, customer, q.json()["id"])["policy_number"]
    paid = api.post(
        f"/policies/{number}/payments", json=GOOD_CARD, headers={**auth(customer), "Idempotency-Key": f"dv-{number}"}
    )
    assert paid.status_code == 202, paid.text
    return wait_for(
        lambda: api.get(f"/policies/{number}", headers=auth(customer)).json(),
        lambda p: p["status"] == "in_force",
        timeout=60,
    )


def to_anniversary(api, policy: dict, year: int) -> date:
    day = policy_anniversary(date.fromisoformat(policy["effective_date"]), year)
    return travel(api, (day - today()).days)


def account(api, customer, number: str) -> dict:
    r = api.get(f"/policies/{number}/account", headers=auth(customer))
    assert r.status_code == 200, r.text
    return r.json()


def payouts(api, customer, number: str) -> list[dict]:
    return [
        p for p in api.get(f"/policies/{number}/payouts", headers=auth(customer)).json() if p["reason"] == "dividend"
    ]


def premiums_settled(api, customer, number: str) -> None:
    """Wait until no premium charge is waiting for the gateway (the anniversary's premium is collected from
    the saved card by the same daily run)."""
    wait_for(
        lambda: api.get(f"/policies/{number}/payments", headers=auth(customer)).json(),
        lambda ps: all(p["status"] != "pending" for p in ps),
        timeout=60,
    )


def test_a_declared_dividend_is_credited_on_the_anniversary_withdrawn_and_the_option_changed(api):
    customer, stranger = register(api), register(api)
    policy = participating_policy(api, customer)
    number = policy["number"]

    # at the start: an empty account; the option is the product's default until the policyholder changes it
    start = account(api, customer, number)
    assert start["style"] == "cash" and start["values"]["accumulated"] == "0.00"
    assert set(start["options"]) == {"cash", "premium_offset", "accumulate", "paid_up_additions"}
    r = api.put(f"/policies/{number}/dividend-option", json={"option": "accumulate"}, headers=auth(customer))
    assert r.status_code == 200, r.text
    assert r.json()["after"] == "accumulate"

    # the first anniversary: the daily run credits the posted dividend
    first = post_declaration(number, 1, 86_420)
    to_anniversary(api, policy, 1)
    billing_run()
    seen = account(api, customer, number)
    assert seen["values"]["accumulated"] == "864.20" and seen["values"]["dividends_credited"] == "864.20"
    [credited] = seen["allocations"]
    assert (credited["dividend"], credited["status"], credited["option_applied"]) == (
        "864.20",
        "credited",
        "accumulate",
    )
    assert [h["kind"] for h in seen["history"] if h["bucket"] == "accumulated"] == ["dividend"]
    assert Decimal(seen["values"]["surrender_value"]) >= Decimal(seen["values"]["guaranteed_cash_value"]) + Decimal(
        "864.20"
    )
    billing_run()  # the run again: credited once
    assert account(api, customer, number)["values"]["accumulated"] == "864.20"

    # another customer sees nothing, and can neither withdraw nor change anything
    for r in (
        api.get(f"/policies/{number}/account", headers=auth(stranger)),
        api.post(
            f"/policies/{number}/account/withdrawals",
            json={"amount": "1.00"},
            headers={**auth(stranger), "Idempotency-Key": f"steal-{number}"},
        ),
        api.put(f"/policies/{number}/dividend-option", json={"option": "cash"}, headers=auth(stranger)),
    ):
        assert r.status_code == 404, r.text

    # a withdrawal: too much or nonsense is refused; a good one pays out through the gateway, once per key
    key = {**auth(customer), "Idempotency-Key": f"wd-{number}"}
    too_much = api.post(f"/policies/{number}/account/withdrawals", json={"amount": "864.21"}, headers=key)
    assert too_much.status_code == 409 and too_much.json()["code"] == "insufficient_balance"
    bad = api.post(f"/policies/{number}/account/withdrawals", json={"amount": "abc"}, headers=key)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "amount"
    w = api.post(f"/policies/{number}/account/withdrawals", json={"amount": "300.00"}, headers=key)
    assert w.status_code == 201, w.text
    assert (w.json()["amount"], w.json()["accumulated"]) == ("300.00", "564.20")
    again = api.post(f"/policies/{number}/account/withdrawals", json={"amount": "300.00"}, headers=key)
    assert again.status_code == 201 and again.json()["payout"]["reference"] == w.json()["payout"]["reference"]
    paid = wait_for(lambda: payouts(api, customer, number), lambda ps: ps and ps[0]["status"] == "succeeded", 60)
    assert [(p["amount"], p["status"]) for p in paid] == [("300.00", "succeeded")]
    assert account(api, customer, number)["values"]["accumulated"] == "564.20"

    # the option changes to cash: what is accumulated stays; the next dividend is paid out
    r = api.put(f"/policies/{number}/dividend-option", json={"option": "cash"}, headers=auth(customer))
    assert r.status_code == 200, r.text
    same = api.put(f"/policies/{number}/dividend-option", json={"option": "cash"}, headers=auth(customer))
    assert same.status_code == 409 and same.json()["code"] == "unchanged"
    changes = api.get(f"/policies/{number}/dividend-option/history", headers=auth(customer)).json()
    assert [(c["before"], c["after"]) for c in changes][-1] == ("accumulate", "cash")
    premiums_settled(api, customer, number)

    second = post_declaration(number, 2, 91_000)
    to_anniversary(api, policy, 2)
    billing_run()
    seen = account(api, customer, number)
    years = {a["policy_year"]: a for a in seen["allocations"]}
    assert (years[1]["option_applied"], years[2]["option_applied"]) == ("accumulate", "cash")
    interest = [h for h in seen["history"] if h["kind"] == "interest"]
    assert len(interest) == 1 and Decimal(interest[0]["amount"]) > 0  # on the 564.20 left, before the new dividend
    assert Decimal(seen["values"]["accumulated"]) == Decimal("564.20") + Decimal(interest[0]["amount"])
    assert seen["values"]["dividends_credited"] == "1774.20"
    paid = wait_for(
        lambda: payouts(api, customer, number),
        lambda ps: len(ps) == 2 and all(p["status"] == "succeeded" for p in ps),
        60,
    )
    assert sorted(p["amount"] for p in paid) == ["300.00", "910.00"]
    assert {a["policy_year"] for a in seen["allocations"]} == {1, 2} and first != second


def test_the_account_api_refuses_policies_without_an_account_and_options_not_offered(api):
    customer = register(api)
    policy = participating_policy(api, customer)
    r = api.put(f"/policies/{policy['number']}/dividend-option", json={"option": "bitcoin"}, headers=auth(customer))
    assert r.status_code == 422, r.text
    assert api.get(f"/policies/{policy['number']}/account").status_code == 401
    plain = buy_policy(api, customer)
    r = api.get(f"/policies/{plain['number']}/account", headers=auth(customer))
    assert r.status_code == 409 and r.json()["code"] == "not_participating"


def test_premium_offset_lowers_the_next_premium_and_a_paid_up_addition_raises_the_death_benefit(api):
    customer = register(api)
    policy = participating_policy(api, customer)
    number = policy["number"]
    r = api.put(f"/policies/{number}/dividend-option", json={"option": "premium_offset"}, headers=auth(customer))
    assert r.status_code == 200, r.text
    premium = Decimal(policy["premium_per_payment"])

    post_declaration(number, 1, 50_000)
    to_anniversary(api, policy, 1)
    billing_run()
    seen = account(api, customer, number)
    assert seen["allocations"][0]["option_applied"] == "premium_offset"
    assert seen["values"]["accumulated"] == "0.00" and seen["values"]["paid_out"] == "500.00"
    assert [h["kind"] for h in seen["history"] if h["bucket"] == "accumulated"] == ["dividend", "premium_offset"]
    # the dividend pays part of the first premium not already being charged to the card: the one due today if the
    # credit came before the day's collection (it is then charged less and paid), else the next one (still due)
    schedule = api.get(f"/policies/{number}/schedule", headers=auth(customer)).json()
    offset = [i for i in schedule if i["paid_by_dividends"] != "0.00"]
    assert len(offset) == 1 and offset[0]["status"] in ("due", "paid")
    assert (Decimal(offset[0]["amount"]), offset[0]["paid_by_dividends"]) == (premium - 500, "500.00")
    premiums_settled(api, customer, number)

    r = api.put(f"/policies/{number}/dividend-option", json={"option": "paid_up_additions"}, headers=auth(customer))
    assert r.status_code == 200, r.text
    before = Decimal(account(api, customer, number)["values"]["death_benefit"])
    post_declaration(number, 2, 70_000)
    to_anniversary(api, policy, 2)
    billing_run()
    # the next premium is charged less the offset (the card charge of the anniversary)
    charged = wait_for(
        lambda: api.get(f"/policies/{number}/payments", headers=auth(customer)).json(),
        lambda ps: len(ps) == 3 and ps[-1]["status"] != "pending",
        timeout=60,
    )
    assert sorted(Decimal(p["amount"]) for p in charged)[0] == premium - 500
    seen = account(api, customer, number)
    added = Decimal(seen["values"]["pua_sum_insured"])
    assert added > Decimal("700.00")  # paid-up cover costs less than its sum insured
    assert Decimal(seen["values"]["death_benefit"]) == before + added
    assert Decimal(seen["values"]["pua_cash_value"]) > 0 and seen["values"]["accumulated"] == "0.00"
