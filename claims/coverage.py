"""Coverage (pure): is the loss covered, and what does the cover pay — every step recorded for the customer.

Checks: the policy in force on the loss date; the loss not after the report; the waiting period (illness only —
accidents are covered from the first day); the annual limit not used up; something payable. Each check is a named
``Check`` with its figures, so a referral (or an adjuster's denial) can say exactly why.

The benefit: fixed benefits pay the cover's limit (or less when less is claimed, e.g. a disability grade);
daily benefits the days in hospital × the daily limit; expense benefits (billed − social insurance − deductible)
× co-insurance, within the per-claim limit and what is left of the annual limit across the approved claims of
the same coverage in the same policy year. A deductible stated ``per_year`` is used up by the earlier claims of
the policy year. Rounded once, half-up to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from claims.kinds import DAILY, EXPENSE, FIXED
from insure.money import format_amount, quantize

HUNDRED = Decimal(100)
ZERO = Decimal(0)
# the benefit kinds that accidents trigger: the waiting period never applies to them
ACCIDENT_KINDS = frozenset({"accident_death_disability", "trip_cancellation", "travel_delay"})
# a policy in one of these states covered losses within its period (an ended policy still answers for them)
COVERING_STATUSES = frozenset({"in_force", "expired", "matured"})


# the benefits a participating policy's account adds to: paid-up additions, reversionary and terminal bonuses
ACCOUNT_BENEFITS = frozenset({"death", "maturity"})


def cover_limit(sum_insured: Decimal, coverage: object, account_cover: Decimal = ZERO) -> Decimal:
    """A coverage's limit for a policy of this sum insured: the product's percentage of it (per claim and per policy
    year; for a daily benefit, per day). A death (or maturity) benefit of a participating policy also pays
    ``account_cover``: its paid-up additions' and bonuses' sum insured and the terminal bonus
    (accounts.exits.extra_cover, looked up before this rule)."""
    limit = quantize(sum_insured * coverage.percent_of_sum_insured / HUNDRED)  # type: ignore[attr-defined]
    if getattr(coverage, "benefit", "") in ACCOUNT_BENEFITS:
        limit += quantize(account_cover)
    return limit


def cny(amount: Decimal) -> str:
    return f"{format_amount(amount)} CNY"


@dataclass(frozen=True)
class Invoice:
    number: str
    issuer: str
    issued_on: date
    billed: Decimal
    social_insurance: Decimal


@dataclass(frozen=True)
class Cover:
    """The terms of one coverage of one policy, as the product file states them."""

    code: str
    kind: str  # claims.kinds code (the coverage's ``benefit``)
    pays: str  # FIXED, EXPENSE or DAILY
    limit: Decimal  # sum insured × percent_of_sum_insured: per claim and per policy year (daily: per day)
    deductible: Decimal = ZERO
    deductible_basis: str = "per_claim"
    coinsurance_percent: Decimal = HUNDRED
    coinsurance_percent_without_social_insurance: Decimal | None = None
    waiting_period_days: int = 0
    accident_product: bool = False  # a personal accident product: every claim is an accident


@dataclass(frozen=True)
class CoverageFacts:
    """What coverage looks at: the claim, its policy and the earlier claims of the same policy year."""

    cover: Cover
    claimed: Decimal
    loss_date: date
    reported_on: date
    policy_status: str
    cover_start: date
    cover_end: date
    event_end_date: date | None = None
    invoices: tuple[Invoice, ...] = ()
    paid_this_year: Decimal = ZERO  # approved or paid on the same coverage earlier in the policy year
    deductible_used_this_year: Decimal = ZERO  # per-year deductible borne by those earlier claims


@dataclass(frozen=True)
class Check:
    code: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class Benefit:
    payable: Decimal
    steps: tuple[tuple[str, Decimal], ...]  # (step, amount): the calculation the claimant sees
    notes: tuple[str, ...] = ()  # the same in words, with the rates used
    deductible_applied: Decimal = ZERO


@dataclass(frozen=True)
class CoverageResult:
    checks: tuple[Check, ...]
    benefit: Benefit
    covered: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "covered", all(c.passed for c in self.checks))

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)


def policy_year_start(cover_start: date, on: date) -> date:
    """The first day of the policy year that contains ``on`` (anniversaries of the cover start)."""
    years = on.year - cover_start.year - (1 if (on.month, on.day) < (cover_start.month, cover_start.day) else 0)
    years = max(0, years)
    return add_years(cover_start, years)


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February in a year that has none)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def is_accident(cover: Cover) -> bool:
    return cover.accident_product or cover.kind in ACCIDENT_KINDS


def in_force_on_loss_date(f: CoverageFacts) -> Check:
    code = "policy_in_force_on_loss_date"
    period = f"{f.cover_start.isoformat()} to {f.cover_end.isoformat()}"
    if f.policy_status not in COVERING_STATUSES:
        return Check(code, False, f"The policy's status is {f.policy_status!r}, not in force.")
    if not f.cover_start <= f.loss_date <= f.cover_end:
        return Check(code, False, f"The loss on {f.loss_date.isoformat()} is outside the period of cover {period}.")
    return Check(code, True, f"The loss on {f.loss_date.isoformat()} is within the period of cover {period}.")


def loss_not_in_future(f: CoverageFacts) -> Check:
    code = "loss_not_in_future"
    loss, reported = f.loss_date.isoformat(), f.reported_on.isoformat()
    if f.loss_date > f.reported_on:
        return Check(code, False, f"The loss date {loss} is after the claim was reported on {reported}.")
    return Check(code, True, f"The loss date {loss} is on or before the report date {reported}.")


def waiting_period_passed(f: CoverageFacts) -> Check:
    """Illness in the waiting period after the cover starts is not covered; accidents are exempt."""
    code = "waiting_period_passed"
    days = f.cover.waiting_period_days
    if days <= 0:
        return Check(code, True, "The product has no waiting period.")
    if is_accident(f.cover):
        return Check(
            code, True, f"Accidents are covered from the first day (the {days}-day waiting period is for illness)."
        )
    ends = f.cover_start + timedelta(days=days)
    if f.loss_date < ends:
        return Check(
            code,
            False,
            f"The illness on {f.loss_date.isoformat()} is within the {days}-day waiting period "
            f"ending {ends.isoformat()}.",
        )
    return Check(code, True, f"The {days}-day waiting period ended on {ends.isoformat()}.")


def annual_limit_left(f: CoverageFacts) -> Check:
    code = "annual_limit_left"
    if f.cover.pays == DAILY:
        return Check(code, True, f"A daily benefit of {cny(f.cover.limit)} a day, without an annual limit.")
    left = max(ZERO, f.cover.limit - f.paid_this_year)
    if left <= 0:
        return Check(
            code, False, f"The annual limit of {cny(f.cover.limit)} is used up by earlier claims of this policy year."
        )
    return Check(
        code, True, f"{cny(left)} of the annual limit of {cny(f.cover.limit)} is left ({cny(f.paid_this_year)} used)."
    )


def benefit_payable(benefit: Benefit) -> Check:
    """Nothing payable is never settled automatically: a denial needs an adjuster's reasoned notice."""
    code = "benefit_payable"
    if benefit.payable <= 0:
        return Check(
            code, False, "After social insurance, the deductible, co-insurance and the limits nothing is payable."
        )
    return Check(code, True, f"The benefit payable is {cny(benefit.payable)}.")


