"""Claims: automated assessment and payment (worker), reading with ownership checks; intake is claims.filing."""

from __future__ import annotations

from datetime import timedelta

from claims import beneficiary, workbench
from claims.model import (
    ClaimStatus,
    within_authority,
)
from claims.moves import SYSTEM, move
from claims.tables import Claim, ClaimEvent
from insure import clock
from insure.db import for_update, transaction
from insure.errors import N_, NotFound
from insure.payments import payouts
from insure.payments.payout_model import payout_key
from insure.payments.tables import Payout
from insure.policies.tables import Policy

# Insurance Law art. 26: the right to claim on personal insurance (other than life) lapses after 2 years.
CLAIM_WINDOW = timedelta(days=730)
STUCK_AFTER = timedelta(minutes=2)
# Insurance Law art. 23: decide within 30 days of a complete claim (the filing date until documents arrive).
CLAIM_PAYOUT = "claim"  # the payout purpose of a claim benefit (booked to claims paid)


_move = move  # the one way a claim changes status (claims.moves)


# run_assessment (the worker's assessment step) lives in claims.assessing (issue 10, H3)


async def pay(claim_id: int) -> None:
    """Worker step: send the approved benefit through the one payout path (key ``claim:<id>``) to the bank
    account on the policy. The claim stays approved ("payment sent") until the gateway confirms the transfer;
    then ``PayoutConfirmed`` moves it to paid (``mark_paid``). Without an account the payout is held until the
    policyholder gives one. Idempotent: a payout is made once per key."""
    async with transaction():
        claim = await for_update(Claim.select().where(Claim.id == claim_id)).first()
        if claim is None or claim["status"] != ClaimStatus.APPROVED:
            return
        policy = await Policy.select().where(Policy.id == claim["policy"]).first()
        # a beneficiary's death claim is paid to the beneficiary's own account (claims.beneficiary)
        account = await beneficiary.payout_account(claim_id)
        await payouts.start_payout(
            policy, claim["approved_fen"], CLAIM_PAYOUT, key=claim_payout_key(claim_id), actor=SYSTEM, account=account
        )


def claim_payout_key(claim_id: int) -> str:
    return payout_key(CLAIM_PAYOUT, claim_id)


async def payout_of(claim_id: int) -> dict | None:
    """The payout of the claim's benefit, once the payment step has started it."""
    return await payouts.with_dates(await payouts.payout_for_key(claim_payout_key(claim_id)))


async def mark_paid(claim_id: int, payout_id: int) -> None:
    """The gateway confirmed the claim's payout: approved -> paid, once (a repeat finds it paid)."""
    claim = await for_update(Claim.select().where(Claim.id == claim_id)).first()
    if claim is None or claim["status"] != ClaimStatus.APPROVED:
        return
    await _move(
        claim_id, ClaimStatus.APPROVED, ClaimStatus.PAID, f"benefit paid (payout #{payout_id})", paid_at=clock.now()
    )


def can_view(user: dict, claim: dict) -> bool:
    """Admins see every claim; an adjuster the claims assigned to them, those they proposed or decided, and those
    awaiting a second approval within their authority (the approvals queue); a customer their own claims."""
    if user["role"] == "admin":
        return True
    if user["role"] == "adjuster":
        return (
            user["id"] in (claim["assigned_to"], claim.get("proposed_by"), claim.get("decided_by"))
            or (claim["status"] == ClaimStatus.AWAITING_APPROVAL and may_confirm(user, claim))
            # the team's queue (issue 10, H4): an unassigned claim an adjuster may take
            or (
                claim["assigned_to"] is None
                and claim["status"] in (ClaimStatus.REFERRED, ClaimStatus.AWAITING_DOCUMENTS)
            )
        )
    return claim["claimant"] == user["id"]


async def get_for(user: dict, number: str) -> dict:
    claim = await Claim.select().where(Claim.number == number).first()
    if claim is None or not (can_view(user, claim) or await workbench.is_manager(user)):  # managers see the team's
        raise NotFound(N_("No such claim."), code="claim_not_found")
    return claim


async def list_for_claimant(user: dict, policy_id: int | None = None) -> list[dict]:
    query = Claim.select().where(Claim.claimant == user["id"])
    if policy_id is not None:
        query = query.where(Claim.policy == policy_id)
    return await query.order_by(Claim.id, ascending=False)


async def events(claim_id: int, *, staff: bool = False) -> list[dict]:
    """The claim's history; staff also get the internal rows (reserve, reassignment: from = to status)."""
    rows = await ClaimEvent.select().where(ClaimEvent.claim == claim_id).order_by(ClaimEvent.id)
    return rows if staff else [r for r in rows if r["from_status"] != r["to_status"]]


async def stuck() -> list[tuple[str, int]]:
    """Claims whose automated step has not finished in time: (task, id) to enqueue again. An approved claim
    without a payout gets its payment step again; one whose payout was sent but not confirmed in time gets the
    gateway's confirmation asked again; a held or returned payout waits for the policyholder's bank account."""
    cutoff = clock.now() - STUCK_AFTER
    rows = await Claim.select(Claim.id, Claim.status).where(
        Claim.status.is_in([ClaimStatus.SUBMITTED, ClaimStatus.ASSESSING, ClaimStatus.APPROVED])
        & (Claim.updated_at < cutoff)
    )
    found: list[tuple[str, int]] = [("claims.assess", r["id"]) for r in rows if r["status"] != ClaimStatus.APPROVED]
    approved = [r["id"] for r in rows if r["status"] == ClaimStatus.APPROVED]
    if approved:
        keys = {claim_payout_key(i): i for i in approved}
        sent = {p["payout_key"]: p for p in await Payout.select().where(Payout.payout_key.is_in(list(keys)))}
        late = set(await payouts.stuck_payouts()) if sent else set()
        for key, claim_id in keys.items():
            payout = sent.get(key)
            if payout is None:
                found.append(("claims.pay", claim_id))
            elif payout["id"] in late:
                found.append((payouts.payout_gateway().confirmation_task, payout["id"]))
    return found


# --- the adjuster's decision within authority (issue 10, helper H5) ---


def may_confirm(user: dict, claim: dict) -> bool:
    """A second person, not the proposer, whose authority covers the proposed amount."""
    return user["id"] != claim["proposed_by"] and within_authority(
        user["role"], user["authority_fen"], claim["proposed_fen"]
    )
