"""Counting every attempt of background work, parking it after a cap, and staff retries (one mechanism for
every kind: claim steps, gateway settlements, documents, e-mails).

One row per (kind, business id): the kind is the Celery task name, the business id its one argument. A task
runs its service through ``attempt``: the attempt is counted before anything else, so an unusable input or a
worker that dies half-way counts too; success marks the row done, a failure records the error and, at the
kind's cap (``work_rules.cap_for``), parks it as ``needs_attention``. Parked work is never started again by a
message or by the reconciler; staff retry it (``retry``), which resets the count and enqueues the task through
the outbox in the same transaction. Parking and retries write an event row (who, when, why).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from insure import clock
from insure.errors import N_, Conflict, NotFound
from insure.tables_base import fk, timestamp_now
from insure.work_rules import CRASHED, WorkStatus, after_failure, cap_for, may_start

log = logging.getLogger(__name__)
T = TypeVar("T")
WORKER = "system:worker"
RETRY_AFTER = timedelta(minutes=2)  # a failed attempt is tried again by the reconciler after this long
# Times here are wall-clock (clock.real_now): retries are about the machinery, not business dates, so moving the
# demo clock neither makes every failed attempt due at once nor compares times written under two offsets.


# What each kind of work is, for the staff list (translated when shown).
KIND_LABELS: dict[str, str] = {
    "claims.assess": N_("Claim assessment"),
    "claims.pay": N_("Claim payment"),
    "payments.sandbox_settle": N_("Gateway charge"),
    "payments.sandbox_refund": N_("Refund"),
    "payments.sandbox_payout": N_("Payout"),
    "documents.render_policy_schedule": N_("Policy schedule and its e-mail"),
    "documents.render_illustration": N_("Benefit illustration PDF"),
    "policies.reinstatement_notice": N_("Reinstatement decision e-mail"),
    "policies.premium_notice": N_("Premium due e-mail"),
    "policies.renewal_offer_notice": N_("Renewal offer e-mail"),
    # one row of a billing job (insure.batch, insure.policies.jobs) that failed: its business id is the row's id
    "batch.notify_due.row": N_("Queueing a premium due notice"),
    "batch.lapse.row": N_("Lapse of a policy after grace"),
    "batch.collect.row": N_("Collection of a premium from the saved card"),
    "batch.expire_stale_applications.row": N_("Withdrawal of revised terms not accepted"),
    "batch.expire_unpaid_policies.row": N_("Cancellation of a policy not paid"),
    "batch.offer_renewals.row": N_("Renewal offer"),
    "batch.end_of_term.row": N_("Maturity or expiry of a policy"),
    "batch.anniversaries.row": N_("Anniversary of a policy"),
    "claims.notify": N_("Claim notice e-mail"),
    "claims.deadline_warning": N_("Claim deadline warning e-mail"),
    "claims.deadline_escalation": N_("Claim deadline escalation e-mail"),
    "batch.claim_deadlines.row": N_("Deadlines of a claim"),
    "batch.credit_dividends.row": N_("Crediting a declared dividend"),  # insure.accounts.jobs
    "accounts.notice_email": N_("Annual dividend notice e-mail"),  # insure.accounts.notice_tasks
    "documents.render_dividend_notice": N_("Annual dividend notice PDF"),
}


class WorkAttempt(Table):
    work_key = Varchar(length=180, unique=True, index=True)  # "<kind>:<business id>"
    kind = Varchar(length=80, index=True)  # the task name, e.g. "claims.assess"
    business_id = Varchar(length=80)
    args = Text(default="[]")  # the task's arguments as JSON (ids keep their type)
    status = Varchar(length=20, default=WorkStatus.RUNNING, index=True)
    attempts = Integer(default=0)  # attempts started since the last success or staff retry
    last_error = Varchar(length=255, default="")
    started_at = Timestamptz(null=True, default=None)
    updated_at = timestamp_now()


class WorkAttemptEvent(Table):
    """Audit of parking (by the worker) and retries (by staff)."""

    work = fk(WorkAttempt)
    from_status = Varchar(length=20)
    to_status = Varchar(length=20)
    actor = Varchar(length=64)
    reason = Varchar(length=255, default="")
    at = timestamp_now()


def work_key(kind: str, business_id: object) -> str:
    return f"{kind}:{business_id}"


async def find(kind: str, business_id: object) -> dict | None:
    return await WorkAttempt.select().where(WorkAttempt.work_key == work_key(kind, business_id)).first()


async def begin(kind: str, business_id: object) -> bool:
    """Count an attempt that is about to start; False when it must not run (parked, or parked just now)."""
    key, now = work_key(kind, business_id), clock.real_now()
    row = await find(kind, business_id)
    if row is None:
        try:
            await WorkAttempt.insert(
                WorkAttempt(
                    work_key=key,
                    kind=kind,
                    business_id=str(business_id)[:80],
                    args=json.dumps([business_id]),
                    status=WorkStatus.RUNNING,
                    attempts=1,
                    started_at=now,
                    updated_at=now,
                )
            )
            return True
        except Exception:  # a duplicate message started the same work at the same moment
            row = await find(kind, business_id)
            if row is None:
                raise
    if not may_start(row["status"], row["attempts"], cap_for(kind)):
        if row["status"] == WorkStatus.RUNNING:  # the cap was reached by attempts that never reported back
            await _park(row, row["last_error"] or CRASHED)
        return False
    attempts = 1 if row["status"] == WorkStatus.DONE else row["attempts"] + 1
    won = (
        await WorkAttempt.update(
            {
                WorkAttempt.status: WorkStatus.RUNNING,
                WorkAttempt.attempts: attempts,
                WorkAttempt.started_at: now,
                WorkAttempt.updated_at: now,
            }
        )
        .where(
            (WorkAttempt.id == row["id"])
            & (WorkAttempt.status == row["status"])
            & (WorkAttempt.attempts == row["attempts"])
        )
        .returning(WorkAttempt.id)
    )
    return bool(won) or await begin(kind, business_id)  # lost a race with a duplicate: look again


async def succeeded(kind: str, business_id: object) -> None:
    await WorkAttempt.update(
        {WorkAttempt.status: WorkStatus.DONE, WorkAttempt.attempts: 0, WorkAttempt.updated_at: clock.real_now()}
    ).where(
        (WorkAttempt.work_key == work_key(kind, business_id))
        & WorkAttempt.status.is_in([WorkStatus.RUNNING, WorkStatus.FAILED])
    )


async def failed(kind: str, business_id: object, exc: BaseException) -> None:
    """Record why the attempt failed; at the kind's cap the work is parked."""
    row = await find(kind, business_id)
    if row is None or row["status"] == WorkStatus.NEEDS_ATTENTION:
        return
    error = (f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)[:255]
    cap = cap_for(kind)
    log.error("%s failed (attempt %d of %d): %s", row["work_key"], row["attempts"], cap, error)
    if after_failure(row["attempts"], cap) == WorkStatus.NEEDS_ATTENTION:
        await _park(row, error)
        return
    await WorkAttempt.update(
        {WorkAttempt.status: WorkStatus.FAILED, WorkAttempt.last_error: error, WorkAttempt.updated_at: clock.real_now()}
    ).where((WorkAttempt.id == row["id"]) & (WorkAttempt.attempts == row["attempts"]))


