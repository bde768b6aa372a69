"""Claims: an adjuster's decision on a referred claim, within authority, and the second person's confirmation."""

from __future__ import annotations

from decimal import Decimal

from claims import exclusions
from claims.assessing import payable_now
from claims.model import (
    DECIDING_ROLES,
    DECISION_OUTCOMES,
    DENIAL_CODES,
    ClaimStatus,
    own_claim,
    within_authority,
)
from claims.services import _move, get_for, may_confirm
from claims.tables import Claim
from claims.workbench import clock_due, holds
from insure import clock, outbox
from insure.db import for_update, transaction
from insure.errors import N_, Conflict, FieldError, Forbidden, ValidationFailed
from insure.events import ClaimApproved, publish
from insure.money import from_fen, to_fen
from insure.policies.tables import Policy
from insure.text_input import parse_decimal, take

MAX_AMOUNT = Decimal(10) ** 12  # far above any benefit; the real bound is the payable amount


def _actor(user: dict) -> str:
    return f"{user['role']}:{user['id']}"


async def payable_of(claim: dict) -> Decimal:
    """The most the claimed benefit can pay, computed as the automated assessment does (social insurance, the
    deductible, co-insurance, the per-claim and annual limits): an adjuster approves at most this, a smaller amount
    being a partial approval."""
    payable = await payable_now(claim["id"])
    return payable if isinstance(payable, Decimal) else Decimal(0)


def _parse_decision(data: dict, status: str, claim: dict, payable: Decimal) -> tuple[str, str, str, int]:
    """(outcome, reason, denial code, amount in fen) from the form or body; 422 naming each wrong field."""
    errors: list[FieldError] = []
    outcome = take(data, "outcome", "code", errors)
    if outcome not in DECISION_OUTCOMES:
        errors.append(FieldError("outcome", "outcome_invalid", N_("Choose a decision: approve, deny or send back.")))
    reason = take(data, "reason", "reason", errors)
    if not any(e.field == "reason" for e in errors) and len(reason) < 5:
        errors.append(
            FieldError("reason", "reason_missing", N_("Give the reason for the decision (5 to 255 characters).")),
        )
    code = ""
    if outcome == "deny":
        code = take(data, "reason_code", "code", errors)
        if code not in DENIAL_CODES:
            errors.append(FieldError("reason_code", "reason_code_invalid", N_("Choose the reason for the denial.")))
    amount_fen = 0
    if outcome == "approve":
        raw = str(data.get("amount") or "").strip()
        if status == ClaimStatus.AWAITING_APPROVAL:  # the second person confirms the amount proposed
            amount_fen = claim["proposed_fen"]
            proposed = parse_decimal(raw, ge=Decimal("0.01"), le=MAX_AMOUNT, places=2) if raw else None
            if raw and (proposed is None or to_fen(proposed) != amount_fen):
                errors.append(
                    FieldError(
                        "amount",
                        "amount_not_proposed",
                        N_(
                            "Only the amount proposed (%(amount)s CNY) can be confirmed; send the claim back to "
                            "change it."
                        ),
                        {"amount": str(from_fen(amount_fen))},
                    )
                )
        else:
            amount = parse_decimal(raw, ge=Decimal("0.01"), le=MAX_AMOUNT, places=2)
            if amount is None:
                errors.append(
                    FieldError(
                        "amount", "amount_invalid", N_("Enter the amount to pay in CNY, more than 0, e.g. 1200.50.")
                    )
                )
            elif amount > payable:
                errors.append(
                    FieldError(
                        "amount",
                        "amount_above_payable",
                        N_("At most %(max)s CNY is payable under this benefit."),
                        {"max": str(payable)},
                    )
                )
            else:
                amount_fen = to_fen(amount)
    if errors:
        raise ValidationFailed(errors)
    return outcome, reason, code, amount_fen


