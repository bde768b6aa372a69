"""API schemas for the catalog, quotes, comparison and illustrations (msgspec, written by hand)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from insure.labels import label
from insure.money import from_fen
from insure.text_input import Amount, Code, DateText, RequestBody, bounded_int, one_of
from products.catalog import CHANNELS, FREQUENCIES, PRODUCT_TYPES, Product
from products.illustration import Illustration
from products.rating import PremiumBreakdown


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class CoverageOut(msgspec.Struct):
    code: str
    name_zh: str
    name_en: str
    percent_of_sum_insured: str
    deductible: str
    coinsurance_percent: str
    coinsurance_percent_without_social_insurance: str | None
    benefit: str  # the kind of benefit: death, critical_illness, medical ... (docs/catalog.md)


class LoadingsOut(msgspec.Struct):
    percent_of_gross: str
    per_mille_sum_insured: str
    policy_fee: str


class RateRowOut(msgspec.Struct, omit_defaults=True):
    value: str
    age_from: int | None = None
    age_to: int | None = None
    sex: str | None = None
    premium_term: str | None = None
    zone: str | None = None
    days_from: int | None = None
    days_to: int | None = None
    plan: str | None = None


class PricingOut(msgspec.Struct):
    method: str
    mortality_table: str | None
    interest_rate: str | None
    female_age_adjustment: int
    smoker_mortality_factor: str | None
    loadings: LoadingsOut
    modal_method: str
    modal_factors: dict[str, str]
    rates_per_mille: dict[str, str]
    declined_occupation_classes: list[int]
    smoker_factor: str
    without_social_insurance_factor: str
    rate_table: list[RateRowOut]


class IllustrationBasisOut(msgspec.Struct):
    low: str
    medium: str
    high: str
    max_rate: str
    policyholder_share: str


class ProductOut(msgspec.Struct):
    code: str
    version: str
    insurer_code: str
    insurer_name_zh: str
    insurer_name_en: str
    name_zh: str
    name_en: str
    type: str
    channels: list[str]
    participating: bool
    description_zh: str
    description_en: str
    age_basis: str
    entry_age_min: int
    entry_age_max: int
    max_expiry_age: int | None
    sum_insured_min: str
    sum_insured_max: str
    sum_insured_step: str
    sum_insured_choices: list[str]
    policy_terms: list[str]
    premium_terms: list[str]
    frequencies: list[str]
    waiting_period_days: int
    free_look_days: int
    grace_period_days: int
    coverages: list[CoverageOut]
    exclusions_en: list[str]
    exclusions_zh: list[str]
    pricing: PricingOut
    surrender_charges: list[str]
    illustration: IllustrationBasisOut | None


def product_out(p: Product) -> ProductOut:
    pr = p.pricing
    return ProductOut(
        code=p.code,
        version=p.version,
        insurer_code=p.insurer_code,
        insurer_name_zh=p.insurer_name_zh,
        insurer_name_en=p.insurer_name_en,
        name_zh=p.name_zh,
        name_en=p.name_en,
        type=p.type,
        channels=list(p.channels),
        participating=p.participating,
        description_zh=p.description_zh,
        description_en=p.description_en,
        age_basis=p.age_basis,
        entry_age_min=p.entry_age_min,
        entry_age_max=p.entry_age_max,
        max_expiry_age=p.max_expiry_age,
        sum_insured_min=str(p.sum_insured_min),
        sum_insured_max=str(p.sum_insured_max),
        sum_insured_step=str(p.sum_insured_step),
        sum_insured_choices=[str(c) for c in p.sum_insured_choices],
        policy_terms=list(p.policy_terms),
        premium_terms=list(p.premium_terms),
        frequencies=list(p.frequencies),
        waiting_period_days=p.waiting_period_days,
        free_look_days=p.free_look_days,
        grace_period_days=p.grace_period_days,
        coverages=[
            CoverageOut(
                c.code,
                c.name_zh,
                c.name_en,
                str(c.percent_of_sum_insured),
                str(c.deductible),
                str(c.coinsurance_percent),
                _s(c.coinsurance_percent_without_social_insurance),
                c.benefit,
            )
            for c in p.coverages
        ],
        exclusions_en=[e.en for e in p.exclusions],
        exclusions_zh=[e.zh for e in p.exclusions],
        pricing=PricingOut(
            method=pr.method,
            mortality_table=pr.mortality_table,
            interest_rate=_s(pr.interest_rate),
            female_age_adjustment=pr.female_age_adjustment,
            smoker_mortality_factor=_s(pr.smoker_mortality_factor),
            loadings=LoadingsOut(
                str(pr.loadings.percent_of_gross), str(pr.loadings.per_mille_sum_insured), str(pr.loadings.policy_fee)
            ),
            modal_method=pr.modal_method,
            modal_factors={k: str(v) for k, v in pr.modal_factors},
            rates_per_mille={str(k): str(v) for k, v in pr.rates_per_mille},
            declined_occupation_classes=list(pr.declined_occupation_classes),
            smoker_factor=str(pr.smoker_factor),
            without_social_insurance_factor=str(pr.without_social_insurance_factor),
            rate_table=[
                RateRowOut(
                    str(r.value), r.age_from, r.age_to, r.sex, r.premium_term, r.zone, r.days_from, r.days_to, r.plan
                )
                for r in pr.rate_rows
            ],
        ),
        surrender_charges=[str(c) for c in p.cash_values.surrender_charges] if p.cash_values else [],
        illustration=(
            IllustrationBasisOut(
                str(p.illustration.low),
                str(p.illustration.medium),
                str(p.illustration.high),
                str(p.illustration.max_rate),
                str(p.illustration.policyholder_share),
            )
            if p.illustration
            else None
        ),
    )


OccupationClass = bounded_int(1, 6)  # the catalog's occupation classes (catalog_underwriting.OCCUPATION_CLASSES)
TripDays = bounded_int(1, 3650)  # the product's own maximum is checked when pricing


class RiskFields(RequestBody, kw_only=True):
    """What the premium depends on; a product uses the fields it needs (see POST /api/v1/quotes)."""

    birth_date: DateText = ""
    sum_insured: Amount = ""
    sex: Literal["male", "female"] | None = None
    smoker: bool = False
    occupation_class: OccupationClass = 1
    policy_term: Code | None = None
    premium_term: Code | None = None
    frequency: one_of(FREQUENCIES) = "annual"  # type: ignore[valid-type]
    social_insurance: bool = True
    destination_zone: Code | None = None
    trip_days: TripDays | None = None


class QuoteRequest(RiskFields, kw_only=True):
    product_code: Code
    channel: one_of(CHANNELS) = "direct"  # type: ignore[valid-type]


class CompareRequest(RiskFields, kw_only=True):
    product_type: one_of(PRODUCT_TYPES)  # type: ignore[valid-type]


class BreakdownLine(msgspec.Struct):
    code: str
    label: str
    amount: str


class QuoteOut(msgspec.Struct):
    id: str
    product_code: str
    product_version: str
    insurer_code: str
    channel: str
    pricing_basis: str
    birth_date: str
    sum_insured: str
    policy_term_years: int | None
    premium_term_years: int
    frequency: str
    payments_per_year: int
    net_annual_premium: str
    gross_annual_premium: str
    premium_per_payment: str
    premium_per_year: str
    annual_premium: str
    currency: str
    breakdown: list[BreakdownLine]
    risk: dict[str, object]
    valid_until: str
    expired: bool
    illustration_url: str | None
    quoted_by_agent: bool


def quote_out(row: dict, *, expired: bool, has_illustration: bool) -> QuoteOut:
    frequency = row["risk"].get("frequency") or "annual"
    per_payment = from_fen(row["premium_per_payment_fen"] or row["annual_premium_fen"])
    return QuoteOut(
        id=row["public_id"],
        product_code=row["product_code"],
        product_version=row["product_version"],
        insurer_code=row["insurer_code"],
        channel=row["channel"],
        pricing_basis=row["basis"],
        birth_date=row["birth_date"].isoformat(),
        sum_insured=str(from_fen(row["sum_insured_fen"])),
        policy_term_years=row["policy_term_years"],
        premium_term_years=row["premium_term_years"],
        frequency=frequency,
        payments_per_year=row["payments_per_year"],
        net_annual_premium=str(from_fen(row["net_annual_premium_fen"])),
        gross_annual_premium=str(from_fen(row["annual_premium_fen"])),
        premium_per_payment=str(per_payment),
        premium_per_year=str(per_payment * row["payments_per_year"]),
        annual_premium=str(from_fen(row["annual_premium_fen"])),
        currency=row["currency"],
        breakdown=[
            BreakdownLine(li["code"], label("premium_line", li["code"]), li["amount"]) for li in row["breakdown"]
        ],
        risk=row["risk"],
        valid_until=row["valid_until"].isoformat(),
        expired=expired,
        illustration_url=f"/api/v1/quotes/{row['public_id']}/illustration" if has_illustration else None,
        quoted_by_agent=row.get("agent") is not None,
    )


class OfferOut(msgspec.Struct):
    product_code: str
    insurer_code: str
    insurer_name_zh: str
    insurer_name_en: str
    name_zh: str
    name_en: str
    available: bool
    gross_annual_premium: str | None
    premium_per_payment: str | None
    premium_per_year: str | None
    net_annual_premium: str | None
    deductible: str
    waiting_period_days: int
    sum_insured_max: str
    key_exclusions_en: list[str]
    key_exclusions_zh: list[str]
    problem_code: str | None
    problem_field: str | None


def offer_out(offer: object) -> OfferOut:
    p: Product = offer.product  # type: ignore[attr-defined]
    b: PremiumBreakdown | None = offer.breakdown  # type: ignore[attr-defined]
    problem = offer.problem  # type: ignore[attr-defined]
    deductible = max((c.deductible for c in p.coverages), default=Decimal(0))
    return OfferOut(
        product_code=p.code,
        insurer_code=p.insurer_code,
        insurer_name_zh=p.insurer_name_zh,
        insurer_name_en=p.insurer_name_en,
        name_zh=p.name_zh,
        name_en=p.name_en,
        available=b is not None,
        gross_annual_premium=_s(b.gross_annual_premium) if b else None,
        premium_per_payment=_s(b.premium_per_payment) if b else None,
        premium_per_year=_s(b.premium_per_year) if b else None,
        net_annual_premium=_s(b.net_annual_premium) if b else None,
        deductible=str(deductible),
        waiting_period_days=p.waiting_period_days,
        sum_insured_max=str(p.sum_insured_max),
        key_exclusions_en=[e.en for e in p.exclusions[:3]],
        key_exclusions_zh=[e.zh for e in p.exclusions[:3]],
        problem_code=problem.code if problem else None,
        problem_field=problem.field if problem else None,
    )


class IllustrationYearOut(msgspec.Struct):
    """One policy year of a benefit illustration: the guaranteed figures, then what each scenario illustrates."""

    year: Annotated[int, msgspec.Meta(description="policy year, 1 = the first")]
    age: Annotated[int, msgspec.Meta(description="the insured's age at the end of the year")]
    premiums_paid: Annotated[str, msgspec.Meta(description="gross premiums paid up to the end of the year (CNY)")]
    death_benefit: Annotated[str, msgspec.Meta(description="the guaranteed death benefit (CNY)")]
    cash_value: Annotated[str, msgspec.Meta(description="the guaranteed cash value at the end of the year (CNY)")]
    maturity_benefit: Annotated[str, msgspec.Meta(description="the guaranteed maturity benefit, in the last year")]
    dividends: Annotated[
        dict[str, str],
        msgspec.Meta(description="by scenario: the cash dividend of the year, or the reversionary bonus added to it"),
    ]
    accumulated_dividends: Annotated[
        dict[str, str], msgspec.Meta(description="by scenario: cash dividends left to accumulate at interest")
    ]
    bonuses: Annotated[
        dict[str, str],
        msgspec.Meta(description="reversionary-bonus products, by scenario: the bonuses added to the cover so far"),
    ]
    sum_insured_with_bonuses: Annotated[
        dict[str, str],
        msgspec.Meta(description="reversionary-bonus products, by scenario: the sum insured with the bonuses"),
    ]
    terminal_bonus: Annotated[
        dict[str, str],
        msgspec.Meta(description="reversionary-bonus products, by scenario: the terminal bonus if the policy ended"),
    ]
    total_value: Annotated[
        dict[str, str],
        msgspec.Meta(
            description="by scenario: what the policy could be worth at the end of the year (cash value + "
            "accumulated dividends, or + the bonuses' cash value + the terminal bonus); not guaranteed"
        ),
    ]


class IllustrationOut(msgspec.Struct):
    """A life quote's benefit illustration: guaranteed values year by year and, for a participating product, what
    its style of participation (cash dividends or reversionary bonuses) illustrates under three scenarios."""

    quote_id: str
    product_code: str
    guaranteed_note: Annotated[str, msgspec.Meta(description="dividends and bonuses are not guaranteed")]
    style: Annotated[
        Literal["cash", "reversionary_bonus"],
        msgspec.Meta(description="cash dividends (现金红利) or reversionary bonuses (增额红利)"),
    ]
    scenario_rates: Annotated[
        dict[str, str], msgspec.Meta(description="scenario -> the illustrated investment return (empty: none)")
    ]
    pricing_rate: Annotated[str, msgspec.Meta(description="the guaranteed (pricing) interest rate")]
    policyholder_share: Annotated[str, msgspec.Meta(description="the share of the surplus illustrated as theirs")]
    bonus_rates: Annotated[
        dict[str, str], msgspec.Meta(description="reversionary-bonus products: scenario -> the yearly bonus rate")
    ]
    terminal_bonus_rates: Annotated[
        dict[str, str],
        msgspec.Meta(description="reversionary-bonus products: scenario -> the terminal bonus rate on the bonuses"),
    ]
    shows_dividends: Annotated[
        bool,
        msgspec.Meta(description="false when no scenario illustrates anything above the guaranteed values"),
    ]
    summary: Annotated[
        list[str],
        msgspec.Meta(description="the illustration in two or three plain sentences, in the request's language"),
    ]
    years: list[IllustrationYearOut]
    pdf_url: str


def _by_scenario(values: dict[str, Decimal]) -> dict[str, str]:
    return {k: str(v) for k, v in values.items()}


def illustration_out(
    quote_id: str, product: Product, ill: Illustration, note: str, summary: list[str]
) -> IllustrationOut:
    return IllustrationOut(
        quote_id=quote_id,
        product_code=product.code,
        guaranteed_note=note,
        style=ill.style,  # type: ignore[arg-type]
        scenario_rates=_by_scenario(ill.rates),
        pricing_rate=str(ill.pricing_rate),
        policyholder_share=str(ill.policyholder_share),
        bonus_rates=_by_scenario(ill.bonus_rates),
        terminal_bonus_rates=_by_scenario(ill.terminal_bonus_rates),
        shows_dividends=ill.shows_dividends,
        summary=summary,
        years=[
            IllustrationYearOut(
                year=y.year,
                age=y.age,
                premiums_paid=str(y.premiums_paid),
                death_benefit=str(y.death_benefit),
                cash_value=str(y.cash_value),
                maturity_benefit=str(y.maturity_benefit),
                dividends=_by_scenario(y.dividends),
                accumulated_dividends=_by_scenario(y.accumulated),
                bonuses=_by_scenario(y.bonuses),
                sum_insured_with_bonuses=_by_scenario(y.sum_insured_with_bonuses),
                terminal_bonus=_by_scenario(y.terminal_bonus),
                total_value=_by_scenario(y.total_value),
            )
            for y in ill.years
        ],
        pdf_url=f"/api/v1/quotes/{quote_id}/illustration.pdf",
    )
