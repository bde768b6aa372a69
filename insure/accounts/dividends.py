"""The dividend arithmetic of participating business (pure, exact): contribution by source, scaling to the
declared payout, paid-up additions, reversionary and terminal bonuses, interest and pro-rata parts.

Per policy and policy year t (from duration t−1 to t), the contribution method (docs/dividends.md):

    D = (S·V(t−1) + G − E)(i′ − i) + (q − q′)(S − S·V(t)) + (E − E′)(1 + i′),    never below zero

S sum insured; V(d) the net premium reserve per 1 at duration d on the pricing basis; G the gross annual premium
and E the expenses priced into it (percent of gross + per mille of S + policy fee), both 0 once premiums have
stopped; q the pricing basis' probability of death at the attained age x + t − 1; i its interest rate. Primed
values are the year's experience: i′ the fund's actual yield, q′ = mortality ratio × q, E′ = expense ratio × E.
Each source is rounded to the fen (half up, the one money rounding of insure.money) and the raw dividend is the
sum of the rounded sources, or 0 if that is negative: so a notice's three figures add up to its dividend.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

from insure.money import quantize, to_fen
from products import actuarial
from products.catalog import Product
from products.life_pricing import LifeTerms, net_premium_per_unit
from products.rating_model import SEXES, age_last_birthday, age_nearest_birthday

ZERO = Decimal(0)
ONE = Decimal(1)
THOUSAND = Decimal(1000)


@dataclass(frozen=True)
class Experience:
    """The fund's actual experience for the year, as staff declare it."""

    investment_yield: Decimal  # i′
    mortality_ratio: Decimal  # q′ / q
    expense_ratio: Decimal  # E′ / E


@dataclass(frozen=True)
class Contribution:
    """One policy's dividend for one policy year, by source (fen), and the values used (for the notice)."""

    interest_fen: int
    mortality_fen: int
    expense_fen: int
    raw_fen: int  # max(0, the three added)
    basis: dict[str, str]  # reserve_start, reserve_end (per 1), q, q_actual, i, i_actual, premium, expenses …


def policy_terms(
    product: Product,
    *,
    birth_date: date,
    sex: str,
    smoker: bool,
    effective: date,
    policy_term_years: int | None,
    premium_term_years: int,
) -> LifeTerms:
    """The pricing basis and ages of an issued policy (as `life_pricing.resolve` found them when it was quoted),
    from the facts kept on the policy: entry age at the effective date, the female age adjustment, the smoker
    factor, the policy term (None: whole life) and the premium term."""
    pricing = product.pricing
    age = (age_nearest_birthday if product.age_basis == "nearest_birthday" else age_last_birthday)(
        birth_date, effective
    )
    table = actuarial.load_table(pricing.mortality_table)  # type: ignore[arg-type]
    adjustment = pricing.female_age_adjustment if sex == "female" else 0
    if sex not in SEXES:
        raise ValueError(f"sex must be one of {SEXES}, got {sex!r}")
    factor = pricing.smoker_mortality_factor if (smoker and pricing.smoker_mortality_factor) else ONE
    basis = actuarial.Basis(table=pricing.mortality_table, interest=pricing.interest_rate, mortality_factor=factor)  # type: ignore[arg-type]
    return LifeTerms(
        age=age, rated_age=max(table.min_age, age + adjustment), n=policy_term_years, k=premium_term_years, basis=basis
    )


def _endowment(product: Product) -> bool:
    return product.type.endswith("endowment")


# pure and costly (a net premium and a reserve from the commutation columns); a declaration asks for the same
# few thousand (product, terms, duration) a million times
@functools.lru_cache(maxsize=65536)
def unit_reserve(product: Product, terms: LifeTerms, duration: int) -> Decimal:
    """V(duration): the net premium reserve per 1 sum insured on the pricing basis (0 at issue)."""
    if duration <= 0:
        return ZERO
    c = actuarial.commutation(terms.basis)
    return actuarial.net_premium_reserve(
        c,
        terms.rated_age,
        duration,
        n=terms.n,
        k=terms.k,
        endowment=_endowment(product),
        premium=net_premium_per_unit(product, terms),
    )


def death_probability(terms: LifeTerms, attained_age: int) -> Decimal:
    """q at the attained (rated) age on the pricing basis, mortality factor included."""
    c = actuarial.commutation(terms.basis)
    k = attained_age - c.min_age
    if k + 1 >= len(c.lx):
        return ONE
    with localcontext() as ctx:
        ctx.prec = actuarial.PRECISION
        return 1 - c.lx[k + 1] / c.lx[k]


def priced_expenses(product: Product, sum_insured: Decimal, gross_premium: Decimal) -> Decimal:
    """E: the expenses the gross premium was loaded for (percent of gross + per mille of S + policy fee)."""
    loadings = product.pricing.loadings
    return (
        loadings.percent_of_gross * gross_premium
        + loadings.per_mille_sum_insured * sum_insured / THOUSAND
        + (loadings.policy_fee)
    )