async def decide(adjuster: dict, number: str, data: dict) -> dict:
    """An adjuster (or admin) decides a referred claim: approve in full or in part (at most what the benefit pays)
    with a reason, or deny with a reason code and a reason. Above the adjuster's authority an approval is only
    proposed (referred -> awaiting_approval); a second person with the authority, not the proposer, then approves
    it, denies it or sends it back. Nobody decides a claim on their own policy. An approval publishes
    ``ClaimApproved`` and queues the payment step, as the automated assessment does; every move is audited."""
    if adjuster["role"] not in DECIDING_ROLES:
        raise Forbidden(N_("Only a claims adjuster can decide a claim."), code="not_an_adjuster")
    claim = await get_for(adjuster, number)  # 404 for a claim the adjuster may not see
    if claim["status"] == ClaimStatus.REFERRED and not await holds(adjuster, claim):  # seen in the queue (H4)
        raise Forbidden(N_("Take the claim from the queue before deciding it."), code="not_assigned")
    policy = await Policy.select(Policy.customer).where(Policy.id == claim["policy"]).first()
    if own_claim(adjuster["id"], policy["customer"], claim["claimant"]):
        raise Forbidden(N_("You cannot decide a claim on your own policy."), code="own_policy")
    payable = await payable_of(claim)
    async with transaction():
        claim = await for_update(Claim.select().where(Claim.id == claim["id"])).first()
        status = ClaimStatus(claim["status"])
        if status not in (ClaimStatus.REFERRED, ClaimStatus.AWAITING_APPROVAL):
            raise Conflict(
                N_("Only a claim referred to an adjuster can be decided; this one is %(status)s."),
                code="not_referred",
                status=str(status),
            )
        if status == ClaimStatus.AWAITING_APPROVAL:
            if adjuster["id"] == claim["proposed_by"]:
                raise Forbidden(N_("A second person must confirm the approval you proposed."), code="own_proposal")
            if not may_confirm(adjuster, claim):
                raise Forbidden(
                    N_("This approval is above your authority; a claims manager must decide."),
                    code="above_authority",
                )
        outcome, reason, code, amount_fen = _parse_decision(data, status, claim, payable)
        exclusion = await exclusions.parse_cited(data, outcome, claim)  # H3: the product exclusion a denial cites
        actor = _actor(adjuster)
        now = clock.now()
        if outcome == "send_back":
            if status != ClaimStatus.AWAITING_APPROVAL:
                raise Conflict(
                    N_("Only an approval waiting for a second person can be sent back."), code="not_awaiting_approval"
                )
            proposed = from_fen(claim["proposed_fen"])
            await _move(
                claim["id"],
                status,
                ClaimStatus.REFERRED,
                f"sent back (proposed {proposed} CNY): {reason}",
                actor=actor,
                proposed_fen=0,
                proposed_by=None,
                decision_reason="",
            )
        elif outcome == "deny":
            await _move(
                claim["id"],
                status,
                ClaimStatus.DENIED,
                f"denied ({code}): {reason}",
                actor=actor,
                denial_code=code,
                decision_reason=reason,
                decided_by=adjuster["id"],
                decided_at=now,
            )
            if exclusion:
                await exclusions.cite(claim["id"], exclusion, adjuster["id"])
        elif status == ClaimStatus.REFERRED and not within_authority(
            adjuster["role"], adjuster["authority_fen"], amount_fen
        ):
            await _move(
                claim["id"],
                status,
                ClaimStatus.AWAITING_APPROVAL,
                f"approval of {from_fen(amount_fen)} CNY proposed, above the adjuster's authority: {reason}",
                actor=actor,
                proposed_fen=amount_fen,
                proposed_by=adjuster["id"],
                decision_reason=reason,
            )
        else:
            note = f"approved {from_fen(amount_fen)} CNY of {payable} payable"
            shown = reason  # the reason the claimant reads: the proposer's, when a second person confirms
            if status == ClaimStatus.AWAITING_APPROVAL:
                note = f"approval of {from_fen(amount_fen)} CNY confirmed"
                shown = claim["decision_reason"] or reason
            await _move(
                claim["id"],
                status,
                ClaimStatus.APPROVED,
                f"{note}: {reason}",
                actor=actor,
                approved_fen=amount_fen,
                decision_reason=shown,
                decided_by=adjuster["id"],
                decided_at=now,
            )
            await publish(ClaimApproved(claim["id"], claim["policy"], amount_fen))
            await outbox.enqueue("claims.pay", claim["id"])
    return await Claim.select().where(Claim.id == claim["id"]).first()


async def awaiting_approval_for(user: dict) -> list[dict]:
    """Approvals proposed above an adjuster's authority that this person may confirm (not their own proposals),
    oldest first."""
    rows = (
        await Claim.select(*Claim.all_columns(), Claim.policy.number.as_alias("policy_number"))
        .where(Claim.status == ClaimStatus.AWAITING_APPROVAL)
        .order_by(Claim.id)
    )
    found = [row for row in rows if may_confirm(user, row)]
    today = clock.today()
    for row in found:
        row["decide_by"], _ = clock_due(row, today)  # the statutory decision date, as the claimant is told
    return found


def may_decide(user: dict, claim: dict) -> bool:
    """Whether the page offers this person the decision form (the service checks again, with the policy)."""
    if user["role"] not in DECIDING_ROLES or claim["claimant"] == user["id"]:
        return False
    if claim["status"] == ClaimStatus.REFERRED:
        return user["role"] == "admin" or claim["assigned_to"] == user["id"]
    return claim["status"] == ClaimStatus.AWAITING_APPROVAL and may_confirm(user, claim)
