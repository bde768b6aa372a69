"""The adjuster's workbench, its queries: the queue (my claims and the team's unassigned ones), the claim file's
extra figures (remaining limits, the claimant's other claims, documents, notes) and the supervisor's view
(workload per adjuster, overdue and at-risk claims). Rules are in claims/workbench_rules.py."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from claims import deadlines
from claims.deadline_jobs import local_day
from claims.deadlines import ClaimClock
from claims.limits import policy_cover_limit
from claims.model import ClaimStatus
from claims.tables import Claim, ClaimDocument, ClaimEvent, ClaimNote, ClaimsStaff
from claims.workbench_rules import (
    DECISION_DAYS,
    OPEN_STATUSES,
    TAKEABLE_STATUSES,
    QueueFilter,
    policy_year,
    referral_reasons,
    remaining_limits,
    sort_rows,
    urgency,
)
from insure import clock
from insure.auth.tables import User
from insure.money import to_fen
from insure.policies.tables import Policy
from insure.tables_base import json_value
from products import services as products

STAFF_ROLES = ("adjuster", "admin")


async def staff_of(user_id: int) -> dict[str, Any]:
    """An adjuster's skills (claim kinds; empty: every kind), manager flag and team."""
    row = await ClaimsStaff.select().where(ClaimsStaff.user == user_id).first()
    if row is None:
        return {"skills": [], "manager": False, "team": "claims"}
    return {"skills": json_value(row["skills"]) or [], "manager": bool(row["manager"]), "team": row["team"]}


async def is_manager(user: dict) -> bool:
    """Admins and claims managers supervise the team, reassign any claim and confirm approvals above authority."""
    if user["role"] == "admin":
        return True
    return user["role"] == "adjuster" and (await staff_of(user["id"]))["manager"]


async def holds(user: dict, claim: dict) -> bool:
    """Whether this person works the claim: its assignee, a claims manager or an admin (an adjuster sees the
    team's unassigned claims too, but takes one before acting on it)."""
    return claim["assigned_to"] == user["id"] or await is_manager(user)


def kind_of(policy: dict, coverage_code: str) -> str:
    """The benefit kind (claims.kinds code) of the cover a claim is made under."""
    try:
        prod = products.quoted_product(policy)
    except Exception:
        return ""
    return next((c.benefit for c in prod.coverages if c.code == coverage_code), "")


def clock_due(row: dict, today: date) -> tuple[date, int]:
    """The decision's last day and the days left, by the statutory clock (claims.deadlines: from completion or a
    reopening, plus closed and open pauses) — the same date the claimant is shown. While documents are still
    awaited the clock has not started: the date shown is then the latest it can be if they came today."""
    facts = ClaimClock(
        status=row["status"],
        reported_on=row["reported_on"],
        complete_on=row["complete_on"],
        documents_requested_on=local_day(row["documents_requested_at"]),
        paused_days=row["paused_days"] or 0,
        info_requested_on=local_day(row["info_requested_at"]) if row["status"] == "info_requested" else None,
        reopened_on=local_day(row["reopened_at"]),
    )
    due = deadlines.decide_by(facts, today) or today + timedelta(days=DECISION_DAYS + (row["paused_days"] or 0))
    return due, (due - today).days


async def _decorate(rows: list[dict]) -> list[dict]:
    """Each claim with its product, insurer, kind, days left, urgency and why it was referred."""
    policy_ids = {r["policy"] for r in rows}
    policies = {p["id"]: p for p in await Policy.select().where(Policy.id.is_in(list(policy_ids)))} if rows else {}
    today = clock.today()
    for row in rows:
        policy = policies[row["policy"]]
        row["policy_number"] = policy["number"]
        row["product_code"] = policy["product_code"]
        row["insurer_code"] = policy["insurer_code"]
        row["policy_customer"] = policy["customer"]
        row["kind"] = kind_of(policy, row["coverage_code"])
        row["decide_by"], row["days_left"] = clock_due(row, today)
        row["urgency"] = urgency(row["days_left"])
        row["why"] = referral_reasons(json_value(row["referral_reasons"]) or [], json_value(row["assessment"]) or [])
    return rows


