"""What a product version is, once its file has been read and checked: the frozen dataclasses the rating,
quotes, pages and API work with (the loader and its checks are in catalog.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from products.underwriting import UnderwritingRules


# What kind of benefit a coverage is (the claim form, its documents and how it pays follow from it, claims.kinds):
# lump sums on death (or total disability), a critical-illness diagnosis, an accident's death or disability, a
# flight delay or each day in hospital; expenses reimbursed against invoices (medical, trip cancellation); the
# maturity benefit, paid by the insurer at the end of the term and never claimed.
BENEFIT_KINDS = (
    "death",
    "critical_illness",
    "accident_death_disability",
    "medical",
    "hospital_allowance",
    "trip_cancellation",
    "travel_delay",
    "maturity",
)


@dataclass(frozen=True)
class Coverage:
    """One benefit: limit = a percentage of the sum insured; paid after the deductible at co-insurance.

    Percentages here are percent numbers ("90" = 90 %), unlike the fractions of the pricing basis.
    """

    code: str
    name_zh: str
    name_en: str
    percent_of_sum_insured: Decimal
    deductible: Decimal
    coinsurance_percent: Decimal
    coinsurance_percent_without_social_insurance: Decimal | None = None
    benefit: str = "medical"  # one of BENEFIT_KINDS (the product file always states it)
    deductible_basis: str = "per_claim"  # DEDUCTIBLE_BASES: each claim, or once per policy year


@dataclass(frozen=True)
class Exclusion:
    zh: str
    en: str
    code: str = ""  # stable: an adjuster cites it in a denial (claims.decisions), the claimant reads the wording


@dataclass(frozen=True)
class Loadings:
    """Expense loadings: gross = (net + per mille of the sum insured + fee) / (1 − percent_of_gross)."""

    percent_of_gross: Decimal
    per_mille_sum_insured: Decimal
    policy_fee: Decimal


@dataclass(frozen=True)
class RateRow:
    """One row of a product's rate CSV; fields the CSV does not have are None.

    `value` is rate_per_mille (critical illness), annual_premium (medical) or premium (travel). A travel
    row's `plan` is its plan's sum insured in whole yuan, e.g. "300000" for the choice Decimal("300000.00").
    """

    value: Decimal
    age_from: int | None = None
    age_to: int | None = None
    sex: str | None = None
    premium_term: str | None = None
    zone: str | None = None
    days_from: int | None = None
    days_to: int | None = None
    plan: str | None = None


@dataclass(frozen=True)
class Pricing:
    """The pricing basis; which fields matter depends on `method` (docs/catalog.md, "Pricing methods")."""

    method: str
    mortality_table: str | None = None
    interest_rate: Decimal | None = None
    female_age_adjustment: int = 0
    smoker_mortality_factor: Decimal | None = None
    loadings: Loadings = Loadings(Decimal(0), Decimal(0), Decimal(0))
    modal_method: str = "factors"
    modal_factors: tuple[tuple[str, Decimal], ...] = ()  # every offered frequency, "annual" = 1
    rates_per_mille: tuple[tuple[int, Decimal], ...] = ()
    declined_occupation_classes: tuple[int, ...] = ()
    smoker_factor: Decimal = Decimal(1)
    without_social_insurance_factor: Decimal = Decimal(1)
    rate_rows: tuple[RateRow, ...] = ()

    def rate_per_mille(self, occupation_class: int) -> Decimal | None:
        """The rate for an occupation class, or None if the class is not rated (declined or unknown)."""
        return dict(self.rates_per_mille).get(occupation_class)


@dataclass(frozen=True)
class CashValues:
    """Guaranteed cash value at the end of year t = S × tV × (1 − surrender_charges[t − 1]), 0 after the list."""

    method: str
    surrender_charges: tuple[Decimal, ...]


@dataclass(frozen=True)
class ScenarioRates:
    """One rate per illustrated scenario (reversionary or terminal bonus rates of a bonus product)."""

    low: Decimal
    medium: Decimal
    high: Decimal

    def of(self, scenario: str) -> Decimal:
        return getattr(self, scenario)


@dataclass(frozen=True)
class Illustration:
    """Illustrated investment returns of a participating product (not guaranteed), capped at max_rate and by the
    regulator's cap in force on the version's date (products/illustration_caps.py). A reversionary-bonus product
    also states, per scenario, the bonus rate added to the cover each year and the terminal bonus rate."""

    low: Decimal
    medium: Decimal
    high: Decimal
    max_rate: Decimal
    policyholder_share: Decimal
    bonus_rates: ScenarioRates | None = None  # reversionary bonus products only
    terminal_bonus_rates: ScenarioRates | None = None  # reversionary bonus products only


@dataclass(frozen=True)
class Participation:
    """How a participating product shares its surplus (docs/dividends.md): cash dividends applied by an option
    the policyholder chooses (`options`, `default_option`), or reversionary bonuses (no option). A policy ending
    between two anniversaries gets the days' part of the dividend declared for that year if `pro_rata_on_exit`."""

    style: str  # "cash" | "reversionary_bonus"
    options: tuple[str, ...]
    default_option: str
    pro_rata_on_exit: bool = True


@dataclass(frozen=True)
class Product:
    """One version of a product, as sold from `effective_from`; `version` is that date in ISO form.

    `term_years` is the policy term when the product has a single fixed one ("1" → 1), else 0: the term is
    then the customer's choice among `policy_terms` and may depend on age (to_age_60, whole_life).
    """

    code: str
    version: str
    effective_from: date
    insurer_code: str
    insurer_name_zh: str
    insurer_name_en: str
    name_zh: str
    name_en: str
    type: str
    channels: tuple[str, ...]
    term_years: int
    entry_age_min: int
    entry_age_max: int
    sum_insured_min: Decimal
    sum_insured_max: Decimal
    sum_insured_step: Decimal
    coverages: tuple[Coverage, ...]
    straight_through_limit: Decimal
    waiting_period_days: int
    free_look_days: int
    exclusions: tuple[Exclusion, ...]
    description_zh: str
    description_en: str
    participating: bool
    age_basis: str
    max_expiry_age: int | None
    sum_insured_choices: tuple[Decimal, ...]
    policy_terms: tuple[str, ...]
    premium_terms: tuple[str, ...]
    frequencies: tuple[str, ...]
    grace_period_days: int
    pricing: Pricing
    cash_values: CashValues | None
    illustration: Illustration | None
    # the file's [underwriting]: questionnaire and rules for products/underwriting.py; left out of the hash
    # because its occupation loadings are a dict (equality still compares it)
    underwriting: UnderwritingRules = field(hash=False)
    guaranteed_renewable: bool = False  # one-year cover the insurer must renew, whatever the insured's health
    # who the policyholder may insure with this product (Insurance Law art. 31 allows all four)
    insurable_relations: tuple[str, ...] = ("self", "spouse", "child", "parent")
    free_look_charge: Decimal = Decimal(0)  # the small cost (工本费) kept on a free-look cancellation, at most 10
    participation: Participation | None = None  # participating products only
