"""A participating policy with a posted declaration and its dividend credited, for the account page and notice
tests (H5). The posted declaration and the policy's declared allocation are written through the tables (swap
that for H1's declaration services once merged); the credit itself is H3's crediting (``credit_allocation``),
which writes the account entries and queues the notice's e-mail."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

from insure.accounts import crediting, dividends
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
    actuary = await User.select(User.id).where(User.email == "actuary@insure.test").first()
    year = effective.year + 1
    number_ = f"DV-T{secrets.token_hex(3)}-{year}-1"
    decl = (
        await Declaration.insert(
            Declaration(
                number=number_,
                insurer_code=policy["insurer_code"],
                year=year,
                status="posted",
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
                status="declared",
            )
        ).returning(DividendAllocation.id)
    )[0]["id"]
    assert await crediting.credit_allocation(alloc, day) == "credited"
    return {"declaration": number_, "allocation": alloc, "year": year, "contribution": c}


def credited_dividend(number: str, dividend_fen: int = 123456) -> dict:
    """A posted declaration whose dividend (``dividend_fen``) was credited to the policy's account."""
    return db(_credit(number, dividend_fen, today()))
