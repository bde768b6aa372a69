"""Life products priced by the equivalence principle (pure).

Net premium per unit sum insured P = A / ä_{x:k} from the product's mortality table and interest rate
(commutation functions, exact); gross G = (S·P + per-mille loading·S/1000 + policy fee) / (1 − percent of
gross); m-thly premiums by stated modal factors or by UDD/Woolhouse annuities. See docs/catalog.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from insure.money import quantize
from products import actuarial
from products.catalog import Product
from products.rating_model import (
    SEXES,
    Line,
    PremiumBreakdown,
    RatingError,
    Risk,
    check_frequency,
    check_sum_insured,
    entry_age,
)

THOUSAND = Decimal(1000)


@dataclass(frozen=True)
class LifeTerms:
    """The resolved shape of a life policy: rated age, policy term (None = whole life), premium term."""

    age: int
    rated_age: int
    n: int | None
    k: int
    basis: actuarial.Basis


def _policy_term(product: Product, term: str | None, age: int) -> int | None:
    if term not in product.policy_terms:
        raise RatingError(
            "policy_term_not_offered",
            "policy_term",
            f"{term!r} is not offered.",
            offered=", ".join(product.policy_terms),
        )
    if term == "whole_life":
        return None
    n = int(term[len("to_age_") :]) - age if term.startswith("to_age_") else int(term)
    if n < 1 or (product.max_expiry_age is not None and age + n > product.max_expiry_age):
        raise RatingError(
            "expiry_age_exceeded",
            "policy_term",
            "The cover would end after the product's maximum expiry age.",
            max=product.max_expiry_age or age,
        )
    return n


def _premium_term(product: Product, term: str | None, n: int | None) -> int:
    if term not in product.premium_terms:
        raise RatingError(
            "premium_term_not_offered",
            "premium_term",
            f"{term!r} is not offered.",
            offered=", ".join(product.premium_terms),
        )
    if term == "single":
        return 1
    k = n if term == "policy_term" else int(term)  # type: ignore[arg-type]
    if k is None or (n is not None and k > n):
        raise RatingError("premium_term_too_long", "premium_term", "Premiums cannot be paid after the cover ends.")
    return k


def resolve(product: Product, risk: Risk, on: date) -> LifeTerms:
    """Check the risk against the product and work out the ages, terms and pricing basis."""
    age = entry_age(product, risk.birth_date, on)
    if risk.sex not in SEXES:
        raise RatingError("sex_required", "sex", "Choose the insured's sex: it changes the premium.")
    pricing = product.pricing
    table = actuarial.load_table(pricing.mortality_table)  # type: ignore[arg-type]
    adjustment = pricing.female_age_adjustment if risk.sex == "female" else 0
    rated_age = max(table.min_age, age + adjustment)
    n = _policy_term(product, risk.policy_term, age)
    k = _premium_term(product, risk.premium_term, n)
    factor = pricing.smoker_mortality_factor if (risk.smoker and pricing.smoker_mortality_factor) else Decimal(1)
    basis = actuarial.Basis(table=pricing.mortality_table, interest=pricing.interest_rate, mortality_factor=factor)  # type: ignore[arg-type]
    if n is not None and rated_age + n > table.max_age + 1:
        raise RatingError(
            "expiry_age_exceeded", "policy_term", "The cover would run past the mortality table.", max=table.max_age
        )
    return LifeTerms(age=age, rated_age=rated_age, n=n, k=k, basis=basis)


def net_premium_per_unit(product: Product, terms: LifeTerms) -> Decimal:
    """P = A / ä_{x:k} for the product's benefit: whole life, endowment or term insurance."""
    c = actuarial.commutation(terms.basis)
    x, n = terms.rated_age, terms.n
    if product.type.endswith("whole_life"):
        benefit = actuarial.whole_life_insurance(c, x)
    elif product.type.endswith("endowment"):
        benefit = actuarial.endowment_insurance(c, x, n)
    else:
        benefit = actuarial.term_insurance(c, x, n)
    return benefit / actuarial.annuity_due(c, x, terms.k)


def basis_text(product: Product) -> str:
    p = product.pricing
    percent = (p.interest_rate or 0) * 100
    return (
        f"{p.mortality_table} @ {percent.normalize()}%, female age {p.female_age_adjustment:+d}, "
        f"smoker q × {p.smoker_mortality_factor or 1}; loadings {(p.loadings.percent_of_gross * 100).normalize()}% "
        f"of gross + {p.loadings.per_mille_sum_insured}‰ SI + {p.loadings.policy_fee} per policy; "
        f"modal {p.modal_method}"
    )


def price(product: Product, risk: Risk, on: date) -> PremiumBreakdown:
    terms = resolve(product, risk, on)
    sum_insured = check_sum_insured(product, risk.sum_insured)
    m = check_frequency(product, risk.frequency)
    if terms.k == 1 and m != 1:
        raise RatingError("frequency_not_offered", "frequency", "A single premium is paid once.", offered="annual")
    loadings = product.pricing.loadings
    net = sum_insured * net_premium_per_unit(product, terms)
    per_mille = loadings.per_mille_sum_insured * sum_insured / THOUSAND
    gross = (net + per_mille + loadings.policy_fee) / (1 - loadings.percent_of_gross)
    per_payment = quantize(_per_payment(product, terms, gross, risk.frequency, m))

    net_r, per_mille_r, fee_r, gross_r = (
        quantize(net),
        quantize(per_mille),
        quantize(loadings.policy_fee),
        quantize(gross),
    )
    lines = [Line("net_premium", net_r, {"table": str(terms.basis.table), "interest": str(terms.basis.interest)})]
    if per_mille_r:
        lines.append(Line("loading_per_mille", per_mille_r, {"rate": str(loadings.per_mille_sum_insured)}))
    if fee_r:
        lines.append(Line("policy_fee", fee_r))
    lines.append(
        Line(
            "loading_percent_of_gross", gross_r - net_r - per_mille_r - fee_r, {"rate": str(loadings.percent_of_gross)}
        )
    )
    if m > 1:
        lines.append(Line("modal_adjustment", per_payment * m - gross_r, {"frequency": risk.frequency}))
    return PremiumBreakdown(
        product_code=product.code,
        product_version=product.version,
        basis=basis_text(product),
        sum_insured=sum_insured,
        age=terms.age,
        rated_age=terms.rated_age,
        policy_term_years=terms.n,
        premium_term_years=terms.k,
        frequency=risk.frequency,
        payments_per_year=m,
        net_annual_premium=net_r,
        gross_annual_premium=gross_r,
        premium_per_payment=per_payment,
        premium_per_year=per_payment * m,
        lines=tuple(lines),
    )


def _per_payment(product: Product, terms: LifeTerms, gross: Decimal, frequency: str, m: int) -> Decimal:
    if m == 1:
        return gross
    pricing = product.pricing
    if pricing.modal_method == "factors":
        return gross * dict(pricing.modal_factors)[frequency]
    c = actuarial.commutation(terms.basis)
    annual = actuarial.annuity_due(c, terms.rated_age, terms.k)
    mthly = actuarial.annuity_due_mthly(c, terms.rated_age, terms.k, m, pricing.modal_method)
    return gross * annual / mthly / m