async def _park(row: dict, error: str) -> None:
    from insure.db import transaction
    from insure.state import transition

    log.error("%s parked as needs_attention after %d attempts: %s", row["work_key"], row["attempts"], error)
    try:
        async with transaction():
            await transition(
                WorkAttempt,
                row["id"],
                row["status"],
                WorkStatus.NEEDS_ATTENTION,
                event_table=WorkAttemptEvent,
                event_owner="work",
                actor=WORKER,
                reason=error,
                values={WorkAttempt.last_error: error, WorkAttempt.updated_at: clock.real_now()},
            )
    except Conflict:  # a duplicate attempt recorded it meanwhile
        pass


async def attempt(kind: str, business_id: object, work: Callable[[], Awaitable[T]]) -> T | None:
    """Run one attempt of ``kind`` for ``business_id``, counted; parked work is skipped (returns None)."""
    if not await begin(kind, business_id):
        log.warning("%s is parked (needs attention); not started", work_key(kind, business_id))
        return None
    try:
        result = await work()
    except Exception as exc:
        await failed(kind, business_id, exc)
        raise
    await succeeded(kind, business_id)
    return result


def run_counted(kind: str, business_id: object, step: Callable[[], Awaitable[T]]) -> T | None:
    """For Celery tasks: run one counted attempt on this worker process's event loop (``insure.worker.run``).
    Every task that does business work goes through here, so nothing is retried without limit."""
    from insure.worker import run

    return run(attempt(kind, business_id, step))


