"""The claim's life cycle as a table of allowed moves (pure).

submitted -> assessing -> approved -> paid, with assessing -> referred when automation cannot settle
the claim; a referred claim is decided by an adjuster (approved or denied). Denied and paid are final.
"""

from __future__ import annotations

from enum import StrEnum


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

TERMINAL = frozenset({ClaimStatus.DENIED, ClaimStatus.PAID})


class IllegalTransition(Exception):
    """A move the claim's life cycle does not allow; reported to the user, never a server error."""

    code = "illegal_transition"

    def __init__(self, current: ClaimStatus, target: ClaimStatus) -> None:
        self.current = current
        self.target = target
        super().__init__(f"a claim cannot move from {current.value} to {target.value}")


def check_transition(current: ClaimStatus, target: ClaimStatus) -> None:
    """Raise IllegalTransition unless `target` may follow `current`."""
    current, target = ClaimStatus(current), ClaimStatus(target)
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)