async def queue(user: dict, flt: QueueFilter | None = None) -> dict[str, list[dict]]:
    """``mine``: the open claims assigned to this adjuster; ``team``: the unassigned ones of the kinds they handle
    (an admin sees every unassigned claim); both filtered and sorted (by urgency unless asked otherwise)."""
    flt = flt or QueueFilter()
    mine = await Claim.select().where((Claim.assigned_to == user["id"]) & Claim.status.is_in(list(OPEN_STATUSES)))
    free = await Claim.select().where(Claim.assigned_to.is_null() & Claim.status.is_in(list(TAKEABLE_STATUSES)))
    skills = [] if user["role"] == "admin" else (await staff_of(user["id"]))["skills"]
    mine, free = await _decorate(mine), await _decorate(free)
    free = [r for r in free if (not skills or r["kind"] in skills) and r["policy_customer"] != user["id"]]
    return {
        "mine": sort_rows([r for r in mine if flt.keeps(r)], flt.sort),
        "team": sort_rows([r for r in free if flt.keeps(r)], flt.sort),
    }


async def limits_left(policy: dict, on: date | None = None) -> list[dict]:
    """Each cover of the policy: its limit (with a participating policy's account cover on ``on``, the claim's
    loss date: the figure the claim is assessed against), what was approved or paid on it this policy year,
    what remains."""
    prod = products.quoted_product(policy)
    on = on or clock.today()
    limits = {c.code: to_fen(await policy_cover_limit(policy, c, on)) for c in prod.coverages}
    start, end = policy_year(policy["effective_date"] or clock.today(), clock.today())
    claims = await Claim.select(Claim.coverage_code, Claim.approved_fen).where(
        (Claim.policy == policy["id"])
        & Claim.status.is_in([ClaimStatus.APPROVED, ClaimStatus.PAID])
        & (Claim.loss_date >= start)
        & (Claim.loss_date <= end)
    )
    names = {c.code: (c.name_en, c.name_zh) for c in prod.coverages}
    return [
        {
            "code": left.code,
            "name_en": names[left.code][0],
            "name_zh": names[left.code][1],
            "limit_fen": left.limit_fen,
            "used_fen": left.used_fen,
            "remaining_fen": left.remaining_fen,
            "year_start": start,
            "year_end": end,
        }
        for left in remaining_limits(limits, [(c["coverage_code"], c["approved_fen"]) for c in claims])
    ]


async def other_claims(claim: dict) -> list[dict]:
    """The claimant's other claims, on any policy, newest first."""
    return (
        await Claim.select(Claim.number, Claim.status, Claim.loss_date, Claim.amount_fen, Claim.approved_fen)
        .where((Claim.claimant == claim["claimant"]) & (Claim.id != claim["id"]))
        .order_by(Claim.id, ascending=False)
    )


async def documents(claim_id: int) -> list[dict]:
    return await ClaimDocument.select().where(ClaimDocument.claim == claim_id).order_by(ClaimDocument.id)


async def notes(claim_id: int) -> list[dict]:
    return (
        await ClaimNote.select(*ClaimNote.all_columns(), ClaimNote.author.name.as_alias("author_name"))
        .where(ClaimNote.claim == claim_id)
        .order_by(ClaimNote.id)
    )


async def adjusters() -> list[dict]:
    """Active adjusters, by name: the people a claim can be handed to."""
    return (
        await User.select(User.id, User.name, User.email, User.authority_fen)
        .where((User.role == "adjuster") & User.is_active.eq(True))
        .order_by(User.name)
    )


