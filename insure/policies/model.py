"""Policy status machine and numbering (pure)."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from enum import StrEnum


class PolicyStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    IN_FORCE = "in_force"
    LAPSED = "lapsed"  # a premium stayed unpaid past the grace period; reinstatable for two years
    EXPIRED = "expired"
    MATURED = "matured"  # an endowment reached its end: the maturity benefit is paid
    SURRENDERED = "surrendered"  # ended early by the policyholder for its cash value
    CANCELLED = "cancelled"


TRANSITIONS: dict[PolicyStatus, frozenset[PolicyStatus]] = {
    PolicyStatus.PENDING_PAYMENT: frozenset({PolicyStatus.IN_FORCE, PolicyStatus.CANCELLED}),
    PolicyStatus.IN_FORCE: frozenset(
        {
            PolicyStatus.LAPSED,
            PolicyStatus.EXPIRED,
            PolicyStatus.MATURED,
            PolicyStatus.SURRENDERED,
            PolicyStatus.CANCELLED,
        }
    ),
    PolicyStatus.LAPSED: frozenset({PolicyStatus.IN_FORCE, PolicyStatus.CANCELLED}),
    PolicyStatus.EXPIRED: frozenset(),
    PolicyStatus.MATURED: frozenset(),
    PolicyStatus.SURRENDERED: frozenset(),
    PolicyStatus.CANCELLED: frozenset(),
}

FREQUENCY_BY_PAYMENTS = {1: "annual", 2: "semi_annual", 4: "quarterly", 12: "monthly"}


def luhn_digit(digits: str) -> str:
    """The Luhn check digit for a string of digits (catches every single-digit typo)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return str((10 - total % 10) % 10)


def new_number(prefix: str) -> str:
    """A reference like ``P`` + 12 random digits + a Luhn check digit; random so numbers leak no volumes."""
    body = f"{secrets.randbelow(10**12):012d}"
    return f"{prefix}{body}{luhn_digit(body)}"


def number_is_valid(number: str, prefix: str) -> bool:
    body = number[len(prefix) :]
    return number.startswith(prefix) and len(body) == 13 and body.isdigit() and luhn_digit(body[:-1]) == body[-1]


def cover_period(start: date, term_years: int | None) -> tuple[date, date | None]:
    """Cover from ``start`` to the day before the same date ``term_years`` later (29 Feb falls to 28 Feb);
    whole-of-life cover has no expiry date."""
    if term_years is None:
        return start, None
    year = start.year + term_years
    try:
        anniversary = start.replace(year=year)
    except ValueError:
        anniversary = date(year, 2, 28) + timedelta(days=1)
    return start, anniversary - timedelta(days=1)
