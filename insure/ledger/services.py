"""Posting balanced journal entries; balances are always derived from the lines."""

from __future__ import annotations

from insure import clock
from insure.ledger.entries import CHART, Line, validate_entry
from insure.ledger.tables import JournalEntry, JournalLine, LedgerAccount


async def _account_id(code: str) -> int:
    row = await LedgerAccount.select(LedgerAccount.id).where(LedgerAccount.code == code).first()
    if row:
        return row["id"]
    kind, name = CHART[code]
    created = await LedgerAccount.insert(LedgerAccount(code=code, kind=kind, name=name)).returning(LedgerAccount.id)
    return created[0]["id"]


async def post(idempotency_key: str, memo: str, source_type: str, source_id: int, lines: tuple[Line, ...]) -> int:
    """Post one balanced entry inside the caller's transaction; posting the same key again is a no-op."""
    lines = validate_entry(lines)
    existing = await JournalEntry.select(JournalEntry.id).where(JournalEntry.idempotency_key == idempotency_key).first()
    if existing:
        return existing["id"]
    created = await JournalEntry.insert(
        JournalEntry(
            idempotency_key=idempotency_key,
            memo=memo[:255],
            source_type=source_type,
            source_id=source_id,
            posted_at=clock.now(),
        )
    ).returning(JournalEntry.id)
    entry_id = created[0]["id"]
    await JournalLine.insert(
        *[
            JournalLine(
                entry=entry_id,
                account=await _account_id(line.account),
                debit_fen=line.debit_fen,
                credit_fen=line.credit_fen,
            )
            for line in lines
        ]
    )
    return entry_id


async def trial_balance() -> dict[str, int]:
    """Every account's balance; the values sum to zero when the books balance."""
    rows = await JournalLine.select(
        JournalLine.account.code.as_alias("code"), JournalLine.debit_fen, JournalLine.credit_fen
    )
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["code"]] = totals.get(r["code"], 0) + r["debit_fen"] - r["credit_fen"]
    return totals