async def parked() -> set[tuple[str, str]]:
    """(kind, business id) of every parked item: the reconciler leaves these alone."""
    rows = await WorkAttempt.select(WorkAttempt.kind, WorkAttempt.business_id).where(
        WorkAttempt.status == WorkStatus.NEEDS_ATTENTION
    )
    return {(r["kind"], r["business_id"]) for r in rows}


async def due_again(older_than: timedelta = RETRY_AFTER) -> list[tuple[str, Any]]:
    """Work whose last attempt failed, or never reported back, a while ago: (task, argument) to enqueue again."""
    rows = await WorkAttempt.select(WorkAttempt.kind, WorkAttempt.args).where(
        WorkAttempt.status.is_in([WorkStatus.FAILED, WorkStatus.RUNNING])
        & (WorkAttempt.started_at < clock.real_now() - older_than)
    )
    return [(r["kind"], *json.loads(r["args"])) for r in rows]


def is_known(kind: str, business_id: str = "0") -> bool:
    """A kind of work we run and a business id as we write them (printable ASCII, at most 80 characters)."""
    return kind in KIND_LABELS and 0 < len(business_id) <= 80 and business_id.isascii() and business_id.isprintable()


async def needing_attention(kinds: tuple[str, ...] = ()) -> list[dict]:
    """Parked work, oldest first (optionally only some kinds), each with when and why it was parked."""
    query = WorkAttempt.select().where(WorkAttempt.status == WorkStatus.NEEDS_ATTENTION)
    if kinds:
        known = [k for k in kinds if is_known(k)]  # an unknown (or hostile) kind matches nothing, unqueried
        if not known:
            return []
        query = query.where(WorkAttempt.kind.is_in(known))
    return await query.order_by(WorkAttempt.updated_at).order_by(WorkAttempt.id)


async def retry(user: dict, kind: str, business_id: str) -> dict:
    """Staff: reset the count of parked work and enqueue it again (in one transaction, through the outbox)."""
    from insure import outbox
    from insure.db import for_update, transaction
    from insure.state import transition

    if not is_known(kind, business_id):  # checked before any query: a hostile path never reaches the database
        raise NotFound(N_("No such background work."), code="work_not_found")
    async with transaction():
        row = await for_update(WorkAttempt.select().where(WorkAttempt.work_key == work_key(kind, business_id))).first()
        if row is None:
            raise NotFound(N_("No such background work."), code="work_not_found")
        if row["status"] != WorkStatus.NEEDS_ATTENTION:
            raise Conflict(N_("Only work that needs attention can be retried."), code="work_not_parked")
        now = clock.real_now()
        await transition(
            WorkAttempt,
            row["id"],
            WorkStatus.NEEDS_ATTENTION,
            WorkStatus.FAILED,
            event_table=WorkAttemptEvent,
            event_owner="work",
            actor=f"user:{user['id']}",
            reason="retried by staff",
            values={WorkAttempt.attempts: 0, WorkAttempt.started_at: now, WorkAttempt.updated_at: now},
        )
        await outbox.enqueue(kind, *json.loads(row["args"]))
    return await WorkAttempt.select().where(WorkAttempt.id == row["id"]).first()  # type: ignore[return-value]


async def events(work_id: int) -> list[dict]:
    return await WorkAttemptEvent.select().where(WorkAttemptEvent.work == work_id).order_by(WorkAttemptEvent.id)
