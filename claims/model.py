"""The claim's life cycle as a table of allowed moves (pure).

submitted -> assessing -> approved -> paid, with assessing -> referred when automation cannot settle
the claim; a referred claim is decided by an adjuster (approved or denied). Denied and paid are final.
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
    DENIED = "denied"
    PAID = "paid"


TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    ClaimStatus.SUBMITTED: frozenset({ClaimStatus.ASSESSING}),
    ClaimStatus.ASSESSING: frozenset({ClaimStatus.APPROVED, ClaimStatus.REFERRED}),
    # Denial is always a human decision (Insurance Law art. 24), so only a referred claim can be denied.
    ClaimStatus.REFERRED: frozenset({ClaimStatus.APPROVED, ClaimStatus.DENIED}),
    ClaimStatus.APPROVED: frozenset({ClaimStatus.PAID}),
    ClaimStatus.DENIED: frozenset(),
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


def check_transition(current: ClaimStatus, target: ClaimStatus) -> None:
    """Raise IllegalTransition (insure.state_machine) unless `target` may follow `current`."""
    CLAIM.check(ClaimStatus(current), ClaimStatus(target))
