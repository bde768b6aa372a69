"""Pricing (pure): quote(product, risk, on) checks the risk against the product and explains the premium.

Each product names a pricing method in its catalog file; life products are priced by the equivalence
principle (`life_pricing.py`), the others from rate tables and factors (`tariffs.py`). Every figure is
computed exactly and rounded once, half-up to the fen; the breakdown lines add up to the premium.
"""

from __future__ import annotations

from datetime import date

from products import life_pricing, tariffs
from products.catalog import Product

# the shared model lives in rating_model (imported by the pricing methods too); callers keep importing it here
from products.rating_model import (
    FREQUENCIES,
    SEXES,
    ZONES,
    Line,
    PremiumBreakdown,
    RatingError,
    Risk,
    age_last_birthday,
    age_nearest_birthday,
    check_frequency,
    check_sum_insured,
    entry_age,
)

__all__ = [
    "FREQUENCIES",
    "SEXES",
    "ZONES",
    "Line",
    "PremiumBreakdown",
    "RatingError",
    "Risk",
    "age_last_birthday",
    "age_nearest_birthday",
    "check_frequency",
    "check_sum_insured",
    "entry_age",
    "quote",
]


def quote(product: Product, risk: Risk, on: date) -> PremiumBreakdown:
    """Price `risk` under `product` as of `on`, or raise RatingError naming the input that does not fit."""
    method = product.pricing.method
    if method == "life_equivalence":
        return life_pricing.price(product, risk, on)
    if method in tariffs.METHODS:
        return tariffs.price(product, risk, on)
    raise ValueError(f"{product.code}: pricing method {method!r} is not implemented")
