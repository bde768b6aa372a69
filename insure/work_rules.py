"""How many times background work is tried before a person must look at it (pure: no database, no Celery).

Every kind of background work (a claim step, a gateway settlement, a document rendering, an e-mail) is counted
per business item: an attempt is counted when it *starts*, so a failure before the real work (the row cannot be
loaded, the input is unusable) and a worker that dies mid-way both count. After ``cap_for(kind)`` unfinished
attempts the item is parked as ``needs_attention`` with its last error; only staff start it again.
"""

from __future__ import annotations

from enum import StrEnum

DEFAULT_CAP = 5
# Money moves through a gateway that may be briefly unavailable: a few more tries before a person looks.
CAPS: dict[str, int] = {
    "payments.sandbox_settle": 8,
    "payments.sandbox_refund": 8,
    "payments.sandbox_payout": 8,
}
CRASHED = "the worker stopped during the attempt (crash or restart)"


class WorkStatus(StrEnum):
    RUNNING = "running"  # an attempt started and has not reported back (yet)
    FAILED = "failed"  # the last attempt raised; the reconciler tries it again
    NEEDS_ATTENTION = "needs_attention"  # parked after the cap: only staff retry it
    DONE = "done"


TRANSITIONS: dict[WorkStatus, frozenset[WorkStatus]] = {
    WorkStatus.RUNNING: frozenset({WorkStatus.RUNNING, WorkStatus.FAILED, WorkStatus.NEEDS_ATTENTION, WorkStatus.DONE}),
    WorkStatus.FAILED: frozenset({WorkStatus.RUNNING, WorkStatus.NEEDS_ATTENTION, WorkStatus.DONE}),
    WorkStatus.NEEDS_ATTENTION: frozenset({WorkStatus.FAILED}),  # a staff retry (resets the count)
    WorkStatus.DONE: frozenset({WorkStatus.RUNNING}),
}


def cap_for(kind: str) -> int:
    return CAPS.get(kind, DEFAULT_CAP)


def may_start(status: str | None, attempts: int, cap: int) -> bool:
    """May another attempt start? Not once parked, and not when ``cap`` attempts already started unfinished."""
    if status == WorkStatus.NEEDS_ATTENTION:
        return False
    if status == WorkStatus.DONE or status is None:
        return True
    return attempts < cap


def after_failure(attempts: int, cap: int) -> WorkStatus:
    """The status after an attempt (the ``attempts``-th in a row) failed."""
    return WorkStatus.NEEDS_ATTENTION if attempts >= cap else WorkStatus.FAILED
