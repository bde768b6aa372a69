"""Posting and reversing a declaration, set-based and chunked by allocation id, resumable (docs/dividends.md).

Posting: every allocation ``computed`` → ``declared`` in chunks (``UPDATE … WHERE declaration = ? AND id > ? AND id <=
…``, with the progress in the same transaction), then in one transaction the journal entries (the payout, the
smoothing transfer, the bonus cost; each with its idempotency key) and the move to ``posted``. Run twice, it
books nothing twice: the keys make a second entry a no-op and the status guard refuses a second move.

Reversal: for each chunk, the account entries that crediting made from its allocations (the dividend, the
paid-up additions bought, the bonus) get reversing entries — same bucket, opposite sign, key
``reversal:<entry id>`` so a rerun adds none twice — and the allocations become ``reversed``; then the
reversing journal entries and the move to ``reversed``. Money already paid out (cash option, premium offset)
is not reversed: the dividend's reversal leaves the ``accumulated`` balance negative, and the next dividends
make it good first.
"""

from __future__ import annotations

import asyncio

from insure import clock, outbox
from insure.accounts.declaration_run import LostRace, Progress, chunk_size, held_by_another, pause_seconds
from insure.accounts.declaration_sql import execute_count
from insure.accounts.model import DECLARATION, AllocationStatus, DeclarationStatus, EntryKind
from insure.accounts.tables import Declaration, DeclarationEvent, DividendAllocation
from insure.auth.tables import User
from insure.db import transaction
from insure.ledger import entries
from insure.ledger import services as ledger
from insure.state import transition

SOURCE = "dividend_declaration"
# the kinds of account entry a declaration's crediting makes that its reversal undoes
REVERSED_KINDS = (EntryKind.DIVIDEND, EntryKind.BONUS, EntryKind.PUA_PURCHASE)


async def _load(declaration_id: int) -> dict:
    row = await Declaration.select().where(Declaration.id == declaration_id).first()
    if row is None:
        raise LookupError(f"no declaration {declaration_id}")
    return row


async def _actor(user_id: int | None) -> str:
    if user_id is None:
        return "system:dividends"
    row = await User.select(User.email).where(User.id == user_id).first()
    return row["email"] if row else f"user:{user_id}"


async def _next_range(declaration_id: int, after: int) -> int | None:
    """The last id of the next chunk of the declaration's allocations after ``after``. Here and in the chunk's
    UPDATE, ``declaration + 0`` (and ``status || ''``) keep PostgreSQL on the id range: those indexes match every row
    of the chunk's declaration (and the dead versions a million updates leave behind)."""
    rows = await DividendAllocation.raw(
        "SELECT MAX(id) AS hi FROM (SELECT id FROM dividend_allocation "
        "WHERE declaration + 0 = {} AND id > {} ORDER BY id LIMIT {}) AS c",
        declaration_id,
        after,
        chunk_size(),
    )
    if not rows or rows[0]["hi"] is None:
        return None
    return int(rows[0]["hi"])


async def _advance(row: dict, status: str, new_last: int, done: int) -> None:
    moved = (
        await Declaration.update(
            {
                Declaration.run_last_id: new_last,
                Declaration.run_done: Declaration.run_done + done,
                Declaration.run_updated_at: clock.real_now(),
            }
        )
        .where(
            (Declaration.id == row["id"])
            & (Declaration.run_last_id == row["run_last_id"])
            & (Declaration.status == status)
        )
        .returning(Declaration.id)
    )
    if not moved:
        raise LostRace()


async def _chunks(declaration_id: int, status: str, phase: str, step, progress: Progress | None, force: bool) -> bool:
    """Run ``step(row, after, last)`` over every chunk (after < id ≤ last); False once no longer in this phase."""
    row = await _load(declaration_id)
    if row["status"] != status or row["run_phase"] != phase:
        return False
    if not force and held_by_another(row, clock.real_now()) and row["run_done"]:
        return False
    pause = pause_seconds()
    while True:
        row = await _load(declaration_id)
        if row["status"] != status or row["run_phase"] != phase:
            return False
        last = await _next_range(declaration_id, row["run_last_id"])
        if last is None:
            return True
        try:
            async with transaction():  # the chunk's change and its progress: one declaration update, at the end
                count = await step(row, row["run_last_id"], last)
                await _advance(row, status, last, count)
        except LostRace:
            continue
        if progress is not None:
            progress(await _load(declaration_id))
        if pause:
            await asyncio.sleep(pause)


# ------------------------------------------------------------------------------------------------- posting