def contribution(
    product: Product,
    terms: LifeTerms,
    year: int,
    sum_insured: Decimal,
    annual_premium: Decimal,
    experience: Experience,
) -> Contribution:
    """The contribution dividend of policy year `year` (≥ 1) of a policy with these terms."""
    if year < 1:
        raise ValueError(f"a policy year is 1 or more, got {year}")
    s = sum_insured
    paying = year <= terms.k
    g = annual_premium if paying else ZERO
    e = priced_expenses(product, s, g) if paying else ZERO
    e_actual = experience.expense_ratio * e
    v_start = unit_reserve(product, terms, year - 1)
    v_end = unit_reserve(product, terms, year)
    q = death_probability(terms, terms.rated_age + year - 1)
    q_actual = min(ONE, experience.mortality_ratio * q)
    i, i_actual = terms.basis.interest, experience.investment_yield
    with localcontext() as ctx:
        ctx.prec = actuarial.PRECISION
        interest = (s * v_start + g - e) * (i_actual - i)
        mortality = (q - q_actual) * (s - s * v_end)
        expense = (e - e_actual) * (1 + i_actual)
    sources = [to_fen(quantize(value)) for value in (interest, mortality, expense)]
    basis = {
        "reserve_start": str(v_start),
        "reserve_end": str(v_end),
        "q": str(q),
        "q_actual": str(q_actual),
        "i": str(i),
        "i_actual": str(i_actual),
        "premium": str(g),
        "expenses": str(quantize(e)),
        "expenses_actual": str(quantize(e_actual)),
        "sum_insured": str(s),
    }
    return Contribution(*sources, raw_fen=max(0, sum(sources)), basis=basis)


# ---------------------------------------------------------------------------------------------- the payout


def scaled(raw_fen: int, payout_fen: int, raw_total_fen: int) -> tuple[int, int]:
    """(whole fen, remainder) of raw × payout / raw total: the floor share and what ranks it for the leftover fen."""
    if raw_total_fen <= 0:
        return 0, 0
    return divmod(raw_fen * payout_fen, raw_total_fen)


def scale_to_payout(raw: Iterable[tuple[int, int]], payout_fen: int) -> dict[int, int]:
    """Scale (id, raw fen) to a payout: each gets the floor of its proportional share, and the fen left over go
    one each to the largest remainders (ties to the smaller id). The result adds up to the payout exactly."""
    rows = list(raw)
    total = sum(r for _, r in rows)
    if payout_fen < 0 or (total == 0 and payout_fen):
        raise ValueError("a payout needs a positive raw total to share it")
    shares = {key: scaled(r, payout_fen, total) for key, r in rows}
    result = {key: fen for key, (fen, _) in shares.items()}
    left = payout_fen - sum(result.values())
    for key, _ in sorted(shares.items(), key=lambda item: (-item[1][1], item[0]))[:left]:
        result[key] += 1
    return result


# --------------------------------------------------------------------------- paid-up additions and bonuses


def net_single_premium(product: Product, terms: LifeTerms, duration: int) -> Decimal:
    """Per 1 of paid-up cover bought at `duration` (attained age x + duration) on the product's basis: whole
    life A(x+t), an endowment A(x+t : n−t), term cover A¹(x+t : n−t)."""
    c = actuarial.commutation(terms.basis)
    age = terms.rated_age + duration
    if terms.n is None:
        return actuarial.whole_life_insurance(c, age)
    left = terms.n - duration
    if left <= 0:
        return ONE if _endowment(product) else ZERO
    if _endowment(product):
        return actuarial.endowment_insurance(c, age, left)
    return actuarial.term_insurance(c, age, left)


def paid_up_addition(dividend_fen: int, nsp: Decimal) -> int:
    """The sum insured (fen) a dividend buys at net single premium `nsp` per 1."""
    if nsp <= 0:
        raise ValueError("no paid-up cover can be bought at the end of the term")
    return to_fen(quantize(Decimal(dividend_fen) / nsp / 100))


def value_of_cover(sum_insured_fen: int, nsp: Decimal) -> int:
    """Cash value (fen) of paid-up cover (paid-up additions, reversionary bonuses): its net single premium today."""
    return to_fen(quantize(Decimal(sum_insured_fen) * nsp / 100))


def reversionary_bonus(rate: Decimal, sum_insured_fen: int, bonuses_fen: int) -> int:
    """A compound reversionary bonus: the rate on the sum insured and on the bonuses already added."""
    return to_fen(quantize(rate * Decimal(sum_insured_fen + bonuses_fen) / 100))


def terminal_bonus(rate: Decimal, bonuses_fen: int) -> int:
    """The terminal bonus paid on death, maturity or surrender: the declared rate on the bonuses added."""
    return to_fen(quantize(rate * Decimal(bonuses_fen) / 100))


# ---------------------------------------------------------------------------------- interest and pro rata


def interest(balance_fen: int, rate: Decimal, days: int = 365, year_days: int = 365) -> int:
    """Interest on an accumulated balance: a full year's at the anniversary, the days' part when it leaves early."""
    if balance_fen <= 0 or days <= 0:
        return 0
    return to_fen(quantize(Decimal(balance_fen) * rate * days / year_days / 100))


def pro_rata(amount_fen: int, year_start: date, ended: date, anniversary: date) -> int:
    """The part of a dividend due to a policy that ended on `ended` inside the policy year it was declared for."""
    length = (anniversary - year_start).days
    if length <= 0 or ended <= year_start:
        return 0
    days = min((ended - year_start).days, length)
    return to_fen(quantize(Decimal(amount_fen) * days / length / 100))
