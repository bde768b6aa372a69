"""Case reserves on claims (issue 10): the adjuster's estimate of what an open claim will cost, held in the
ledger as a liability (``liability:case_reserves``) against the expense ``expense:change_in_case_reserves``.

Every change is one balanced entry for the difference (a rise credits the reserve, a cut debits it), so the
reserve account's balance for a claim always equals ``Claim.reserve_fen``; when the claim is paid or denied the
whole reserve is released by one more entry (claims/services.py ``_move`` calls ``release_on``). Entries are
append-only: a change never edits an earlier entry.
"""

from __future__ import annotations

from claims.tables import Claim
from insure.ledger import services as ledger
from insure.ledger.entries import CASE_RESERVE_CHANGE, CASE_RESERVES, Line, transfer
from insure.ledger.tables import JournalEntry

SOURCE = "claim_reserve"
# the statuses that end a claim's exposure: its reserve is released
RELEASED_ON = frozenset({"paid", "denied"})


def reserve_entry(old_fen: int, new_fen: int) -> tuple[Line, ...] | None:
    """The balanced entry that moves a claim's case reserve from ``old_fen`` to ``new_fen`` (pure); None when
    nothing changes. A rise is an expense now (debit the change account, credit the reserve liability); a cut
    or a release gives it back."""
    if old_fen < 0 or new_fen < 0:
        raise ValueError("a case reserve is never negative")
    diff = new_fen - old_fen
    if diff == 0:
        return None
    if diff > 0:
        return transfer(CASE_RESERVE_CHANGE, CASE_RESERVES, diff)
    return transfer(CASE_RESERVES, CASE_RESERVE_CHANGE, -diff)


async def book(claim_id: int, old_fen: int, new_fen: int, memo: str) -> int | None:
    """Post the change inside the caller's transaction (the caller stores ``Claim.reserve_fen``); the entry's key
    counts the claim's reserve entries, so each change is its own entry. The entry id, or None for no change."""
    lines = reserve_entry(old_fen, new_fen)
    if lines is None:
        return None
    seq = await JournalEntry.count().where((JournalEntry.source_type == SOURCE) & (JournalEntry.source_id == claim_id))
    return await ledger.post(f"claim-reserve:{claim_id}:{seq + 1}", memo, SOURCE, claim_id, lines)


async def release_on(claim_id: int, target: str) -> None:
    """Hook of every claim move (claims/services.py ``_move``): a claim that becomes paid or denied gives its
    whole case reserve back, in the same transaction as the move."""
    if str(target) not in RELEASED_ON:
        return
    row = await Claim.select(Claim.reserve_fen).where(Claim.id == claim_id).first()
    if row is None or not row["reserve_fen"]:
        return
    await book(claim_id, row["reserve_fen"], 0, f"case reserve released: claim {target!s}")
    await Claim.update({Claim.reserve_fen: 0}).where(Claim.id == claim_id)