async def _declare(row: dict, after: int, last: int) -> int:
    return await execute_count(
        "UPDATE dividend_allocation SET status = {} WHERE declaration + 0 = {} AND status || '' = {} "
        "AND id > {} AND id <= {}",
        [str(AllocationStatus.DECLARED), row["id"], str(AllocationStatus.COMPUTED), after, last],
    )


def posting_entries(row: dict) -> list[tuple[str, str, tuple[entries.Line, ...]]]:
    """(key, memo, lines) of the journal entries that post a declaration (pure)."""
    number, key = row["number"], f"dividends:{row['id']}"
    found = []
    if row["payout_fen"] > 0:
        lines = entries.transfer(entries.POLICYHOLDER_DIVIDENDS, entries.DIVIDENDS_DECLARED, row["payout_fen"])
        found.append((f"{key}:payout", f"cash dividends declared, {number}", lines))
    smoothing = row["smoothing_transfer_fen"]
    if smoothing > 0:
        lines = entries.transfer(entries.POLICYHOLDER_DIVIDENDS, entries.SMOOTHING_RESERVE, smoothing)
        found.append((f"{key}:smoothing", f"transfer to the smoothing reserve, {number}", lines))
    elif smoothing < 0:
        lines = entries.transfer(entries.SMOOTHING_RESERVE, entries.POLICYHOLDER_DIVIDENDS, -smoothing)
        found.append((f"{key}:smoothing", f"release from the smoothing reserve, {number}", lines))
    if row["bonus_cost_fen"] > 0:
        lines = entries.transfer(entries.BONUS_EXPENSE, entries.REVERSIONARY_BONUSES, row["bonus_cost_fen"])
        found.append((f"{key}:bonus", f"reversionary bonuses declared, {number}", lines))
    return found


def _reversed(lines: tuple[entries.Line, ...]) -> tuple[entries.Line, ...]:
    return tuple(entries.Line(line.account, debit_fen=line.credit_fen, credit_fen=line.debit_fen) for line in lines)


async def run_posting(declaration_id: int, *, progress: Progress | None = None, force: bool = False) -> dict:
    """Post an approved declaration whose posting was asked for (``post``); resumable, a no-op once posted."""
    row = await _load(declaration_id)
    if row["status"] == DeclarationStatus.POSTED:
        return {"state": "already_posted", "status": row["status"]}
    complete = await _chunks(declaration_id, DeclarationStatus.APPROVED, "posting", _declare, progress, force)
    if not complete:
        row = await _load(declaration_id)
        return {"state": "not_posting", "status": row["status"]}
    async with transaction():
        row = await _load(declaration_id)
        if row["status"] != DeclarationStatus.APPROVED or row["run_phase"] != "posting":
            return {"state": "not_posting", "status": row["status"]}
        for key, memo, lines in posting_entries(row):
            await ledger.post(key, memo, SOURCE, row["id"], lines)
        # anniversaries already past are credited at posting, not at the next day's run (the day's may be done)
        await outbox.enqueue("dividends.credit_due")
        await transition(
            Declaration,
            row["id"],
            DeclarationStatus.APPROVED,
            DeclarationStatus.POSTED,
            machine=DECLARATION,
            event_table=DeclarationEvent,
            event_owner="declaration",
            actor=await _actor(row["posted_by"]),
            values={Declaration.posted_at: clock.now(), Declaration.run_phase: "done"},
        )
    return {"state": "posted", "status": DeclarationStatus.POSTED}


# ------------------------------------------------------------------------------------------------ reversal


async def _reverse(row: dict, after: int, last: int) -> int:
    kinds = ", ".join(f"'{kind}'" for kind in REVERSED_KINDS)
    await DividendAllocation.raw(
        'INSERT INTO account_entry (entry_key, policy, kind, bucket, amount_fen, declaration_id, allocation_id, "on", '
        "memo, actor, at) SELECT 'reversal:' || CAST(e.id AS VARCHAR), e.policy, {}, e.bucket, -e.amount_fen, {}, "
        "e.allocation_id, {}, {}, {}, {} FROM account_entry e JOIN dividend_allocation a ON a.id = e.allocation_id "
        f"WHERE a.declaration = {{}} AND a.id > {{}} AND a.id <= {{}} AND e.kind IN ({kinds}) "
        "ON CONFLICT (entry_key) DO NOTHING",
        str(EntryKind.REVERSAL),
        row["id"],
        clock.today(),
        f"reversal of declaration {row['number']}"[:255],
        "system:dividends",
        clock.now(),
        row["id"],
        after,
        last,
    )
    return await execute_count(
        "UPDATE dividend_allocation SET status = {} WHERE declaration + 0 = {} AND status || '' IN ({}, {}, {}) "
        "AND id > {} AND id <= {}",
        [
            str(AllocationStatus.REVERSED),
            row["id"],
            str(AllocationStatus.COMPUTED),
            str(AllocationStatus.DECLARED),
            str(AllocationStatus.CREDITED),
            after,
            last,
        ],
    )


