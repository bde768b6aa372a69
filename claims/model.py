"""The claim's life cycle as a table of allowed moves (pure).

submitted -> assessing -> approved -> paid, with assessing -> referred when automation cannot settle
the claim; a referred claim is decided by an adjuster (approved or denied). An approval above the adjuster's
authority waits for a second person (referred -> awaiting_approval), who approves it, denies it or sends it back
(-> referred).

A claim missing required documents waits for them (assessing -> awaiting_documents, all requested at once,
Insurance Law art. 22) and is assessed again when they are complete; an adjuster may ask for more
(referred -> info_requested -> referred once the claimant answers; the decision clock pauses meanwhile).
A denied claim may be reopened within REOPEN_WINDOW_DAYS with a reason (denied -> referred). Paid is final.
"""

from __future__ import annotations

from enum import StrEnum

from insure.errors import N_
from insure.state_machine import lifecycle


class ClaimStatus(StrEnum):
    """Where a claim is in its life cycle; the values are stored in the database and shown in the API."""

    SUBMITTED = "submitted"
    ASSESSING = "assessing"
    APPROVED = "approved"
    REFERRED = "referred"
    AWAITING_APPROVAL = "awaiting_approval"  # an adjuster's approval above their authority, for a second person
    DENIED = "denied"
    PAID = "paid"
    AWAITING_DOCUMENTS = "awaiting_documents"  # required documents missing: requested once, all together
    INFO_REQUESTED = "info_requested"  # an adjuster asked the claimant for more; the decision clock pauses


TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    ClaimStatus.SUBMITTED: frozenset({ClaimStatus.ASSESSING}),
    ClaimStatus.ASSESSING: frozenset({ClaimStatus.APPROVED, ClaimStatus.REFERRED, ClaimStatus.AWAITING_DOCUMENTS}),
    # complete: assessed again; an adjuster may also take a claim whose documents do not come
    ClaimStatus.AWAITING_DOCUMENTS: frozenset({ClaimStatus.ASSESSING, ClaimStatus.REFERRED}),
    # Denial is always a human decision (Insurance Law art. 24), so only a referred claim can be denied.
    ClaimStatus.REFERRED: frozenset(
        {ClaimStatus.APPROVED, ClaimStatus.DENIED, ClaimStatus.AWAITING_APPROVAL, ClaimStatus.INFO_REQUESTED}
    ),
    ClaimStatus.INFO_REQUESTED: frozenset({ClaimStatus.REFERRED}),
    # the second person confirms the approval, denies the claim, or sends it back to the adjuster
    ClaimStatus.AWAITING_APPROVAL: frozenset({ClaimStatus.APPROVED, ClaimStatus.DENIED, ClaimStatus.REFERRED}),
    ClaimStatus.APPROVED: frozenset({ClaimStatus.PAID}),
    ClaimStatus.DENIED: frozenset({ClaimStatus.REFERRED}),  # reopened within REOPEN_WINDOW_DAYS, with a reason
    ClaimStatus.PAID: frozenset(),
}

CLAIM = lifecycle(
    "claim",
    ClaimStatus,
    TRANSITIONS,
    {ClaimStatus.SUBMITTED},
    refusal=N_("This is not possible while the claim is %(status)s."),
)

TERMINAL = CLAIM.terminal
# where a claim rests waiting for a person (the claimant or staff), not for a worker
RESTING = frozenset(
    {
        ClaimStatus.REFERRED,
        ClaimStatus.AWAITING_APPROVAL,
        ClaimStatus.AWAITING_DOCUMENTS,
        ClaimStatus.INFO_REQUESTED,
        ClaimStatus.DENIED,
        ClaimStatus.PAID,
    }
)
REOPEN_WINDOW_DAYS = 180  # a denied claim may be reopened (new evidence, a complaint upheld) for 180 days


def check_transition(current: ClaimStatus, target: ClaimStatus) -> None:
    """Raise IllegalTransition (insure.state_machine) unless `target` may follow `current`."""
    CLAIM.check(ClaimStatus(current), ClaimStatus(target))


# --- the adjuster's decision within authority (issue 10, helper H5) ---
# what a person deciding a claim may do: approve (in full or in part), deny with a reason code, or (a claim awaiting
# a second approval) send it back to the adjuster
DECISION_OUTCOMES = ("approve", "deny", "send_back")
# why a claim is denied; each code has a label in both languages (insure.labels, "denial")
DENIAL_CODES = (
    "not_in_force",
    "waiting_period",
    "excluded_cause",
    "not_covered_event",
    "fraud_suspected",
    "insufficient_evidence",
)
DECIDING_ROLES = ("adjuster", "admin")
UNLIMITED_ROLES = ("admin",)  # an administrator's authority has no limit


def within_authority(role: str, authority_fen: int, amount_fen: int) -> bool:
    """Whether this person may approve this amount alone (the limit included); above it a second person must."""
    return role in UNLIMITED_ROLES or amount_fen <= authority_fen


def own_claim(user_id: int, policy_owner: int, claimant: int) -> bool:
    """Nobody decides a claim on their own policy, nor one they made themselves."""
    return user_id in (policy_owner, claimant)
