"""The adjuster's actions on a claim (issue 10): ask the claimant for more information (and the claimant's answer),
set or change the case reserve, take or reassign the claim, reopen a denial, write an internal note.

Every action checks the person's role and their hold on the claim (the assignee; a claims manager or an admin for
any; an adjuster may take an unassigned claim from the queue), and nobody acts on a claim on their own policy or
one they made. Status moves go through claims/services.py ``_move`` (guarded, audited); actions that do not move
the status (reserve, reassignment) write an internal history row (from = to status) that only staff see.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from claims import reserves
from claims.model import REOPEN_WINDOW_DAYS, ClaimStatus, own_claim
from claims.services import _move
from claims.tables import Claim, ClaimEvent, ClaimNote
from claims.workbench import STAFF_ROLES, holds, is_manager, open_question  # noqa: F401 (open_question: part of the actions)
from claims.workbench_rules import OPEN_STATUSES, TAKEABLE_STATUSES, paused_for
from insure import clock
from insure.auth.tables import User
from insure.db import for_update, transaction
from insure.errors import N_, Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from insure.money import from_fen, to_fen
from insure.policies.tables import Policy
from insure.text_input import parse_decimal, parse_int, take

MAX_RESERVE = Decimal(10) ** 10  # 10 billion CNY: far above any benefit
# a reserve may be held while the claim is open or approved and not yet paid
RESERVABLE = (*OPEN_STATUSES, ClaimStatus.APPROVED)


def actor_of(user: dict) -> str:
    return f"{user['role']}:{user['id']}"


def _not_found() -> NotFound:
    return NotFound(N_("No such claim."), code="claim_not_found")


async def _claim(number: str) -> dict:
    claim = await Claim.select().where(Claim.number == number).first()
    if claim is None:
        raise _not_found()
    return claim


async def _check_not_own(user: dict, claim: dict) -> None:
    policy = await Policy.select(Policy.customer).where(Policy.id == claim["policy"]).first()
    if own_claim(user["id"], policy["customer"], claim["claimant"]):
        raise Forbidden(N_("You cannot act on a claim on your own policy."), code="own_policy")


async def staff_claim(user: dict, number: str, *, queue_ok: bool = False) -> dict:
    """The claim, for staff who hold it: its assignee, a claims manager or an admin (and, with ``queue_ok``, any
    adjuster for an unassigned claim in the queue). Others get 404 (the claim's existence is not revealed);
    a claim on the person's own policy is refused (403 ``own_policy``)."""
    if user["role"] not in STAFF_ROLES:
        raise Forbidden(N_("Only claims staff can do this."), code="not_an_adjuster")
    claim = await _claim(number)
    queued = queue_ok and claim["assigned_to"] is None and claim["status"] in TAKEABLE_STATUSES
    if not (queued or await holds(user, claim)):
        raise _not_found()
    await _check_not_own(user, claim)
    return claim


async def _internal_event(claim: dict, user: dict, reason: str) -> None:
    """A history row for an action that does not move the status (only staff see it)."""
    await ClaimEvent.insert(
        ClaimEvent(
            claim=claim["id"],
            from_status=claim["status"],
            to_status=claim["status"],
            actor=actor_of(user),
            reason=reason[:255],
            at=clock.now(),
        )
    )


def _text(data: dict, key: str, kind: str, at_least: int, message: str) -> str:
    errors: list[FieldError] = []
    value = take(data, key, kind, errors)
    if not errors and len(value) < at_least:
        errors.append(FieldError(key, f"{key}_missing", message))
    if errors:
        raise ValidationFailed(errors)
    return value


async def _locked(claim_id: int, *allowed: str) -> dict:
    claim = await for_update(Claim.select().where(Claim.id == claim_id)).first()
    if claim["status"] not in allowed:
        raise Conflict(
            N_("This is not possible while the claim is %(status)s."), code="illegal_transition", status=claim["status"]
        )
    return claim


async def request_information(user: dict, number: str, data: dict) -> dict:
    """referred -> info_requested with the question (shown to the claimant); the decision clock pauses."""
    claim = await staff_claim(user, number)
    question = _text(data, "question", "reason", 5, N_("Write the question for the claimant (5 to 255 characters)."))
    async with transaction():
        await _locked(claim["id"], ClaimStatus.REFERRED)
        await _move(
            claim["id"],
            ClaimStatus.REFERRED,
            ClaimStatus.INFO_REQUESTED,
            question,
            actor=actor_of(user),
            info_requested_at=clock.now(),
        )  # the move queues the claimant's e-mail with the question (claims.notices)
    return await _claim(number)


async def answer_information(user: dict, number: str, data: dict) -> dict:
    """The claimant answers (info_requested -> referred): the answer joins the history, the days the question
    was open are added to the paused days, and the claim goes back to its adjuster."""
    claim = await Claim.select().where(Claim.number == number).first()
    if claim is None or claim["claimant"] != user["id"]:
        raise _not_found()
    answer = _text(data, "answer", "reason", 1, N_("Write your answer (at most 255 characters)."))
    async with transaction():
        locked = await _locked(claim["id"], ClaimStatus.INFO_REQUESTED)
        asked = locked["info_requested_at"] or clock.now()
        paused = paused_for(asked.date(), clock.today())
        await _move(
            claim["id"],
            ClaimStatus.INFO_REQUESTED,
            ClaimStatus.REFERRED,
            f"claimant answered: {answer}",
            actor=f"{user['role']}:{user['id']}",
            info_requested_at=None,
            paused_days=locked["paused_days"] + paused,
        )
    return await _claim(number)


async def set_reserve(user: dict, number: str, data: dict) -> dict:
    """Set or change the case reserve (CNY, 0 releases it): one balanced ledger entry for the difference."""
    claim = await staff_claim(user, number)
    amount = parse_decimal(str(data.get("amount") or "").strip(), ge=Decimal(0), le=MAX_RESERVE, places=2)
    if amount is None:
        raise ValidationFailed(
            [FieldError("amount", "amount_invalid", N_("Enter the reserve in CNY, 0 or more, e.g. 6000.00."))]
        )
    reason = str(data.get("reason") or "").strip()[:120]
    async with transaction():
        locked = await _locked(claim["id"], *RESERVABLE)
        old, new = locked["reserve_fen"], to_fen(amount)
        if old != new:
            memo = f"case reserve on claim {number}: {from_fen(old)} -> {from_fen(new)} CNY"
            await reserves.book(claim["id"], old, new, memo)
            await Claim.update({Claim.reserve_fen: new, Claim.updated_at: clock.now()}).where(Claim.id == claim["id"])
            await _internal_event(
                locked, user, f"case reserve {from_fen(old)} -> {from_fen(new)} CNY" + (f": {reason}" if reason else "")
            )
    return await _claim(number)


async def reassign(user: dict, number: str, data: dict) -> dict:
    """Hand the claim to an active adjuster (``adjuster_id``) with a reason: a claims manager or an admin for any
    open claim, an adjuster for a claim they hold (handing over) or an unassigned one they take (to themselves)."""
    claim = await staff_claim(user, number, queue_ok=True)
    target_id = parse_int(data.get("adjuster_id"), ge=1, le=2**31 - 1)
    taking = claim["assigned_to"] is None and target_id == user["id"]
    if claim["assigned_to"] != user["id"] and not taking and not await is_manager(user):
        raise Forbidden(N_("Only a claims manager can reassign someone else's claim."), code="not_a_manager")
    errors: list[FieldError] = []
    target = None
    if target_id is not None:
        target = await User.select().where((User.id == target_id) & (User.role == "adjuster")).first()
    if target is None or not target["is_active"]:
        errors.append(FieldError("adjuster_id", "adjuster_invalid", N_("Choose an active adjuster.")))
    reason = take(data, "reason", "reason", errors)
    if not taking and not any(e.field == "reason" for e in errors) and len(reason) < 5:
        errors.append(FieldError("reason", "reason_missing", N_("Give the reason (5 to 255 characters).")))
    if errors:
        raise ValidationFailed(errors)
    await _check_not_own(target, claim)  # type: ignore[arg-type]
    async with transaction():
        locked = await _locked(claim["id"], *OPEN_STATUSES)
        if locked["assigned_to"] != claim["assigned_to"]:
            raise Conflict(N_("This claim was reassigned meanwhile."), code="assignment_changed")
        await Claim.update({Claim.assigned_to: target_id, Claim.updated_at: clock.now()}).where(Claim.id == claim["id"])
        what = "taken from the queue" if taking else f"reassigned to {target['name']}"  # type: ignore[index]
        await _internal_event(locked, user, what + (f": {reason}" if reason else ""))
    return await _claim(number)


async def reopen(user: dict, number: str, data: dict) -> dict:
    """denied -> referred within REOPEN_WINDOW_DAYS of the denial, with a reason; back to the person reopening
    it when nobody holds it."""
    if user["role"] not in STAFF_ROLES:
        raise Forbidden(N_("Only claims staff can do this."), code="not_an_adjuster")
    claim = await _claim(number)
    if not (await is_manager(user) or user["id"] in (claim["assigned_to"], claim["decided_by"])):
        raise _not_found()
    await _check_not_own(user, claim)
    reason = _text(data, "reason", "reason", 5, N_("Give the reason for reopening (5 to 255 characters)."))
    async with transaction():
        locked = await _locked(claim["id"], ClaimStatus.DENIED)
        denied_at = locked["decided_at"] or locked["updated_at"]
        if clock.now() - denied_at > timedelta(days=REOPEN_WINDOW_DAYS):
            raise Conflict(
                N_("A denial can be reopened within %(days)s days; this one is older."),
                code="reopen_window_passed",
                days=REOPEN_WINDOW_DAYS,
            )
        await _move(
            claim["id"],
            ClaimStatus.DENIED,
            ClaimStatus.REFERRED,
            f"reopened: {reason}",
            actor=actor_of(user),
            reopened_at=clock.now(),
            assigned_to=locked["assigned_to"] or user["id"],
            denial_code="",
        )
    return await _claim(number)


async def add_note(user: dict, number: str, data: dict) -> dict:
    """An internal note on the claim (never shown to the claimant)."""
    claim = await staff_claim(user, number, queue_ok=True)
    body = _text(data, "body", "free_text", 2, N_("Write the note (2 to 2000 characters)."))
    row = ClaimNote(claim=claim["id"], author=user["id"], body=body, at=clock.now())
    await row.save()
    return {"id": row.id, "author": user["id"], "author_name": user.get("name", ""), "body": body, "at": row.at}
