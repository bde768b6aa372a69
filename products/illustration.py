"""Benefit illustration for life products (pure): year by year, premiums paid, guaranteed death benefit,
guaranteed cash value and — for participating products — illustrated dividends under low / medium / high
investment-return scenarios. Dividends are never guaranteed and are labelled so wherever shown.

Guaranteed cash value at the end of policy year t = S × tV × (1 − surrender charge_t), never negative,
where tV is the net premium reserve on the pricing basis (the reserve at duration t).
Illustrated dividend for year t = S × (t−1V + P) × (i′ − i) × policyholder share, P = the net premium
per unit while premiums are payable; zero when the scenario return i′ does not exceed the pricing rate i.
Dividends accumulate at the scenario rate. All amounts rounded once to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from insure.money import quantize
from products import actuarial
from products.catalog import Product
from products.life_pricing import LifeTerms, net_premium_per_unit
from products.rating import PremiumBreakdown

SCENARIOS = ("low", "medium", "high")
ILLUSTRATE_TO_AGE = 100


@dataclass(frozen=True)
class Year:
    year: int
    age: int  # attained age at the end of the year
    premiums_paid: Decimal  # cumulative gross premiums
    death_benefit: Decimal  # guaranteed
    cash_value: Decimal  # guaranteed, end of year
    maturity_benefit: Decimal  # guaranteed, paid at the end of the last year of an endowment
    dividends: dict[str, Decimal]  # scenario -> dividend declared for this year (not guaranteed)
    accumulated: dict[str, Decimal]  # scenario -> dividends accumulated at interest (not guaranteed)


@dataclass(frozen=True)
class Illustration:
    rates: dict[str, Decimal]  # scenario -> illustrated investment return
    pricing_rate: Decimal
    policyholder_share: Decimal
    years: tuple[Year, ...]


def surrender_charge(product: Product, year: int) -> Decimal:
    charges = product.cash_values.surrender_charges if product.cash_values else ()
    return charges[year - 1] if year <= len(charges) else Decimal(0)


def illustrate(product: Product, terms: LifeTerms, breakdown: PremiumBreakdown) -> Illustration:
    c = actuarial.commutation(terms.basis)
    s = breakdown.sum_insured
    premium_unit = net_premium_per_unit(product, terms)
    endowment = product.type.endswith("endowment")
    last = terms.n if terms.n is not None else min(ILLUSTRATE_TO_AGE - terms.age, c.max_age - terms.rated_age)
    spec = product.illustration
    rates = {name: getattr(spec, name) for name in SCENARIOS} if spec else {}
    share = spec.policyholder_share if spec else Decimal(0)
    i = terms.basis.interest
    accumulated = dict.fromkeys(rates, Decimal(0))
    previous_reserve = Decimal(0)
    years = []
    for t in range(1, last + 1):
        reserve = actuarial.net_premium_reserve(
            c, terms.rated_age, t, n=terms.n, k=terms.k, endowment=endowment, premium=premium_unit
        )
        paying = t <= terms.k
        start_fund = previous_reserve + (premium_unit if paying else Decimal(0))
        dividends = {}
        for name, rate in rates.items():
            dividend = quantize(s * start_fund * max(Decimal(0), rate - i) * share)
            accumulated[name] = quantize(accumulated[name] * (1 + rate) + dividend)
            dividends[name] = dividend
        charge = surrender_charge(product, t)
        years.append(
            Year(
                year=t,
                age=terms.age + t,
                premiums_paid=breakdown.premium_per_year * min(t, terms.k),
                death_benefit=s,
                cash_value=max(Decimal(0), quantize(s * reserve * (1 - charge))),
                maturity_benefit=s if endowment and t == terms.n else Decimal(0),
                dividends=dividends,
                accumulated=dict(accumulated),
            )
        )
        previous_reserve = reserve
    return Illustration(rates=rates, pricing_rate=i, policyholder_share=share, years=tuple(years))
