"""A participating policy with a posted declaration and its dividend credited, for the account page and notice
tests. The declaration is approved and posted by the declaration services (``declarations.approve``,
``declarations.post``, ``declaration_posting.run_posting``: a second person's approval, the allocation declared,
the payout booked) and the dividend credited by the crediting (``credit_allocation``, which writes the account
entries and queues the notice's e-mail).

Only the computation is given rather than run: the shared stack holds other tests' participating policies and a
real insurer's year can be declared once, so a computed declaration of the policy's insurer would allocate to all
of them and hold the year against the tests that declare it. The fund is private to the test (a code that is no
insurer's; the notice names the insurer from the product), its figures those of a fund of 1,200 policies of
which this one is in the database: so the payout booked is the fund's, and this policy's share of it is credited.
test_dividend_journey.py runs the whole preparation on a private stack.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

from insure.accounts import crediting, declaration_posting, declarations, dividends
from insure.accounts.model import AllocationStatus, DeclarationStatus
from insure.accounts.tables import Declaration, DividendAllocation
from insure.accounts.values import terms_for
from insure.auth.tables import User
from insure.policies.tables import Policy
from products import services as products

from .helpers import GOOD_CARD, apply, auth, db, today, wait_for

PRODUCT = "wl_par_changan"


def buy_participating(api, customer: dict) -> dict:
    """A participating whole-life policy in force, bought by ``customer`` (annual premiums for 10 years; the
    product's default option, accumulate)."""
    q = api.post(
        "/quotes",
        json={
            "product_code": PRODUCT,
            "birth_date": customer["birth_date"],
            "sex": "female",
            "sum_insured": "200000",
            "premium_term": "10",
        },
        headers=auth(customer),
    )
    assert q.status_code == 201, q.text
    app = apply(api, customer, q.json()["id"])
    assert app["status"] == "accepted", app
    number = app["policy_number"]
    r = api.post(
        f"/policies/{number}/payments",
        json=GOOD_CARD,
        headers={**auth(customer), "Idempotency-Key": secrets.token_hex(8)},
    )
    assert r.status_code == 202, r.text
    return wait_for(
        lambda: api.get(f"/policies/{number}", headers=auth(customer)).json(),
        lambda body: body["status"] == "in_force",
    )


async def _credit(number: str, dividend_fen: int, day: date) -> dict:
    policy = await Policy.select().where(Policy.number == number).first()
    # two policy years ago, so the account page has completed years to compare with the illustration
    effective = day - timedelta(days=800)
    await Policy.update({Policy.effective_date: effective}).where(Policy.id == policy["id"])
    policy["effective_date"] = effective
    product = products.quoted_product(policy)
    terms = terms_for(policy, product)
    experience = dividends.Experience(Decimal("0.045"), Decimal("0.85"), Decimal("0.90"))
    c = dividends.contribution(
        product,
        terms,
        1,
        Decimal(policy["sum_insured_fen"]) / 100,
        Decimal(policy["annual_premium_fen"]) / 100,
        experience,
    )
    actuary = await User.select().where(User.email == "actuary@insure.test").first()
    chief = await User.select().where(User.email == "chief.actuary@insure.test").first()
    year = effective.year + 1
    tag = secrets.token_hex(3)
    number_ = f"DV-T{tag}-{year}-1"
    decl = (
        await Declaration.insert(
            Declaration(
                number=number_,
                insurer_code=f"test_fund_{tag}",
                year=year,
                status=DeclarationStatus.PREPARED,
                run_phase="done",
                investment_yield="0.045",
                mortality_ratio="0.85",
                expense_ratio="0.90",
                policyholder_share="0.70",
                smoothing_transfer_fen=100000,
                accumulation_rate="0.03",
                eligible_policies=1200,
                interest_gain_fen=50_000_000,
                mortality_gain_fen=20_000_000,
                expense_gain_fen=5_000_000,
                distributable_fen=75_000_000,
                policyholder_entitlement_fen=52_500_000,
                payout_fen=52_400_000,
                raw_total_fen=52_400_000,
                prepared_by=actuary["id"],
            )
        ).returning(Declaration.id)
    )[0]["id"]
    anniversary = date(year, effective.month, min(effective.day, 28))
    alloc = (
        await DividendAllocation.insert(
            DividendAllocation(
                alloc_key=f"{decl}:{policy['id']}",
                declaration=decl,
                policy=policy["id"],
                policy_year=1,
                anniversary=anniversary,
                style="cash",
                interest_fen=c.interest_fen,
                mortality_fen=c.mortality_fen,
                expense_fen=c.expense_fen,
                raw_fen=c.raw_fen,
                dividend_fen=dividend_fen,
                basis=c.basis,
                status=AllocationStatus.COMPUTED,
            )
        ).returning(DividendAllocation.id)
    )[0]["id"]
    await declarations.approve(chief, number_)
    await declarations.post(chief, number_, enqueue=False)
    assert (await declaration_posting.run_posting(decl))["status"] == DeclarationStatus.POSTED
    # the posting also asks the worker to credit anniversaries already past: whichever of the two comes first
    await crediting.credit_allocation(alloc, day)
    credited = await DividendAllocation.select(DividendAllocation.status).where(DividendAllocation.id == alloc)
    assert credited[0]["status"] == AllocationStatus.CREDITED, credited
    return {"declaration": number_, "allocation": alloc, "year": year, "contribution": c}


def credited_dividend(number: str, dividend_fen: int = 123456) -> dict:
    """A posted declaration whose dividend (``dividend_fen``) was credited to the policy's account."""
    return db(_credit(number, dividend_fen, today()))
