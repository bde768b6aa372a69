"""Given the published catalog, when a risk is priced, then the premium is what the product's basis says.

Life premiums are recomputed here independently — exact fractions summed straight from the published
table file, no commutation functions — and must agree with the engine to the fen.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache

import pytest

from products.actuarial import TABLES_DIR
from products.catalog import load_catalog
from products.illustration import illustrate
from products.life_pricing import resolve
from products.rating import RatingError, Risk, age_last_birthday, age_nearest_birthday, quote

ON = date(2026, 11, 28)
CATALOG = load_catalog()
LIFE = [p for p in CATALOG.products(ON) if p.pricing.method == "life_equivalence"]


def product(code: str):
    return CATALOG.get(code, ON)


def born(age: int) -> date:
    return date(ON.year - age, 1, 15)  # birthday already passed this year: age last birthday = age


def fen(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@cache
def table(name: str) -> dict[int, Fraction]:
    with (TABLES_DIR / f"{name}.csv").open() as fh:
        return {int(row["age"]): Fraction(row["lx"]) for row in csv.DictReader(fh)}


@cache
def survivors(name: str, factor: Fraction) -> dict[int, Fraction]:
    lx = table(name)
    ages = sorted(lx)
    out = {ages[0]: lx[ages[0]]}
    for x in ages[1:]:
        q = 1 - lx[x] / lx[x - 1]
        out[x] = out[x - 1] * (1 - min(Fraction(1), factor * q))
    out[ages[-1] + 1] = Fraction(0)  # q at the last age is 1
    return out


def independent_net_premium(p, age: int, sex: str, smoker: bool, n: int | None, k: int, s: int) -> Decimal:
    pricing = p.pricing
    x = max(min(table(pricing.mortality_table)), age + (pricing.female_age_adjustment if sex == "female" else 0))
    factor = Fraction(str(pricing.smoker_mortality_factor)) if smoker and pricing.smoker_mortality_factor else 1
    lx = survivors(pricing.mortality_table, Fraction(factor))
    v = 1 / (1 + Fraction(str(pricing.interest_rate)))
    end = max(lx) if n is None else x + n
    deaths = sum(v ** (t + 1) * (lx[x + t] - lx[x + t + 1]) for t in range(end - x))
    maturity = v ** (end - x) * lx[end] if p.type.endswith("endowment") else 0
    annuity = sum(v**t * lx[x + t] for t in range(k))
    return fen(s * (deaths + maturity) / annuity)


def terms_for(p):
    for policy_term in p.policy_terms:
        for premium_term in p.premium_terms:
            yield policy_term, premium_term


@pytest.mark.parametrize("p", LIFE, ids=lambda p: p.code)
def test_life_net_premiums_agree_with_an_independent_recomputation_to_the_fen(p):
    checked = 0
    for age in range(max(p.entry_age_min, 1), p.entry_age_max + 1, 7):
        for sex in ("male", "female"):
            for smoker in (False, True):
                for policy_term, premium_term in terms_for(p):
                    risk = Risk(
                        born(age),
                        Decimal("300000"),
                        sex=sex,
                        smoker=smoker,
                        policy_term=policy_term,
                        premium_term=premium_term,
                    )
                    try:
                        b = quote(p, risk, ON)
                    except RatingError:
                        continue
                    expected = independent_net_premium(
                        p, age, sex, smoker, b.policy_term_years, b.premium_term_years, 300000
                    )
                    assert b.net_annual_premium == expected, (age, sex, smoker, policy_term, premium_term)
                    checked += 1
    assert checked >= 20


@pytest.mark.parametrize("p", LIFE, ids=lambda p: p.code)
def test_gross_premium_follows_the_published_loadings_and_the_lines_add_up(p):
    risk = Risk(
        born(35), Decimal("200000"), sex="male", policy_term=p.policy_terms[0], premium_term=p.premium_terms[-1]
    )
    b = quote(p, risk, ON)
    loadings = p.pricing.loadings
    per_mille = loadings.per_mille_sum_insured * 200
    exact_net = independent_net_premium(p, 35, "male", False, b.policy_term_years, b.premium_term_years, 200000)
    # G = (NP + per-mille + fee) / (1 − %); the net premium is used unrounded, so allow the one fen it can move
    expected = (exact_net + per_mille + loadings.policy_fee) / (1 - loadings.percent_of_gross)
    assert abs(b.gross_annual_premium - expected) <= Decimal("0.02")
    assert sum(line.amount for line in b.lines) == b.gross_annual_premium
    assert b.premium_per_year == b.premium_per_payment * b.payments_per_year


def test_monthly_premiums_cost_more_over_a_year_than_one_annual_premium():
    for code in ("wl_par_huaxia", "wl_par_changan"):
        p = product(code)
        whole = dict(sex="male", policy_term="whole_life", premium_term="20")
        annual = quote(p, Risk(born(30), Decimal("100000"), **whole), ON)
        monthly = quote(p, Risk(born(30), Decimal("100000"), frequency="monthly", **whole), ON)
        assert monthly.gross_annual_premium == annual.gross_annual_premium
        assert annual.gross_annual_premium < monthly.premium_per_year < annual.gross_annual_premium * Decimal("1.1")
        assert monthly.lines[-1].code == "modal_adjustment"


def test_women_and_non_smokers_pay_less_for_the_same_cover():
    p = product("term_huaxia")
    base = dict(policy_term="20", premium_term="policy_term")
    man = quote(p, Risk(born(40), Decimal("500000"), sex="male", **base), ON).net_annual_premium
    woman = quote(p, Risk(born(40), Decimal("500000"), sex="female", **base), ON).net_annual_premium
    smoker = quote(p, Risk(born(40), Decimal("500000"), sex="male", smoker=True, **base), ON).net_annual_premium
    assert woman < man < smoker


def test_personal_accident_by_hand():
    p = product("pa_basic")
    assert quote(p, Risk(born(30), Decimal("300000"), occupation_class=2), ON).gross_annual_premium == Decimal("390.00")
    assert quote(p, Risk(born(30), Decimal("50000"), occupation_class=1), ON).gross_annual_premium == Decimal("50.00")


@pytest.mark.parametrize(
    ("code", "risk", "error_code", "field"),
    [
        ("pa_basic", Risk(born(17), Decimal("300000"), occupation_class=1), "age_out_of_range", "birth_date"),
        ("pa_basic", Risk(born(30), Decimal("305000"), occupation_class=1), "sum_insured_not_on_step", "sum_insured"),
        ("pa_basic", Risk(born(30), Decimal("10000"), occupation_class=1), "sum_insured_out_of_range", "sum_insured"),
        ("pa_basic", Risk(born(30), Decimal("300000"), occupation_class=5), "occupation_declined", "occupation_class"),
        ("pa_basic", Risk(born(30), Decimal("300000"), occupation_class=9), "occupation_unknown", "occupation_class"),
        ("wl_par_huaxia", Risk(born(30), Decimal("300000")), "sex_required", "sex"),
        (
            "wl_par_huaxia",
            Risk(born(30), Decimal("300000"), sex="male", policy_term="whole_life", premium_term="7"),
            "premium_term_not_offered",
            "premium_term",
        ),
        (
            "wl_par_huaxia",
            Risk(
                born(30),
                Decimal("300000"),
                sex="male",
                policy_term="whole_life",
                premium_term="single",
                frequency="monthly",
            ),
            "frequency_not_offered",
            "frequency",
        ),
        (
            "term_huaxia",
            Risk(born(30), Decimal("300000"), sex="male", policy_term="25"),
            "policy_term_not_offered",
            "policy_term",
        ),
        (
            "term_huaxia",
            Risk(born(55), Decimal("300000"), sex="male", policy_term="30", premium_term="policy_term"),
            "expiry_age_exceeded",
            "policy_term",
        ),
        (
            "travel_huaxia",
            Risk(born(30), Decimal("200000"), destination_zone="mars", trip_days=5),
            "zone_invalid",
            "destination_zone",
        ),
        (
            "travel_huaxia",
            Risk(born(30), Decimal("200000"), destination_zone="asia", trip_days=400),
            "trip_too_long",
            "trip_days",
        ),
        ("medical_pingyuan", Risk(born(30), Decimal("1000000")), "sum_insured_not_offered", "sum_insured"),
    ],
)
def test_a_risk_outside_the_product_names_the_field(code, risk, error_code, field):
    with pytest.raises(RatingError) as caught:
        quote(product(code), risk, ON)
    assert (caught.value.code, caught.value.field) == (error_code, field)


def test_medical_without_social_insurance_costs_the_published_factor_more():
    p = product("medical_pingyuan")
    with_si = quote(p, Risk(born(40), Decimal("2000000")), ON).gross_annual_premium
    without = quote(p, Risk(born(40), Decimal("2000000"), social_insurance=False), ON).gross_annual_premium
    assert without == (with_si * p.pricing.without_social_insurance_factor).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_travel_prices_longer_trips_and_wider_zones_higher():
    p = product("travel_pingyuan")
    plan = p.sum_insured_choices[0]
    week = quote(p, Risk(born(30), plan, destination_zone="asia", trip_days=7), ON).gross_annual_premium
    month = quote(p, Risk(born(30), plan, destination_zone="asia", trip_days=30), ON).gross_annual_premium
    world = quote(p, Risk(born(30), plan, destination_zone="worldwide", trip_days=30), ON).gross_annual_premium
    assert week < month < world


def test_critical_illness_from_the_rate_table_with_the_smoker_factor():
    p = product("ci_huaxia")
    risk = Risk(
        born(30), Decimal("300000"), sex="female", premium_term=p.premium_terms[0], policy_term=p.policy_terms[0]
    )
    b = quote(p, risk, ON)
    row = next(
        r
        for r in p.pricing.rate_rows
        if r.age_from <= 30 <= r.age_to and r.sex == "female" and r.premium_term == p.premium_terms[0]
    )
    assert b.gross_annual_premium == (Decimal(300) * row.value).quantize(Decimal("0.01"), ROUND_HALF_UP)
    smoker = quote(
        p,
        Risk(
            born(30),
            Decimal("300000"),
            sex="female",
            smoker=True,
            premium_term=p.premium_terms[0],
            policy_term=p.policy_terms[0],
        ),
        ON,
    )
    assert smoker.gross_annual_premium == (b.gross_annual_premium * p.pricing.smoker_factor).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )


@pytest.mark.parametrize(
    ("birth", "on", "last", "nearest"),
    [
        (date(1990, 5, 17), date(2026, 5, 16), 35, 36),
        (date(1990, 5, 17), date(2026, 5, 17), 36, 36),
        (date(1990, 5, 17), date(2026, 11, 16), 36, 36),
        (date(1990, 5, 17), date(2026, 11, 28), 36, 37),
        (date(2000, 2, 29), date(2026, 2, 28), 25, 26),
        (date(2000, 2, 29), date(2026, 3, 1), 26, 26),
    ],
)
def test_ages(birth, on, last, nearest):
    assert age_last_birthday(birth, on) == last
    assert age_nearest_birthday(birth, on) == nearest


def test_illustration_of_a_participating_endowment():
    p = product("endow_par_huaxia")
    risk = Risk(born(40), Decimal("100000"), sex="male", policy_term="20", premium_term="policy_term")
    b = quote(p, risk, ON)
    ill = illustrate(p, resolve(p, risk, ON), b)
    assert [y.year for y in ill.years] == list(range(1, 21))
    assert all(Decimal(0) <= y.cash_value <= y.death_benefit for y in ill.years)
    assert ill.years[-1].maturity_benefit == Decimal("100000")
    assert ill.years[-1].cash_value == Decimal("100000.00")  # at maturity the reserve is the sum insured
    low, medium, high = (ill.years[-1].accumulated[s] for s in ("low", "medium", "high"))
    assert low <= medium < high
    assert all(rate <= p.illustration.max_rate for rate in ill.rates.values())
    assert ill.years[4].premiums_paid == b.premium_per_year * 5
