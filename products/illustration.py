"""Benefit illustration for life products (pure): year by year, premiums paid, guaranteed death benefit,
guaranteed cash value and — for participating products — what the policy could be worth under the low / medium /
high scenarios of the product file. Dividends and bonuses are never guaranteed and are labelled so wherever shown.

Guaranteed cash value at the end of policy year t = S × tV × (1 − surrender charge_t), never negative,
where tV is the net premium reserve on the pricing basis (the reserve at duration t).

Cash dividends (现金红利): the dividend for year t = S × (t−1V + P) × (i′ − i) × policyholder share, P = the net
premium per unit while premiums are payable; zero when the scenario return i′ does not exceed the pricing rate i.
Dividends accumulate at the scenario rate. The total value = cash value + accumulated dividends.

Reversionary bonuses (增额红利): at the end of each year the scenario's bonus rate × (S + bonuses already added)
is added to the cover; the terminal bonus = the scenario's terminal rate × the bonuses added; the bonuses' cash
value = their sum insured × the net single premium at the attained age. The total value = cash value + the
bonuses' cash value + the terminal bonus. The bonus arithmetic is the accounts' own
(insure.accounts.dividends), so an illustration and a policy's account compute a bonus the same way.

All amounts rounded once to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from insure.accounts.dividends import net_single_premium, reversionary_bonus, terminal_bonus, value_of_cover
from insure.money import from_fen, quantize, to_fen
from products import actuarial
from products.catalog import Product
from products.life_pricing import LifeTerms, net_premium_per_unit
from products.rating import PremiumBreakdown

SCENARIOS = ("low", "medium", "high")
ILLUSTRATE_TO_AGE = 100
CASH = "cash"
BONUS = "reversionary_bonus"


@dataclass(frozen=True)
class Year:
    year: int
    age: int  # attained age at the end of the year
    premiums_paid: Decimal  # cumulative gross premiums
    death_benefit: Decimal  # guaranteed
    cash_value: Decimal  # guaranteed, end of year
    maturity_benefit: Decimal  # guaranteed, paid at the end of the last year of an endowment
    dividends: dict[str, Decimal]  # scenario -> cash dividend for this year, or bonus added (not guaranteed)
    accumulated: dict[str, Decimal]  # scenario -> cash dividends accumulated at interest (not guaranteed)
    # reversionary bonus products: scenario -> bonuses added so far, the cover with them, the terminal bonus
    bonuses: dict[str, Decimal] = field(default_factory=dict)
    sum_insured_with_bonuses: dict[str, Decimal] = field(default_factory=dict)
    terminal_bonus: dict[str, Decimal] = field(default_factory=dict)
    # scenario -> what the policy could be worth at the end of the year (surrender value; not guaranteed)
    total_value: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Illustration:
    rates: dict[str, Decimal]  # scenario -> illustrated investment return
    pricing_rate: Decimal
    policyholder_share: Decimal
    years: tuple[Year, ...]
    style: str = CASH  # "cash" (or not participating) | "reversionary_bonus"
    bonus_rates: dict[str, Decimal] = field(default_factory=dict)
    terminal_bonus_rates: dict[str, Decimal] = field(default_factory=dict)
    annual_premium: Decimal = Decimal(0)
    premium_years: int = 0  # 1 for a single premium

    @property
    def participating(self) -> bool:
        return bool(self.rates)

    @property
    def shows_dividends(self) -> bool:
        """Whether any scenario illustrates anything above the guaranteed values."""
        return any(v != y.cash_value for y in self.years for v in y.total_value.values())


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
    style = product.participation.style if product.participation else CASH
    bonus_rates = {n: spec.bonus_rates.of(n) for n in SCENARIOS} if spec and spec.bonus_rates else {}
    terminal_rates = (
        {n: spec.terminal_bonus_rates.of(n) for n in SCENARIOS} if spec and spec.terminal_bonus_rates else {}
    )
    bonus = style == BONUS and bool(bonus_rates)
    i = terms.basis.interest
    accumulated = dict.fromkeys(rates, Decimal(0))
    bonuses_fen = dict.fromkeys(rates, 0)
    previous_reserve = Decimal(0)
    years = []
    for t in range(1, last + 1):
        reserve = actuarial.net_premium_reserve(
            c, terms.rated_age, t, n=terms.n, k=terms.k, endowment=endowment, premium=premium_unit
        )
        cash_value = max(Decimal(0), quantize(s * reserve * (1 - surrender_charge(product, t))))
        paying = t <= terms.k
        start_fund = previous_reserve + (premium_unit if paying else Decimal(0))
        dividends: dict[str, Decimal] = {}
        extra: dict[str, dict[str, Decimal]] = {"bonuses": {}, "with": {}, "terminal": {}, "total": {}}
        nsp = net_single_premium(product, terms, t) if bonus else Decimal(0)
        for name, rate in rates.items():
            if bonus:
                added = reversionary_bonus(bonus_rates[name], to_fen(s), bonuses_fen[name])
                bonuses_fen[name] += added
                terminal = from_fen(terminal_bonus(terminal_rates[name], bonuses_fen[name]))
                dividends[name] = from_fen(added)
                extra["bonuses"][name] = from_fen(bonuses_fen[name])
                extra["with"][name] = s + from_fen(bonuses_fen[name])
                extra["terminal"][name] = terminal
                extra["total"][name] = cash_value + from_fen(value_of_cover(bonuses_fen[name], nsp)) + terminal
            else:
                dividend = quantize(s * start_fund * max(Decimal(0), rate - i) * share)
                accumulated[name] = quantize(accumulated[name] * (1 + rate) + dividend)
                dividends[name] = dividend
                extra["total"][name] = cash_value + accumulated[name]
        years.append(
            Year(
                year=t,
                age=terms.age + t,
                premiums_paid=breakdown.premium_per_year * min(t, terms.k),
                death_benefit=s,
                cash_value=cash_value,
                maturity_benefit=s if endowment and t == terms.n else Decimal(0),
                dividends=dividends,
                accumulated=dict(accumulated) if not bonus else dict.fromkeys(rates, Decimal(0)),
                bonuses=extra["bonuses"],
                sum_insured_with_bonuses=extra["with"],
                terminal_bonus=extra["terminal"],
                total_value=extra["total"],
            )
        )
        previous_reserve = reserve
    return Illustration(
        rates=rates,
        pricing_rate=i,
        policyholder_share=share,
        years=tuple(years),
        style=BONUS if bonus else CASH,
        bonus_rates=bonus_rates,
        terminal_bonus_rates=terminal_rates,
        annual_premium=breakdown.premium_per_year,
        premium_years=terms.k,
    )
