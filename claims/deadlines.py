"""The statutory clocks on a claim (Insurance Law art. 22-25), pure: what is due when, and when to warn or escalate.

- ``documents_notice``: tell the claimant at once, in one list, what is missing (art. 22). The clock starts on
  the day the claim was reported; it is met when the list was sent. Only a claim found incomplete has it.
- ``decide``: decide within 30 days of a complete claim (art. 23): from ``complete_on`` (or the day it was
  reported when it was complete at filing), plus the days the clock stood still while the adjuster waited for
  information (``paused_days``, and the days of a request still open). Met by the approval or the denial.
- ``pay``: pay within 10 days of the agreement (art. 23): from the day of the approval; met when paid.
- ``denial_notice``: a reasoned denial notice within 3 days of deciding (art. 24): from the day of the denial;
  met when the notice (with its letter) went out.

Each clock warns the adjuster at 80 % of its window (the first day at or past it) and is escalated to the claims
manager once its due day has passed. Days are whole business days of the demo clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

DOCUMENTS_NOTICE, DECIDE, PAY, DENIAL_NOTICE = "documents_notice", "decide", "pay", "denial_notice"
KINDS = (DOCUMENTS_NOTICE, DECIDE, DENIAL_NOTICE, PAY)
WINDOW_DAYS = {DOCUMENTS_NOTICE: 1, DECIDE: 30, PAY: 10, DENIAL_NOTICE: 3}
WARN_SHARE = 0.8  # warn the adjuster at 80 % of the window

# the statuses in which the decision clock runs (it has not started while documents are awaited, it stands
# still while information is requested, and it has stopped once decided)
DECIDING = frozenset({"submitted", "assessing", "referred", "awaiting_approval"})


@dataclass(frozen=True)
class ClaimClock:
    """The facts of one claim the clocks are computed from (dates are business days)."""

    status: str
    reported_on: date
    complete_on: date | None = None
    documents_requested_on: date | None = None  # the claim was found incomplete (awaiting documents) on this day
    documents_told_at: datetime | None = None  # the one list of missing documents went out
    paused_days: int = 0  # closed pauses of the decision clock (information requested, then answered)
    info_requested_on: date | None = None  # an open request for information (status info_requested)
    approved_at: datetime | None = None  # the agreement (automated or an adjuster's approval)
    approved_on: date | None = None  # its business day
    denied_at: datetime | None = None
    denied_on: date | None = None
    reopened_on: date | None = None  # a denial reopened: the decision clock starts again
    denial_told_at: datetime | None = None  # the reasoned denial notice went out
    paid_at: datetime | None = None


@dataclass(frozen=True)
class Deadline:
    kind: str
    starts_on: date
    due_on: date
    met_at: datetime | None = None

    @property
    def window_days(self) -> int:
        return (self.due_on - self.starts_on).days

    @property
    def warn_on(self) -> date:
        """The first day at or past 80 % of the window."""
        return self.starts_on + timedelta(days=math.ceil(self.window_days * WARN_SHARE))

    def days_left(self, today: date) -> int:
        """Whole days until the due day (0 on it, negative once passed)."""
        return (self.due_on - today).days

    def at_risk(self, today: date) -> bool:
        return self.met_at is None and self.warn_on <= today <= self.due_on

    def passed(self, today: date) -> bool:
        return self.met_at is None and today > self.due_on


def decision_starts_on(c: ClaimClock) -> date | None:
    """When the 30 days start: the claim's completion, or its filing when nothing was missing; None while awaited."""
    if c.reopened_on is not None:
        return c.reopened_on
    if c.complete_on is not None:
        return c.complete_on
    if c.documents_requested_on is not None or c.status == "awaiting_documents":
        return None
    return c.reported_on


def paused(c: ClaimClock, today: date) -> int:
    """Days the decision clock stood still: the closed pauses and the open request for information."""
    open_days = (today - c.info_requested_on).days if c.status == "info_requested" and c.info_requested_on else 0
    return c.paused_days + max(open_days, 0)


def deadlines(c: ClaimClock, today: date) -> list[Deadline]:
    """Every clock that has started on this claim, in KINDS order, each with its due day and when it was met."""
    found: list[Deadline] = []
    if c.documents_requested_on is not None:
        start = c.reported_on
        found.append(
            Deadline(
                DOCUMENTS_NOTICE, start, start + timedelta(days=WINDOW_DAYS[DOCUMENTS_NOTICE]), c.documents_told_at
            )
        )
    start = decision_starts_on(c)
    if start is not None:
        decided = c.denied_at or c.approved_at
        due = start + timedelta(days=WINDOW_DAYS[DECIDE] + paused(c, today))
        found.append(Deadline(DECIDE, start, due, decided))
    if c.denied_at is not None:
        start = c.denied_on or c.denied_at.date()
        found.append(
            Deadline(DENIAL_NOTICE, start, start + timedelta(days=WINDOW_DAYS[DENIAL_NOTICE]), c.denial_told_at)
        )
    if c.approved_at is not None:
        start = c.approved_on or c.approved_at.date()
        found.append(Deadline(PAY, start, start + timedelta(days=WINDOW_DAYS[PAY]), c.paid_at))
    return found


def decide_by(c: ClaimClock, today: date) -> date | None:
    """The day by which the claimant will hear our decision (None once decided, or before the clock starts)."""
    if c.denied_at is not None or c.approved_at is not None:
        return None
    return next((d.due_on for d in deadlines(c, today) if d.kind == DECIDE), None)


def running(d: Deadline, status: str) -> bool:
    """Whether the clock runs now: the decision clock stands still while information is requested."""
    return d.met_at is None and not (d.kind == DECIDE and status == "info_requested")


def should_warn(d: Deadline, status: str, today: date, warned_at: datetime | None) -> bool:
    """Warn once, from 80 % of the window, while the clock runs (a clock already past is escalated instead)."""
    return warned_at is None and running(d, status) and today >= d.warn_on


def should_escalate(d: Deadline, status: str, today: date, escalated_at: datetime | None) -> bool:
    """Escalate once, the day after the due day, while still not met."""
    return escalated_at is None and running(d, status) and today > d.due_on
