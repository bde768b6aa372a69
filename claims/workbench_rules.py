"""The adjuster's workbench, its pure part: the decision clock (days left, at risk, overdue), the remaining limits
of a policy's covers, why a claim was referred, and the queue's filters. No framework imports.

The decision clock (Insurance Law art. 23): 30 days from the day the claim was complete (the day it was reported
while documents are awaited), plus the days it stood still while the claimant was asked for more information.
A claim is *at risk* once 80 % of its window is used and *overdue* once the last day has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from claims.coverage import add_years, policy_year_start
from claims.deadlines import DECIDE, WINDOW_DAYS

DECISION_DAYS = WINDOW_DAYS[DECIDE]  # the statutory decision window (claims.deadlines)
AT_RISK_SHARE = Decimal("0.8")
# the statuses an adjuster still works on (the queue); awaiting documents may be taken when they do not come
OPEN_STATUSES = ("referred", "info_requested", "awaiting_approval", "awaiting_documents")
TAKEABLE_STATUSES = ("referred", "awaiting_documents")  # an unassigned claim an adjuster may take
# the sort orders of the queue
SORTS = ("urgency", "amount", "score", "newest")


def urgency(days: int) -> str:
    """``overdue`` (past the last day), ``at_risk`` (80 % of the 30-day window used: 6 days or fewer left) or
    ``on_time``."""
    if days < 0:
        return "overdue"
    if Decimal(DECISION_DAYS - days) >= AT_RISK_SHARE * DECISION_DAYS:
        return "at_risk"
    return "on_time"


def paused_for(asked_on: date, answered_on: date) -> int:
    """The days the clock stood still for one request for information (at least one when answered later)."""
    return max(0, (answered_on - asked_on).days)


def policy_year(effective: date, today: date) -> tuple[date, date]:
    """The policy year containing ``today``: from the last anniversary of ``effective`` to the day before the
    next (the same years the assessment counts annual limits in, claims.coverage)."""
    start = policy_year_start(effective, today)
    return start, add_years(start, 1) - timedelta(days=1)


@dataclass(frozen=True)
class LimitLeft:
    """One cover of a policy: its limit, what was approved or paid on it this policy year, what remains."""

    code: str
    limit_fen: int
    used_fen: int

    @property
    def remaining_fen(self) -> int:
        return max(0, self.limit_fen - self.used_fen)


def remaining_limits(limits: dict[str, int], used: list[tuple[str, int]]) -> list[LimitLeft]:
    """Per cover code (in the product's order): its limit, the amounts approved or paid on it this policy year
    (``used``: (cover code, fen) of each such claim), and what remains (never below 0)."""
    totals: dict[str, int] = dict.fromkeys(limits, 0)
    for code, fen in used:
        if code in totals:
            totals[code] += fen
    return [LimitLeft(code, limit, totals[code]) for code, limit in limits.items()]


def referral_reasons(reasons: list, assessment: list) -> list[str]:
    """Why a claim was referred: the reasons recorded at referral, else the rules that did not pass."""
    shown = [str(r.get("reason") or r.get("code")) if isinstance(r, dict) else str(r) for r in reasons or []]
    if shown:
        return shown
    return [str(r.get("reason") or r.get("code")) for r in assessment or [] if isinstance(r, dict) and not r["passed"]]


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters (all optional) and its sort order."""

    status: str = ""
    kind: str = ""
    product: str = ""
    insurer: str = ""
    min_fen: int | None = None
    max_fen: int | None = None
    min_score: int | None = None
    due_within: int | None = None  # days left at most
    sort: str = "urgency"

    def keeps(self, row: dict) -> bool:
        checks = (
            not self.status or row["status"] == self.status,
            not self.kind or row["kind"] == self.kind,
            not self.product or row["product_code"] == self.product,
            not self.insurer or row["insurer_code"] == self.insurer,
            self.min_fen is None or row["amount_fen"] >= self.min_fen,
            self.max_fen is None or row["amount_fen"] <= self.max_fen,
            self.min_score is None or row["fraud_score"] >= self.min_score,
            self.due_within is None or row["days_left"] <= self.due_within,
        )
        return all(checks)


def sort_rows(rows: list[dict], sort: str) -> list[dict]:
    """Urgency: fewest days left first (then the oldest claim); amount and score: highest first; newest."""
    if sort == "amount":
        return sorted(rows, key=lambda r: (-r["amount_fen"], r["id"]))
    if sort == "score":
        return sorted(rows, key=lambda r: (-r["fraud_score"], r["days_left"], r["id"]))
    if sort == "newest":
        return sorted(rows, key=lambda r: -r["id"])
    return sorted(rows, key=lambda r: (r["days_left"], r["id"]))
