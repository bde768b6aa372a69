"""Policy, instalment and reinstatement lifecycles, and policy numbering (pure)."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from enum import StrEnum

from insure.errors import N_
from insure.policies.billing import policy_anniversary
from insure.state_machine import lifecycle


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

POLICY = lifecycle(
    "policy",
    PolicyStatus,
    TRANSITIONS,
    {PolicyStatus.PENDING_PAYMENT},
    refusal=N_("This is not possible while the policy is %(status)s."),
)


class InstalmentStatus(StrEnum):
    """One premium of the schedule: the first is paid when the policy is issued, the others fall due."""

    DUE = "due"
    PAID = "paid"
    VOID = "void"  # the policy ended (cancelled, surrendered, matured, expired) before it fell due or was paid


INSTALMENT_TRANSITIONS: dict[InstalmentStatus, frozenset[InstalmentStatus]] = {
    InstalmentStatus.DUE: frozenset({InstalmentStatus.PAID, InstalmentStatus.VOID}),
    InstalmentStatus.PAID: frozenset(),
    InstalmentStatus.VOID: frozenset(),
}

INSTALMENT = lifecycle(
    "instalment",
    InstalmentStatus,
    INSTALMENT_TRANSITIONS,
    {InstalmentStatus.DUE, InstalmentStatus.PAID},
    refusal=N_("This is not possible while the instalment is %(status)s."),
    labels="instalment_status",
)


class ReinstatementStatus(StrEnum):
    """A health declaration to reinstate a lapsed policy: clean answers are accepted at once, a "yes" is referred
    to an underwriter, who accepts or declines."""

    ACCEPTED = "accepted"
    REFERRED = "referred"
    DECLINED = "declined"


REINSTATEMENT_TRANSITIONS: dict[ReinstatementStatus, frozenset[ReinstatementStatus]] = {
    ReinstatementStatus.REFERRED: frozenset({ReinstatementStatus.ACCEPTED, ReinstatementStatus.DECLINED}),
    ReinstatementStatus.ACCEPTED: frozenset(),
    ReinstatementStatus.DECLINED: frozenset(),
}

REINSTATEMENT = lifecycle(
    "reinstatement",
    ReinstatementStatus,
    REINSTATEMENT_TRANSITIONS,
    {ReinstatementStatus.ACCEPTED, ReinstatementStatus.REFERRED},
    refusal=N_("This is not possible while the reinstatement request is %(status)s."),
    labels="reinstatement_status",
)

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
    return (
        number.startswith(prefix)
        and len(body) == 13
        and body.isascii()
        and body.isdigit()
        and luhn_digit(body[:-1]) == body[-1]
    )


def cover_period(start: date, term_years: int | None) -> tuple[date, date | None]:
    """Cover from ``start`` to the day before its ``term_years``-th anniversary; whole-of-life cover has no expiry.

    Anniversaries are billing's (`billing.policy_anniversary`): one that does not exist in a year — 29 February
    in a common year — falls on 28 February. So the premium periods end exactly where the cover ends, and a
    renewal, which starts the day after expiry, starts on the anniversary: a one-year cover from 29 Feb 2028
    runs to 27 Feb 2029 and its renewal from 28 Feb 2029.
    """
    if term_years is None:
        return start, None
    return start, policy_anniversary(start, term_years) - timedelta(days=1)
