"""Writing a policy account's entries (the sub-ledger), each once under its idempotency key.

Every business event (a credit, an interest posting, a withdrawal) writes its entries through ``write``: an entry
whose key exists already is left as it is, so a retried event changes nothing. Inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from insure import clock
from insure.accounts.model import Bucket, EntryKind
from insure.accounts.tables import AccountEntry


@dataclass(frozen=True)
class Entry:
    key: str  # unique: what makes a rerun a no-op
    kind: EntryKind
    bucket: Bucket
    amount_fen: int  # signed
    memo: str = ""


async def write(
    policy_id: int,
    on: date,
    rows: list[Entry],
    *,
    allocation_id: int | None = None,
    declaration_id: int | None = None,
    actor: str = "system:accounts",
) -> int:
    """Insert the entries not written before (zero amounts are not written: they would only be noise in the
    history); returns how many were written."""
    wanted = [row for row in rows if row.amount_fen]
    if not wanted:
        return 0
    existing = await AccountEntry.select(AccountEntry.entry_key).where(
        AccountEntry.entry_key.is_in([row.key for row in wanted])
    )
    done = {r["entry_key"] for r in existing}
    new = [
        AccountEntry(
            entry_key=row.key,
            policy=policy_id,
            kind=row.kind,
            bucket=row.bucket,
            amount_fen=row.amount_fen,
            declaration_id=declaration_id,
            allocation_id=allocation_id,
            on=on,
            memo=row.memo[:255],
            actor=actor,
            at=clock.now(),
        )
        for row in wanted
        if row.key not in done
    ]
    if new:
        await AccountEntry.insert(*new)
    return len(new)


async def exists(key: str) -> dict | None:
    """The entry written under this key, if any."""
    return await AccountEntry.select().where(AccountEntry.entry_key == key).first()