def days_in_hospital(loss_date: date, event_end_date: date | None) -> int:
    """Days of a stay: admission to discharge, counting the nights (a same-day stay counts as one day)."""
    if event_end_date is None or event_end_date <= loss_date:
        return 1
    return (event_end_date - loss_date).days


def compute_benefit(f: CoverageFacts) -> Benefit:
    cover = f.cover
    annual_left = max(ZERO, cover.limit - f.paid_this_year)
    if cover.pays == FIXED:  # the cover's amount; a claim for less (a disability graded below 100 %) pays that
        amount = min(cover.limit, f.claimed) if f.claimed > 0 else cover.limit
        payable = quantize(min(amount, annual_left))
        note = f"A fixed benefit: the cover's amount of {cny(cover.limit)}"
        if amount < cover.limit:
            note += f", of which {cny(amount)} is claimed"
        return Benefit(
            payable,
            (("fixed_benefit", amount), ("annual_limit_left", annual_left), ("payable", payable)),
            (note + ".",),
        )
    if cover.pays == DAILY:  # the limit is a daily amount; the product states no annual cap on it
        days = days_in_hospital(f.loss_date, f.event_end_date)
        payable = quantize(cover.limit * days)
        return Benefit(
            payable,
            (("daily_benefit", payable), ("payable", payable)),
            (f"{days} day(s) in hospital × {cny(cover.limit)} a day = {cny(payable)}.",),
        )
    assert cover.pays == EXPENSE, cover.pays
    if f.invoices:
        billed = sum((i.billed for i in f.invoices), ZERO)
        social = sum((i.social_insurance for i in f.invoices), ZERO)
    else:
        billed, social = f.claimed, ZERO
    after_social = max(ZERO, billed - social)
    deductible = cover.deductible
    notes = []
    if cover.deductible_basis == "per_year":
        deductible = max(ZERO, cover.deductible - f.deductible_used_this_year)
        notes.append(
            f"The annual deductible of {cny(cover.deductible)}: {cny(f.deductible_used_this_year)} already borne by "
            f"earlier claims of this policy year, {cny(deductible)} left."
        )
    applied = min(deductible, after_social)
    after_deductible = after_social - applied
    with_social = social > 0
    percent = cover.coinsurance_percent
    if not with_social and cover.coinsurance_percent_without_social_insurance is not None:
        percent = cover.coinsurance_percent_without_social_insurance
    notes.append(
        f"Co-insurance {percent} % "
        + ("(social insurance paid part of the invoices)." if with_social else "(no social insurance paid).")
    )
    share = quantize(after_deductible * percent / HUNDRED)
    within_claim = min(share, cover.limit)
    payable = quantize(min(within_claim, annual_left))
    steps = (
        ("billed", billed),
        ("social_insurance", social),
        ("deductible", applied),
        ("after_deductible", after_deductible),
        ("insurer_share", share),
        ("within_limit", within_claim),
        ("annual_limit_left", annual_left),
        ("payable", payable),
    )
    return Benefit(payable, steps, tuple(notes), applied)


def assess_coverage(f: CoverageFacts) -> CoverageResult:
    """Every check (never stopping early, so the record shows all reasons) and the benefit."""
    benefit = compute_benefit(f)
    checks = (
        in_force_on_loss_date(f),
        loss_not_in_future(f),
        waiting_period_passed(f),
        annual_limit_left(f),
        benefit_payable(benefit),
    )
    return CoverageResult(checks, benefit)