async def team(user: dict) -> dict[str, Any]:
    """The supervisor's view: every open claim, the workload of each adjuster (open claims, the oldest, the amount
    reserved), the unassigned claims, and those overdue or at risk (80 % of the 30-day window used)."""
    rows = await _decorate(await Claim.select().where(Claim.status.is_in(list(OPEN_STATUSES))))
    people = await adjusters()
    load: dict[int, dict[str, Any]] = {
        p["id"]: {**p, "open": 0, "oldest": None, "reserved_fen": 0, "overdue": 0} for p in people
    }
    for row in rows:
        who = load.get(row["assigned_to"]) if row["assigned_to"] is not None else None
        if who is None:
            continue
        who["open"] += 1
        who["reserved_fen"] += row["reserve_fen"]
        who["overdue"] += row["urgency"] == "overdue"
        if who["oldest"] is None or row["reported_on"] < who["oldest"]["reported_on"]:
            who["oldest"] = row
    names = {p["id"]: p["name"] for p in people}
    for row in rows:
        row["assignee_name"] = names.get(row["assigned_to"], "")
    by_urgency = sort_rows(rows, "urgency")
    return {
        # every approval waiting for a second person; ``may_confirm``: within this manager's authority
        "approvals": [r for r in by_urgency if r["status"] == ClaimStatus.AWAITING_APPROVAL],
        "workload": list(load.values()),
        "unassigned": [r for r in by_urgency if r["assigned_to"] is None],
        "overdue": [r for r in by_urgency if r["urgency"] == "overdue"],
        "at_risk": [r for r in by_urgency if r["urgency"] == "at_risk"],
    }


async def open_question(claim: dict) -> str:
    """The question of the claim's open request for information ("" when none is open)."""
    if claim["status"] != ClaimStatus.INFO_REQUESTED:
        return ""
    row = (
        await ClaimEvent.select(ClaimEvent.reason)
        .where((ClaimEvent.claim == claim["id"]) & (ClaimEvent.to_status == ClaimStatus.INFO_REQUESTED))
        .order_by(ClaimEvent.id, ascending=False)
        .first()
    )
    return row["reason"] if row else ""


async def file_context(user: dict, claim: dict) -> dict[str, Any]:
    """What the claim page adds for the workbench, under ``wb``: for the claimant, the open question; for staff,
    the claim file (remaining limits, other claims, documents, signals, notes, the clock) and which actions the
    page offers (the services check again)."""
    wb: dict[str, Any] = {"question": await open_question(claim), "staff": user["role"] in STAFF_ROLES}
    if not wb["staff"]:
        return {"wb": wb}
    policy = await Policy.select().where(Policy.id == claim["policy"]).first()
    manager = await is_manager(user)
    own = user["id"] in (policy["customer"], claim["claimant"])
    holds = (claim["assigned_to"] == user["id"] or manager) and not own
    today = clock.today()
    due, left = clock_due(claim, today)
    wb.update(
        limits=await limits_left(policy, claim["loss_date"]),
        other_claims=await other_claims(claim),
        documents=await documents(claim["id"]),
        notes=await notes(claim["id"]),
        signals=json_value(claim["signals"]) or [],
        why=referral_reasons(json_value(claim["referral_reasons"]) or [], json_value(claim["assessment"]) or []),
        decide_by=due,
        days_left=left,
        urgency=urgency(left),
        open=claim["status"] in OPEN_STATUSES,
        may_take=claim["assigned_to"] is None and claim["status"] in TAKEABLE_STATUSES and not own,
        may_ask=holds and claim["status"] == ClaimStatus.REFERRED,
        may_reserve=holds and claim["status"] in (*OPEN_STATUSES, ClaimStatus.APPROVED),
        may_reassign=holds and claim["status"] in OPEN_STATUSES,
        may_reopen=claim["status"] == ClaimStatus.DENIED
        and not own
        and (manager or user["id"] in (claim["assigned_to"], claim["decided_by"])),
        may_note=not own,
        adjusters=await adjusters(),
        manager=manager,
    )
    return {"wb": wb}