async def reversal_entries(row: dict) -> list[tuple[str, str, tuple[entries.Line, ...]]]:
    """The reversing journal entries: each posting entry reversed, and the credits already made taken back."""
    found = [(f"{key}:reversal", f"reversal: {memo}", _reversed(lines)) for key, memo, lines in posting_entries(row)]
    sums = await DividendAllocation.raw(
        "SELECT e.kind AS kind, SUM(e.amount_fen) AS total FROM account_entry e JOIN dividend_allocation a "
        "ON a.id = e.allocation_id WHERE a.declaration = {} AND e.bucket = 'accumulated' AND e.kind IN ({}, {}) "
        "GROUP BY e.kind",
        row["id"],
        str(EntryKind.DIVIDEND),
        str(EntryKind.PUA_PURCHASE),
    )
    by_kind = {r["kind"]: int(r["total"] or 0) for r in sums}
    key = f"dividends:{row['id']}"
    credited = by_kind.get(str(EntryKind.DIVIDEND), 0)
    if credited > 0:
        lines = entries.transfer(entries.DIVIDENDS_ACCUMULATED, entries.DIVIDENDS_DECLARED, credited)
        found.append((f"{key}:credits:reversal", f"reversal of dividends credited, {row['number']}", lines))
    bought = -by_kind.get(str(EntryKind.PUA_PURCHASE), 0)
    if bought > 0:
        lines = entries.transfer(entries.PAID_UP_ADDITIONS, entries.DIVIDENDS_ACCUMULATED, bought)
        found.append((f"{key}:pua:reversal", f"reversal of paid-up additions bought, {row['number']}", lines))
    # allocations forfeited at a lapse or settled at an exit keep their status: their declared amounts already
    # left dividends_declared (and their bonus costs, reversionary_bonuses) then, so the full reversal of the
    # posting above is topped up by what they took, and the control accounts end at zero
    resolved = await DividendAllocation.raw(
        "SELECT SUM(dividend_fen) AS dividends, SUM(CASE WHEN status = {} THEN bonus_cost_fen ELSE 0 END) AS bonuses "
        "FROM dividend_allocation WHERE declaration = {} AND status IN ({}, {})",
        str(AllocationStatus.FORFEITED),
        row["id"],
        str(AllocationStatus.FORFEITED),
        str(AllocationStatus.SETTLED),
    )
    gone, gone_bonus = int(resolved[0]["dividends"] or 0), int(resolved[0]["bonuses"] or 0)
    if gone > 0:
        lines = entries.transfer(entries.POLICYHOLDER_DIVIDENDS, entries.DIVIDENDS_DECLARED, gone)
        found.append(
            (f"{key}:resolved:reversal", f"dividends forfeited or settled before the reversal, {row['number']}", lines)
        )
    if gone_bonus > 0:
        lines = entries.transfer(entries.BONUS_EXPENSE, entries.REVERSIONARY_BONUSES, gone_bonus)
        found.append(
            (f"{key}:resolved_bonus:reversal", f"bonuses forfeited before the reversal, {row['number']}", lines)
        )
    return found


async def run_reversal(declaration_id: int, *, progress: Progress | None = None, force: bool = False) -> dict:
    """Reverse a posted declaration whose reversal was asked for (``reverse``); resumable, a no-op once done."""
    row = await _load(declaration_id)
    if row["status"] == DeclarationStatus.REVERSED:
        return {"state": "already_reversed", "status": row["status"]}
    complete = await _chunks(declaration_id, DeclarationStatus.POSTED, "reversing", _reverse, progress, force)
    if not complete:
        return {"state": "not_reversing", "status": (await _load(declaration_id))["status"]}
    async with transaction():
        row = await _load(declaration_id)
        if row["status"] != DeclarationStatus.POSTED or row["run_phase"] != "reversing":
            return {"state": "not_reversing", "status": row["status"]}
        for key, memo, lines in await reversal_entries(row):
            await ledger.post(key, memo, SOURCE, row["id"], lines)
        await transition(
            Declaration,
            row["id"],
            DeclarationStatus.POSTED,
            DeclarationStatus.REVERSED,
            machine=DECLARATION,
            event_table=DeclarationEvent,
            event_owner="declaration",
            actor=await _actor(row["reversed_by"]),
            reason=row["reason"],
            values={Declaration.reversed_at: clock.now(), Declaration.run_phase: "done"},
        )
    return {"state": "reversed", "status": DeclarationStatus.REVERSED}
