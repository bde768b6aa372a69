"""The daily batch job of the statutory claim deadlines (``claim_deadlines``, insure.batch): for every claim still
running (and those decided or paid lately), the ClaimDeadline rows are brought up to date (due day, met), and a
clock at 80 % of its window warns the adjuster, one past its due day is escalated to the claims manager — once
each (``warned_at`` / ``escalated_at`` are set by a guarded update in the same transaction as the e-mail's outbox
row), so the job is idempotent and a resumed run sends nothing twice. The arithmetic is claims.deadlines.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from claims import deadlines
from claims.deadlines import ClaimClock, Deadline
from claims.notice_tables import ClaimNotice
from claims.tables import Claim, ClaimDeadline, ClaimEvent
from insure import batch, clock, outbox
from insure.db import for_update, transaction
from insure.errors import N_
from insure.settings import get_settings

JOB = "claim_deadlines"
WARN_TASK, ESCALATE_TASK = "claims.deadline_warning", "claims.deadline_escalation"
SETTLED = ["paid", "denied"]
RECENT = timedelta(days=15)  # a claim decided or paid this recently is looked at again (its last clocks met)


def local_day(moment: datetime | None) -> date | None:
    """The business day of an instant, in the insurer's time zone (as clock.today())."""
    return moment.astimezone(ZoneInfo(get_settings().timezone)).date() if moment is not None else None


async def clock_of(claim: dict) -> ClaimClock:
    """The facts the clocks of ``claim`` are computed from: its columns, its history and the notices sent."""
    events = await ClaimEvent.select().where(ClaimEvent.claim == claim["id"]).order_by(ClaimEvent.id)
    last: dict[str, dict] = {}
    first: dict[str, dict] = {}
    for e in events:
        last[e["to_status"]] = e
        first.setdefault(e["to_status"], e)
    keys = [f"event:{e['id']}" for e in (first.get("awaiting_documents"), last.get("denied")) if e]
    told = (
        {
            r["notice_key"]: r["sent_at"]
            for r in await ClaimNotice.select(ClaimNotice.notice_key, ClaimNotice.sent_at).where(
                ClaimNotice.notice_key.is_in(keys)
            )
        }
        if keys
        else {}
    )
    status = claim["status"]
    approved = last.get("approved") if status in ("approved", "paid") else None
    denied = last.get("denied") if status == "denied" else None
    requested = claim["documents_requested_at"] or (
        first["awaiting_documents"]["at"] if "awaiting_documents" in first else None
    )
    reopened = claim["reopened_at"] if status not in ("denied",) else None
    if reopened is None and status != "denied" and "denied" in last:
        reopened = next((e["at"] for e in reversed(events) if e["from_status"] == "denied"), None)
    return ClaimClock(
        status=status,
        reported_on=claim["reported_on"],
        complete_on=claim["complete_on"],
        documents_requested_on=local_day(requested),
        documents_told_at=told.get(f"event:{first['awaiting_documents']['id']}")
        if "awaiting_documents" in first
        else None,
        paused_days=claim["paused_days"] or 0,
        info_requested_on=local_day(claim["info_requested_at"]) if status == "info_requested" else None,
        approved_at=(claim["decided_at"] or approved["at"]) if approved else None,
        approved_on=local_day(claim["decided_at"] or approved["at"]) if approved else None,
        denied_at=(claim["decided_at"] or denied["at"]) if denied else None,
        denied_on=local_day(claim["decided_at"] or denied["at"]) if denied else None,
        denial_told_at=told.get(f"event:{denied['id']}") if denied else None,
        reopened_on=local_day(reopened),
        paid_at=claim["paid_at"],
    )


async def deadlines_of(claim: dict, today: date | None = None) -> list[dict[str, Any]]:
    """The claim's clocks as staff read them: kind, due day, days left, met, and the marks (warned, escalated)."""
    day = today or clock.today()
    rows = {r["kind"]: r for r in await ClaimDeadline.select().where(ClaimDeadline.claim == claim["id"])}
    shown = []
    for d in deadlines.deadlines(await clock_of(claim), day):
        row = rows.get(d.kind, {})
        shown.append(
            {
                "kind": d.kind,
                "starts_on": d.starts_on,
                "due_on": d.due_on,
                "days_left": d.days_left(day),
                "met_at": d.met_at,
                "at_risk": d.at_risk(day),
                "passed": d.passed(day),
                "warned_at": row.get("warned_at"),
                "escalated_at": row.get("escalated_at"),
            }
        )
    return shown


