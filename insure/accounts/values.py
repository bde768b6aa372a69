"""What a participating policy's account is worth on a day: guaranteed values from the pricing basis, the
balances from the account's entries, and the value of paid-up cover at today's net single premium.

One place for these figures: the account page and API, the surrender quote, the exits and the notices all read
``account_values``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from insure import clock
from insure.accounts import dividends
from insure.accounts.balances import balances
from insure.accounts.model import Bucket, DeclarationStatus
from insure.accounts.tables import Declaration
from insure.money import from_fen, quantize
from insure.policies.billing import completed_years
from products import services as products
from products.catalog import Product
from products.illustration import surrender_charge
from products.life_pricing import LifeTerms

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class AccountValues:
    """Amounts in CNY (two places); `years` = policy years completed on `on`."""

    on: date
    years: int
    sum_insured: Decimal
    reserve: Decimal  # S × V(years): the net premium reserve on the pricing basis
    guaranteed_cash_value: Decimal  # the reserve less the surrender charge of that year (0 before the 1st year)
    accumulated: Decimal  # dividends held in the account, with interest
    dividends_credited: Decimal
    paid_out: Decimal
    pua_sum_insured: Decimal
    pua_cash_value: Decimal
    bonus_sum_insured: Decimal
    bonus_cash_value: Decimal
    terminal_bonus: Decimal  # at the terminal rate of the insurer's latest posted declaration
    death_benefit: Decimal  # sum insured + paid-up additions + bonuses + terminal bonus
    surrender_value: Decimal  # guaranteed cash value + accumulated + cash value of additions and bonuses + terminal


def terms_for(policy: dict, product: Product) -> LifeTerms:
    """The pricing basis of a policy, from the facts kept on it (age at its effective date; a policy not yet in
    force, whose cover has no start yet, is valued as if it started today: it has no account and no years)."""
    return dividends.policy_terms(
        product,
        birth_date=policy["insured_birth_date"],
        sex=policy["insured_sex"] or "male",
        smoker=bool(policy["smoker"]),
        effective=policy["effective_date"] or clock.today(),
        policy_term_years=policy["policy_term_years"],
        premium_term_years=policy["premium_term_years"],
    )


def guaranteed_cash_value(product: Product, terms: LifeTerms, sum_insured: Decimal, years: int) -> Decimal:
    """S × V(t) × (1 − surrender charge of year t), never negative; 0 before the first anniversary."""
    if years <= 0:
        return ZERO
    reserve = dividends.unit_reserve(product, terms, years)
    return max(ZERO, quantize(sum_insured * reserve * (1 - surrender_charge(product, years))))


async def terminal_bonus_rate(insurer_code: str) -> Decimal:
    """The terminal bonus rate of the insurer's latest posted declaration (0 before the first)."""
    row = (
        await Declaration.select(Declaration.terminal_bonus_rate)
        .where((Declaration.insurer_code == insurer_code) & (Declaration.status == DeclarationStatus.POSTED))
        .order_by(Declaration.year, ascending=False)
        .first()
    )
    return Decimal(row["terminal_bonus_rate"]) if row else Decimal(0)


async def account_values(policy: dict, on: date) -> AccountValues:
    """The account of a policy of a life product (participating or not: the guaranteed part is the same)."""
    product = products.quoted_product(policy)
    terms = terms_for(policy, product)
    years = completed_years(policy["effective_date"], on) if policy["effective_date"] else 0
    if terms.n is not None:
        years = min(years, terms.n)
    s = from_fen(policy["sum_insured_fen"])
    held = await balances(policy["id"])
    nsp = dividends.net_single_premium(product, terms, years)
    pua_si, bonus_si = held[Bucket.PUA_SUM_INSURED], held[Bucket.BONUS_SUM_INSURED]
    pua_cv = from_fen(dividends.value_of_cover(pua_si, nsp))
    bonus_cv = from_fen(dividends.value_of_cover(bonus_si, nsp))
    terminal = from_fen(dividends.terminal_bonus(await terminal_bonus_rate(policy["insurer_code"]), bonus_si))
    reserve = quantize(s * dividends.unit_reserve(product, terms, years))
    cash_value = guaranteed_cash_value(product, terms, s, years)
    accumulated = from_fen(held[Bucket.ACCUMULATED])
    return AccountValues(
        on=on,
        years=years,
        sum_insured=s,
        reserve=reserve,
        guaranteed_cash_value=cash_value,
        accumulated=accumulated,
        dividends_credited=from_fen(held[Bucket.DIVIDENDS_CREDITED]),
        paid_out=from_fen(held[Bucket.PAID_OUT]),
        pua_sum_insured=from_fen(pua_si),
        pua_cash_value=pua_cv,
        bonus_sum_insured=from_fen(bonus_si),
        bonus_cash_value=bonus_cv,
        terminal_bonus=terminal,
        death_benefit=s + from_fen(pua_si) + from_fen(bonus_si) + terminal,
        surrender_value=cash_value + accumulated + pua_cv + bonus_cv + terminal,
    )
