"""Pricing (pure): quote(product, risk, on) checks the risk against the product and explains the premium.

The premium is computed exactly and rounded once, half-up to the fen, at the end. Each step is kept as a
labelled line so the customer, the agent and an auditor see how the number was reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from insure.money import format_amount, quantize
from products.catalog import Product


class RatingError(ValueError):
    """A risk the product cannot price; `code` is stable and `field` names the input at fault."""

    def __init__(self, code: str, field: str, message: str) -> None:
        self.code = code
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Risk:
    """What the premium depends on: who is insured, their occupation class, and the sum insured."""

    birth_date: date
    occupation_class: int
    sum_insured: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.sum_insured, Decimal):
            raise TypeError(f"sum_insured must be a Decimal, not {type(self.sum_insured).__name__}")


@dataclass(frozen=True)
class PremiumBreakdown:
    """A priced quote: the premium and the labelled steps that produced it."""

    product_code: str
    product_version: str
    sum_insured: Decimal
    age: int
    rate_per_mille: Decimal
    annual_premium: Decimal
    lines: tuple[tuple[str, Decimal], ...]


def age_last_birthday(birth_date: date, on: date) -> int:
    """Completed years of age on `on`.

    Someone born on 29 February has their birthday on 1 March in common years (they are not a year
    older until 28 February has fully passed).
    """
    if on < birth_date:
        raise ValueError(f"{on.isoformat()} is before the birth date {birth_date.isoformat()}")
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def _check_age(product: Product, birth_date: date, on: date) -> int:
    age = age_last_birthday(birth_date, on) if birth_date <= on else -1
    if not product.entry_age_min <= age <= product.entry_age_max:
        raise RatingError(
            "age_out_of_range",
            "birth_date",
            f"The insured must be aged {product.entry_age_min} to {product.entry_age_max}"
            f" on {on.isoformat()}; they are {max(age, 0)}.",
        )
    return age


def _rate_for(product: Product, occupation_class: object) -> Decimal:
    if isinstance(occupation_class, int) and not isinstance(occupation_class, bool):
        if occupation_class in product.declined_occupation_classes:
            raise RatingError(
                "occupation_declined",
                "occupation_class",
                f"Occupation class {occupation_class} cannot be insured under {product.name_en}.",
            )
        rate = product.rate_per_mille(occupation_class)
        if rate is not None:
            return rate
    raise RatingError("occupation_unknown", "occupation_class", f"{occupation_class!r} is not an occupation class.")


def _check_sum_insured(product: Product, sum_insured: Decimal) -> None:
    lowest, highest, step = product.sum_insured_min, product.sum_insured_max, product.sum_insured_step
    if not lowest <= sum_insured <= highest:
        raise RatingError(
            "sum_insured_out_of_range",
            "sum_insured",
            f"The sum insured must be from {format_amount(lowest)} to {format_amount(highest)} CNY.",
        )
    if sum_insured % step:
        raise RatingError(
            "sum_insured_not_on_step",
            "sum_insured",
            f"The sum insured must be a multiple of {format_amount(step)} CNY.",
        )


def quote(product: Product, risk: Risk, on: date) -> PremiumBreakdown:
    """Price `risk` under `product` as of `on`, or raise RatingError naming the input that does not fit."""
    if product.rating_method != "per_mille_by_occupation_class":
        raise ValueError(f"{product.code} uses rating method {product.rating_method!r}, not supported here")
    age = _check_age(product, risk.birth_date, on)
    rate = _rate_for(product, risk.occupation_class)
    _check_sum_insured(product, risk.sum_insured)
    sum_insured = quantize(risk.sum_insured)
    premium = quantize(sum_insured * rate / 1000)
    base = f"base: {format_amount(sum_insured)} × {rate}‰"
    return PremiumBreakdown(
        product_code=product.code,
        product_version=product.version,
        sum_insured=sum_insured,
        age=age,
        rate_per_mille=rate,
        annual_premium=premium,
        lines=((base, premium),),
    )