async def _candidates(day: date, after: int, limit: int) -> list[int]:
    """Claims still running or settled lately, and claims with a clock not yet met: one sorted chunk of both."""
    running = Claim.select(Claim.id).where(Claim.status.not_in(SETTLED) | (Claim.updated_at >= clock.now() - RECENT))
    open_rows = ClaimDeadline.select(ClaimDeadline.claim).where(ClaimDeadline.met_at.is_null()).distinct()
    ids = set(await batch.ids_after(running, Claim.id, after, limit))
    ids |= set(await batch.ids_after(open_rows, ClaimDeadline.claim, after, limit))
    return sorted(ids)[:limit]


async def _upsert(claim_id: int, d: Deadline, row: dict | None) -> dict:
    values = {ClaimDeadline.starts_on: d.starts_on, ClaimDeadline.due_on: d.due_on, ClaimDeadline.met_at: d.met_at}
    if row is None:
        await ClaimDeadline.insert(
            ClaimDeadline(claim=claim_id, kind=d.kind, starts_on=d.starts_on, due_on=d.due_on, met_at=d.met_at)
        )
    elif (row["starts_on"], row["due_on"], row["met_at"] is None) != (d.starts_on, d.due_on, d.met_at is None):
        if row["starts_on"] != d.starts_on:  # a new clock (a reopened claim): it may warn and escalate again
            values |= {ClaimDeadline.warned_at: None, ClaimDeadline.escalated_at: None}
        await ClaimDeadline.update(values).where(ClaimDeadline.id == row["id"])
    else:
        return row
    return (
        await ClaimDeadline.select().where((ClaimDeadline.claim == claim_id) & (ClaimDeadline.kind == d.kind)).first()
    )


async def _mark(row_id: int, column: Any, task: str) -> bool:
    """Set the mark once (guarded: only while unset) and queue its e-mail in the same transaction."""
    won = (
        await ClaimDeadline.update({column: clock.now()})
        .where((ClaimDeadline.id == row_id) & column.is_null())
        .returning(ClaimDeadline.id)
    )
    if won:
        await outbox.enqueue(task, row_id)
    return bool(won)


async def track(claim_id: int, day: date) -> str | None:
    """One claim: its clocks up to date, then a warning at 80 % and an escalation once passed, each once.
    Returns "escalated", "warned", "tracked" (rows changed) or None (nothing to do)."""
    claim = await Claim.select().where(Claim.id == claim_id).first()
    if claim is None:
        return None
    facts = await clock_of(claim)
    outcome: str | None = None
    async with transaction():
        # the claim's row lock serialises two runners on one claim (the day's run and a "run now" pass), so its
        # deadline rows are inserted once and each mark is set once
        await for_update(Claim.select(Claim.id).where(Claim.id == claim_id)).first()
        rows = {r["kind"]: r for r in await ClaimDeadline.select().where(ClaimDeadline.claim == claim_id)}
        for d in deadlines.deadlines(facts, day):
            row = await _upsert(claim_id, d, rows.get(d.kind))
            if row is not rows.get(d.kind):
                outcome = outcome or "tracked"
            if deadlines.should_warn(d, facts.status, day, row["warned_at"]) and await _mark(
                row["id"], ClaimDeadline.warned_at, WARN_TASK
            ):
                outcome = "warned" if outcome != "escalated" else outcome
            if deadlines.should_escalate(d, facts.status, day, row["escalated_at"]) and await _mark(
                row["id"], ClaimDeadline.escalated_at, ESCALATE_TASK
            ):
                outcome = "escalated"
    return outcome


batch.register(batch.Job(JOB, N_("Claim deadlines: warnings and escalations"), _candidates, track))
