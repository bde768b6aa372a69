"""A payout's life cycle as a table of allowed moves (pure: no framework).

A payout starts ``pending`` (sent to the payee's tokenised bank account) or ``on_hold`` (no account known yet).
The gateway confirms a pending transfer (``succeeded``, final, the only status that is booked) or returns it
(``failed``: the bank refused the account). A held or returned payout is sent again (``pending``) once the payee
gives an account.
"""

from __future__ import annotations

from enum import StrEnum

from insure.state_machine import lifecycle


class PayoutStatus(StrEnum):
    """Where a payout is; the values are stored in the database and shown in the API."""

    PENDING = "pending"  # sent to the gateway, waiting for its confirmation
    ON_HOLD = "on_hold"  # no bank account known: waiting for the payee's
    SUCCEEDED = "succeeded"  # the gateway confirmed the transfer; booked
    FAILED = "failed"  # the gateway returned the transfer (unknown account); nothing booked


PAYOUT = lifecycle(
    "payout",
    PayoutStatus,
    {
        PayoutStatus.PENDING: {PayoutStatus.SUCCEEDED, PayoutStatus.FAILED},
        PayoutStatus.ON_HOLD: {PayoutStatus.PENDING},  # the payee gave an account
        PayoutStatus.FAILED: {PayoutStatus.PENDING},  # the payee gave another account
        PayoutStatus.SUCCEEDED: set(),
    },
    initial={PayoutStatus.PENDING, PayoutStatus.ON_HOLD},
)

# Money still owed to the payee that waits for a (new) bank account.
AWAITING_ACCOUNT = frozenset({PayoutStatus.ON_HOLD, PayoutStatus.FAILED})


def payout_key(purpose: str, subject_id: int) -> str:
    """The one key a payout is made under: ``claim:<claim id>``, ``surrender:<policy id>`` …"""
    return f"{purpose}:{subject_id}"


def key_subject(key: str) -> tuple[str, int | None]:
    """(purpose, subject id) of a payout key; the id is None when the key does not end with one."""
    purpose, _, rest = key.partition(":")
    return purpose, int(rest) if rest.isdigit() else None
