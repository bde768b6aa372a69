"""The pricing model (pure): the risk, the premium breakdown, the rating error and the checks every pricing
method shares (entry age, sum insured, frequency). `rating.quote` and the methods (`tariffs`, `life_pricing`)
all import this module, so none of them imports another in a circle.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from insure.money import quantize
from products.catalog import Product

FREQUENCIES = {"annual": 1, "semi_annual": 2, "quarterly": 4, "monthly": 12}
SEXES = ("male", "female")
ZONES = ("asia", "europe", "worldwide")


class RatingError(ValueError):
    """A risk the product cannot price; `code` is stable, `field` names the input at fault, `params` fill the
    message shown to people."""

    def __init__(self, code: str, field: str, message: str, **params: object) -> None:
        self.code = code
        self.field = field
        self.params = params
        super().__init__(message)


@dataclass(frozen=True)
class Risk:
    """What the premium depends on. Fields a product does not use are ignored."""

    birth_date: date
    sum_insured: Decimal
    sex: str | None = None
    smoker: bool = False
    occupation_class: int | None = None
    policy_term: str | None = None
    premium_term: str | None = None
    frequency: str = "annual"
    social_insurance: bool = True
    destination_zone: str | None = None
    trip_days: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.sum_insured, Decimal):
            raise TypeError(f"sum_insured must be a Decimal, not {type(self.sum_insured).__name__}")


@dataclass(frozen=True)
class Line:
    """One step of the premium: a stable code, its amount, and the figures behind it (for the label)."""

    code: str
    amount: Decimal
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PremiumBreakdown:
    product_code: str
    product_version: str
    basis: str  # the pricing basis in words, e.g. "sult @ 5%, loadings …"
    sum_insured: Decimal
    age: int  # age on the quote date, by the product's age basis
    rated_age: int  # after the product's sex adjustment
    policy_term_years: int | None  # None: whole of life
    premium_term_years: int  # 1 = single premium
    frequency: str
    payments_per_year: int
    net_annual_premium: Decimal
    gross_annual_premium: Decimal
    premium_per_payment: Decimal
    premium_per_year: Decimal
    lines: tuple[Line, ...]

    @property
    def annual_premium(self) -> Decimal:
        return self.gross_annual_premium


def age_last_birthday(birth_date: date, on: date) -> int:
    """Completed years of age on `on` (born on 29 February: a year older on 1 March in common years)."""
    if on < birth_date:
        raise ValueError(f"{on.isoformat()} is before the birth date {birth_date.isoformat()}")
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def age_nearest_birthday(birth_date: date, on: date) -> int:
    """Age at the nearest birthday: last birthday + 1 from six calendar months after it (half rounds up)."""
    last = age_last_birthday(birth_date, on)
    try:
        previous = birth_date.replace(year=birth_date.year + last)
    except ValueError:  # 29 February in a common year: the birthday is 1 March
        previous = date(birth_date.year + last, 3, 1)
    month = previous.month + 6
    year, month = previous.year + (month - 1) // 12, (month - 1) % 12 + 1
    half = date(year, month, min(previous.day, calendar.monthrange(year, month)[1]))
    return last + (1 if on >= half else 0)


def entry_age(product: Product, birth_date: date, on: date) -> int:
    if birth_date > on:
        raise RatingError("birth_date_in_future", "birth_date", "The birth date is in the future.")
    age = (age_nearest_birthday if product.age_basis == "nearest_birthday" else age_last_birthday)(birth_date, on)
    if not product.entry_age_min <= age <= product.entry_age_max:
        raise RatingError(
            "age_out_of_range",
            "birth_date",
            f"The insured must be aged {product.entry_age_min} to {product.entry_age_max}; they are {age}.",
            min=product.entry_age_min,
            max=product.entry_age_max,
            age=age,
        )
    return age


def check_sum_insured(product: Product, sum_insured: Decimal) -> Decimal:
    if product.sum_insured_choices:
        if sum_insured not in product.sum_insured_choices:
            choices = ", ".join(str(c) for c in product.sum_insured_choices)
            raise RatingError("sum_insured_not_offered", "sum_insured", f"Choose one of {choices}.", choices=choices)
        return quantize(sum_insured)  # half-up to the fen, as all money
    lowest, highest, step = product.sum_insured_min, product.sum_insured_max, product.sum_insured_step
    if not lowest <= sum_insured <= highest:
        raise RatingError(
            "sum_insured_out_of_range",
            "sum_insured",
            f"The sum insured must be from {lowest} to {highest}.",
            min=lowest,
            max=highest,
        )
    if step and sum_insured % step:
        raise RatingError(
            "sum_insured_not_on_step", "sum_insured", f"The sum insured must be a multiple of {step}.", step=step
        )
    return quantize(sum_insured)  # half-up to the fen, as all money


def check_frequency(product: Product, frequency: str) -> int:
    if frequency not in product.frequencies:
        raise RatingError(
            "frequency_not_offered",
            "frequency",
            f"{frequency!r} is not offered.",
            offered=", ".join(product.frequencies),
        )
    return FREQUENCIES[frequency]
