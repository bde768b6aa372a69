"""Premium billing dates and amounts (pure): schedules, grace and lapse, free-look, reinstatement arrears.

Everything here is a function of its arguments — no database, no clock — so the beat-schedule scans, the policy
pages, the due notices and the tests all agree on the same dates and the same fen. Amounts are `Decimal` (floats
are a `TypeError`, as everywhere in `insure.money`), dates are `datetime.date`, and every day count is inclusive
of the boundary day, because "the last day you can still pay" is what a customer is told.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from insure.money import MoneyError, allocate, from_fen, to_fen

FREQUENCY_MONTHS: dict[str, int] = {"annual": 12, "semi_annual": 6, "quarterly": 3, "monthly": 1}
GRACE_DAYS_DEFAULT = 60
REINSTATEMENT_WINDOW_YEARS = 2
DAYS_A_YEAR = 365  # simple interest on arrears counts actual days over a fixed 365, as the notice states


@dataclass(frozen=True)
class Instalment:
    """One premium payment: due on the first day of the period it pays for."""

    number: int  # 1-based across the whole schedule
    due_date: date
    period_start: date
    period_end: date  # inclusive: the day before the next period starts
    amount: Decimal
    policy_year: int  # 1-based


@dataclass(frozen=True)
class Arrears:
    """What a lapsed policyholder must pay to reinstate: the missed premiums plus interest on them."""

    instalments: tuple[Instalment, ...]
    premium: Decimal
    interest: Decimal
    total: Decimal


def _require_date(value: object, name: str) -> date:
    # A datetime is a date subclass; letting one in would mix times into day arithmetic and comparisons.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date, not {type(value).__name__}")
    return value


def _require_int(value: object, name: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def _require_amount(value: Decimal, name: str) -> Decimal:
    """An exact, non-negative amount in whole fen (to_fen refuses floats and sub-fen digits)."""
    fen = to_fen(value)
    if fen < 0:
        raise MoneyError("negative_amount", f"{name} may not be negative")
    return from_fen(fen)


def _months_per_payment(frequency: str) -> int:
    try:
        return FREQUENCY_MONTHS[frequency]
    except (KeyError, TypeError):
        expected = ", ".join(FREQUENCY_MONTHS)
        raise ValueError(f"unknown payment frequency {frequency!r}; expected one of {expected}") from None


def add_months(day: date, months: int) -> date:
    """The same day-of-month `months` calendar months later, clamped to the month's last day.

    Callers always step from the original anchor (anchor + k·months), never from the previous result: chaining
    would turn a 31 January policy into a 28th-of-the-month policy forever after February.
    """
    _require_date(day, "day")
    _require_int(months, "months")
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def policy_anniversary(effective: date, years: int) -> date:
    """The `years`-th anniversary of the cover's start: the same date, or — for a 29 February start in a common
    year — the month's last day, 28 February (never 1 March). Policy years, premium periods and the end of
    cover (the day before the last anniversary, `model.cover_period`) are all counted from these dates."""
    return add_months(effective, 12 * _require_int(years, "years"))


def completed_years(effective: date, on: date) -> int:
    """Whole policy years completed on `on`: how many anniversaries after `effective` have been reached."""
    _require_date(on, "on")
    years = max(on.year - _require_date(effective, "effective").year, 0)
    while years > 0 and policy_anniversary(effective, years) > on:
        years -= 1
    return years


def _periods(effective: date, frequency: str, premium_term_years: int) -> list[tuple[date, date, int]]:
    """(start, inclusive end, policy year) of every premium period; each end is the day before the next start."""
    _require_date(effective, "effective")
    months = _months_per_payment(frequency)
    _require_int(premium_term_years, "premium_term_years", 1)
    per_year = 12 // months
    starts = [add_months(effective, k * months) for k in range(premium_term_years * per_year + 1)]
    return [(starts[k], starts[k + 1] - timedelta(days=1), k // per_year + 1) for k in range(len(starts) - 1)]


def schedule(effective: date, frequency: str, premium_term_years: int, per_payment: Decimal) -> tuple[Instalment, ...]:
    """Regular premiums of `per_payment` each (already including any modal loading), due at each period's start.

    A single premium is `frequency="annual", premium_term_years=1`.
    """
    amount = _require_amount(per_payment, "per_payment")
    return tuple(
        Instalment(number, start, start, end, amount, year)
        for number, (start, end, year) in enumerate(_periods(effective, frequency, premium_term_years), start=1)
    )


def split_schedule(
    effective: date, frequency: str, premium_term_years: int, annual_premium: Decimal
) -> tuple[Instalment, ...]:
    """For products without a modal loading: each policy year's premium split into equal instalments.

    `allocate` rounds every instalment but the year's last down to the fen and gives the remainder to the last,
    so what a customer pays in a policy year is exactly the annual premium on their schedule (100.00 monthly is
    eleven 8.33 and one 8.37), and no instalment is ever negative.
    """
    annual = _require_amount(annual_premium, "annual_premium")
    periods = _periods(effective, frequency, premium_term_years)
    per_year = 12 // FREQUENCY_MONTHS[frequency]
    parts = allocate(annual, [1] * per_year)
    return tuple(
        Instalment(number, start, start, end, parts[(number - 1) % per_year], year)
        for number, (start, end, year) in enumerate(periods, start=1)
    )


def grace_ends(due_date: date, grace_days: int) -> date:
    """The last day a late payment still keeps the policy in force: the due date plus the grace days."""
    _require_date(due_date, "due_date")
    return due_date + timedelta(days=_require_int(grace_days, "grace_days", 0))


def lapses_on(due_date: date, grace_days: int) -> date:
    """The first day without cover when an instalment stays unpaid: the day after grace ends."""
    return grace_ends(due_date, grace_days) + timedelta(days=1)


def is_lapsed(unpaid_due_date: date, grace_days: int, on: date) -> bool:
    """Whether an instalment still unpaid on `on` has lapsed the policy (the grace's last day is still covered)."""
    return _require_date(on, "on") > grace_ends(unpaid_due_date, grace_days)


def free_look_ends(delivered_on: date, days: int) -> date:
    """The last day the policyholder may cancel for a refund: the delivery day plus the free-look days."""
    _require_date(delivered_on, "delivered_on")
    return delivered_on + timedelta(days=_require_int(days, "days", 0))


def in_free_look(delivered_on: date, days: int, on: date) -> bool:
    """Whether `on` falls in the free-look period; a product with 0 days (e.g. short-term cover) has none."""
    end = free_look_ends(delivered_on, days)
    return days > 0 and delivered_on <= _require_date(on, "on") <= end


def refund_on_free_look(premiums_paid: Decimal, cost: Decimal) -> Decimal:
    """The full premium back less the product's stated small cost — never negative, even if the cost exceeds it."""
    paid = _require_amount(premiums_paid, "premiums_paid")
    deduction = _require_amount(cost, "cost")
    return max(paid - deduction, from_fen(0))


def _round_half_up_to_fen(value: Fraction) -> Decimal:
    """Round an exact non-negative amount half-up to the fen (the one rounding, done once at the edge)."""
    return from_fen(math.floor(value * 100 + Fraction(1, 2)))


def reinstatement_arrears(unpaid: Sequence[Instalment], on: date, annual_interest_rate: Decimal) -> Arrears:
    """Missed premiums plus simple interest on each from its due date to `on` (actual days / 365).

    Each instalment's interest is kept exact and only the sum is rounded, so the total does not depend on how many
    instalments were missed (rounding each would let twelve monthly fractions drift by several fen). Instalments
    not yet due on `on` are refused rather than dropped: they are not arrears, and a caller passing them has a bug
    (select what has fallen due with `due_between`).
    """
    _require_date(on, "on")
    if isinstance(annual_interest_rate, bool) or not isinstance(annual_interest_rate, Decimal | int):
        raise TypeError(f"annual_interest_rate must be a Decimal, not {type(annual_interest_rate).__name__}")
    rate = Decimal(annual_interest_rate)
    if not rate.is_finite() or rate < 0:
        raise ValueError(f"annual_interest_rate must be a finite non-negative Decimal, got {rate}")
    items = tuple(unpaid)
    numbers = [i.number for i in items]
    if len(set(numbers)) != len(numbers):
        raise ValueError("the same instalment is listed twice; it would be charged twice")
    premium_fen = 0
    interest = Fraction(0)
    for item in items:
        if item.due_date > on:
            raise ValueError(f"instalment {item.number} is due {item.due_date}, after {on}: it is not in arrears")
        premium_fen += to_fen(item.amount)
        days = (on - item.due_date).days
        interest += Fraction(item.amount) * Fraction(rate) * days / DAYS_A_YEAR
    premium = from_fen(premium_fen)
    rounded = _round_half_up_to_fen(interest)
    return Arrears(items, premium, rounded, premium + rounded)


def can_reinstate(lapsed_on: date, on: date) -> bool:
    """Whether a policy that lapsed on `lapsed_on` may still be reinstated on `on` (two calendar years, inclusive)."""
    _require_date(lapsed_on, "lapsed_on")
    last_day = add_months(lapsed_on, 12 * REINSTATEMENT_WINDOW_YEARS)
    return lapsed_on <= _require_date(on, "on") <= last_day


def due_between(instalments: Iterable[Instalment], start: date, end: date) -> tuple[Instalment, ...]:
    """Instalments falling due from `start` to `end`, both inclusive, in schedule order (billing scans, notices)."""
    _require_date(start, "start")
    _require_date(end, "end")
    if start > end:
        raise ValueError(f"the window starts {start}, after it ends {end}")
    return tuple(sorted((i for i in instalments if start <= i.due_date <= end), key=lambda i: (i.due_date, i.number)))
