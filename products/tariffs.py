"""Non-life products priced from rate tables and factors (pure): accident, critical illness, medical, travel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from insure.money import quantize
from products.catalog import Product, RateRow
from products.rating_model import (
    SEXES,
    ZONES,
    Line,
    PremiumBreakdown,
    RatingError,
    Risk,
    check_frequency,
    check_sum_insured,
    entry_age,
)

METHODS = ("per_mille_by_occupation_class", "rate_table", "medical_age_band", "travel_zone_days")
THOUSAND = Decimal(1000)


def _in_band(row: RateRow, age: int) -> bool:
    return row.age_from is None or (row.age_from <= age <= (row.age_to if row.age_to is not None else age))


def _accident(product: Product, risk: Risk, sum_insured: Decimal) -> tuple[Decimal, list[Line]]:
    pricing = product.pricing
    occupation = risk.occupation_class
    if occupation in pricing.declined_occupation_classes:
        raise RatingError(
            "occupation_declined", "occupation_class", "This occupation class cannot be insured.", occupation=occupation
        )
    rate = pricing.rate_per_mille(occupation) if isinstance(occupation, int) else None
    if rate is None:
        raise RatingError("occupation_unknown", "occupation_class", "Choose an occupation class from 1 to 6.")
    premium = sum_insured * rate / THOUSAND
    return premium, [Line("base_premium", quantize(premium), {"rate": f"{rate}‰", "class": str(occupation)})]


def _critical_illness(product: Product, risk: Risk, sum_insured: Decimal, age: int) -> tuple[Decimal, list[Line]]:
    if risk.sex not in SEXES:
        raise RatingError("sex_required", "sex", "Choose the insured's sex: it changes the premium.")
    if risk.premium_term not in product.premium_terms:
        raise RatingError(
            "premium_term_not_offered", "premium_term", "Not offered.", offered=", ".join(product.premium_terms)
        )
    rows = [
        r
        for r in product.pricing.rate_rows
        if _in_band(r, age) and r.sex in (None, risk.sex) and r.premium_term in (None, risk.premium_term)
    ]
    if not rows:
        raise RatingError("no_rate", "birth_date", "The product has no rate for this age.")
    rate = rows[0].value
    base = sum_insured * rate / THOUSAND
    lines = [Line("base_premium", quantize(base), {"rate": f"{rate}‰"})]
    premium = base
    if risk.smoker and product.pricing.smoker_factor != 1:
        premium = base * product.pricing.smoker_factor
        lines.append(
            Line("smoker_loading", quantize(premium) - quantize(base), {"factor": str(product.pricing.smoker_factor)})
        )
    return premium, lines


def _medical(product: Product, risk: Risk, age: int) -> tuple[Decimal, list[Line]]:
    rows = [r for r in product.pricing.rate_rows if _in_band(r, age)]
    if not rows:
        raise RatingError("no_rate", "birth_date", "The product has no rate for this age.")
    base = rows[0].value
    lines = [Line("base_premium", quantize(base), {"age_band": f"{rows[0].age_from}–{rows[0].age_to}"})]
    premium = base
    if not risk.social_insurance:
        factor = product.pricing.without_social_insurance_factor
        premium = base * factor
        lines.append(Line("no_social_insurance_loading", quantize(premium) - quantize(base), {"factor": str(factor)}))
    return premium, lines


def _travel(product: Product, risk: Risk, sum_insured: Decimal) -> tuple[Decimal, list[Line]]:
    if risk.destination_zone not in ZONES:
        raise RatingError("zone_invalid", "destination_zone", "Choose the destination: Asia, Europe or worldwide.")
    days = risk.trip_days
    if not isinstance(days, int) or days < 1:
        raise RatingError("trip_days_invalid", "trip_days", "Enter the trip length in days.")
    plan = str(int(sum_insured))
    rows = [
        r
        for r in product.pricing.rate_rows
        if r.zone == risk.destination_zone
        and r.plan in (None, plan)
        and (r.days_from or 0) <= days <= (r.days_to if r.days_to is not None else days)
    ]
    if not rows:
        longest = max((r.days_to or 0) for r in product.pricing.rate_rows)
        raise RatingError("trip_too_long", "trip_days", "The trip is longer than this product covers.", max=longest)
    premium = rows[0].value
    return premium, [Line("base_premium", quantize(premium), {"zone": risk.destination_zone, "days": str(days)})]


def price(product: Product, risk: Risk, on: date) -> PremiumBreakdown:
    age = entry_age(product, risk.birth_date, on)
    sum_insured = check_sum_insured(product, risk.sum_insured)
    m = check_frequency(product, risk.frequency)
    method = product.pricing.method
    if method == "per_mille_by_occupation_class":
        annual, lines = _accident(product, risk, sum_insured)
    elif method == "rate_table":
        annual, lines = _critical_illness(product, risk, sum_insured, age)
    elif method == "medical_age_band":
        annual, lines = _medical(product, risk, age)
    else:
        annual, lines = _travel(product, risk, sum_insured)
    gross = quantize(annual)
    factors = dict(product.pricing.modal_factors)
    per_payment = quantize(annual * factors.get(risk.frequency, Decimal(1))) if m > 1 else gross
    if m > 1:
        lines.append(Line("modal_adjustment", per_payment * m - gross, {"frequency": risk.frequency}))
    policy_years = _policy_years(product, risk, age)
    return PremiumBreakdown(
        product_code=product.code,
        product_version=product.version,
        basis=f"{method}: tariff in the product file (office premiums)",
        sum_insured=sum_insured,
        age=age,
        rated_age=age,
        policy_term_years=policy_years,
        premium_term_years=int(risk.premium_term)
        if (risk.premium_term or "").isascii() and (risk.premium_term or "").isdigit()
        else 1,
        frequency=risk.frequency,
        payments_per_year=m,
        net_annual_premium=gross,  # tariffs are office premiums: no separate net premium is published
        gross_annual_premium=gross,
        premium_per_payment=per_payment,
        premium_per_year=per_payment * m,
        lines=tuple(lines),
    )


def _policy_years(product: Product, risk: Risk, age: int) -> int | None:
    term = risk.policy_term if risk.policy_term in product.policy_terms else product.policy_terms[0]
    if term.startswith("to_age_"):
        return int(term[len("to_age_") :]) - age
    return None if term == "whole_life" else int(term)
