"""The declaration run at scale: every eligible policy's contribution, then the scaling to the payout — in chunks
by id, resumable, idempotent (docs/dividends.md "The annual declaration").

Each chunk (ids after ``run_last_id``, ``DIVIDEND_RUN_CHUNK`` eligible policies) is computed set-based on
PostgreSQL (``declaration_setbased``: the chunk's pricing keys valued in Python, one INSERT … SELECT in NUMERIC)
and policy by policy in exact Decimal on SQLite and for the products the SQL leaves out (bonus style), then in
ONE transaction: the chunk's allocations (``ON CONFLICT (alloc_key) DO NOTHING``) plus the declaration's progress,
guarded by ``WHERE run_last_id = <what this runner read>``. A worker killed mid-run leaves either the whole chunk
and its progress or neither; the next runner resumes after ``run_last_id``, and two runners racing cannot both
advance (the loser's guard matches no row, its transaction is rolled back and it reads the progress again).
Nobody gets two allocations: ``alloc_key`` = "<declaration id>:<policy id>" is unique.

A runner that finds the run touched less than ``LEASE`` seconds ago leaves it to whoever touches it (a message
delivered twice); the reconciler (``stalled``) hands a run untouched for longer to a worker again.

Phase 2, ``scaling``: each cash-style allocation's dividend = floor(raw × payout / raw total) with its remainder,
chunked. On PostgreSQL one UPDATE per chunk in NUMERIC that also gives the fen left over to the largest
remainders (ties to the smaller policy id) by a threshold computed once from the raw dividends; on SQLite
``dividends.scaled`` per row, and the leftover fen in one UPDATE when the declaration is made ``prepared``. In
that transaction the sum is checked against the payout. Posting and reversal are in ``declaration_posting``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from insure import clock
from insure.accounts import dividends
from insure.accounts.balances import balances_many
from insure.accounts.declaration_allocations import allocation_row, insert_allocations
from insure.accounts.declaration_setbased import insert_chunk, set_based_versions
from insure.accounts.declaration_sql import (
    POLICY_COLUMNS,
    eligible_where,
    execute_count,
    execute_rows,
    participating_products,
    postgres,
)
from insure.accounts.model import DECLARATION, Bucket, DeclarationStatus, DividendStyle
from insure.accounts.tables import Declaration, DeclarationEvent, DividendAllocation
from insure.db import transaction
from insure.money import quantize, to_fen
from insure.settings import load_settings
from insure.state import transition

SYSTEM = "system:dividends"
Progress = Callable[[dict], None]


# The run's settings are read from the environment when asked (load_settings, not the cached get_settings): a
# test sets them for one run, and a worker started with them gets them either way.


def chunk_size() -> int:
    """Policies per chunk (DIVIDEND_RUN_CHUNK; tests make it tiny so a kill lands mid-run). 0, the default, is
    automatic: 50,000 on PostgreSQL, where a chunk is a few set-based statements and Python holds none of its
    rows; 20,000 on SQLite, where Python holds the chunk's rows."""
    chosen = load_settings().dividend_run_chunk
    return chosen if chosen > 0 else (50_000 if postgres() else 20_000)


def pause_seconds() -> float:
    """A pause after each chunk (DIVIDEND_RUN_PAUSE_S, 0 by default): only tests slow the run down."""
    return load_settings().dividend_run_pause_s


def lease() -> timedelta:
    """How long a run may go untouched before another worker takes it over (DIVIDEND_RUN_LEASE_S)."""
    return timedelta(seconds=load_settings().dividend_run_lease_s)


class LostRace(Exception):
    """Another runner advanced the progress first: this chunk's transaction is rolled back."""


def held_by_another(row: dict, now: datetime) -> bool:
    touched = row["run_updated_at"]
    return bool(row["run_phase"]) and touched is not None and now - touched < lease()


async def _load(declaration_id: int) -> dict:
    row = await Declaration.select().where(Declaration.id == declaration_id).first()
    if row is None:
        raise LookupError(f"no declaration {declaration_id}")
    return row


def _summary(row: dict, state: str) -> dict:
    return {"state": state, "status": row["status"], "phase": row["run_phase"], "done": row["run_done"]}


async def _advance(declaration_id: int, read_last: int, new_last: int, done: int, extra: dict | None = None) -> None:
    """Move the progress on, inside the chunk's transaction; raise LostRace when someone else moved it first."""
    values: dict[Any, Any] = {
        Declaration.run_last_id: new_last,
        Declaration.run_done: Declaration.run_done + done,
        Declaration.run_updated_at: clock.real_now(),
        **(extra or {}),
    }
    moved = (
        await Declaration.update(values)
        .where(
            (Declaration.id == declaration_id)
            & (Declaration.run_last_id == read_last)
            & (Declaration.status == DeclarationStatus.COMPUTING)
        )
        .returning(Declaration.id)
    )
    if not moved:
        raise LostRace()


# ------------------------------------------------------------------------------------ phase 1: contributions


async def _chunk_end(row: dict) -> tuple[int, int] | None:
    """(last policy id, count) of the next chunk of eligible policies after ``run_last_id``."""
    where, args = eligible_where(row["insurer_code"], row["year"])
    found = await DividendAllocation.raw(
        f"SELECT MAX(id) AS hi, COUNT(*) AS n FROM (SELECT id FROM policy WHERE {where} AND id > {{}} "
        "ORDER BY id LIMIT {}) AS c",
        *args,
        row["run_last_id"],
        chunk_size(),
    )
    if not found or not found[0]["n"]:
        return None
    return int(found[0]["hi"]), int(found[0]["n"])


async def _python_rows(row: dict, last: int, totals: dict[str, int]) -> list[tuple]:
    """The chunk's allocations computed policy by policy in exact Decimal: every policy on SQLite (its numbers
    are floats), on PostgreSQL only those the set-based SQL leaves out (bonus style, age at the nearest
    birthday). The unit values are cached per pricing key (``dividends.unit_reserve``)."""
    versions = sorted(participating_products(row["insurer_code"]))
    if postgres():
        versions = sorted(set(versions) - set(set_based_versions(row["insurer_code"])))
        if not versions:
            return []
    where, args = eligible_where(row["insurer_code"], row["year"], versions)
    policies = await DividendAllocation.raw(
        f"SELECT {POLICY_COLUMNS} FROM policy WHERE {where} AND id > {{}} AND id <= {{}} ORDER BY id",
        *args,
        row["run_last_id"],
        last,
    )
    if not policies:
        return []
    styles = {key: p.participation.style for key, p in participating_products(row["insurer_code"]).items()}
    bonus_ids = [
        p["id"]
        for p in policies
        if styles.get((p["product_code"], p["product_version"])) == DividendStyle.REVERSIONARY_BONUS
    ]
    held = await balances_many(bonus_ids) if bonus_ids else {}
    return [allocation_row(row, p, held.get(p["id"], {}).get(Bucket.BONUS_SUM_INSURED, 0), totals) for p in policies]


async def _contributions_chunk(row: dict) -> bool:
    """One chunk of phase 1; False when no eligible policy is left."""
    span = await _chunk_end(row)
    if span is None:
        return False
    last, count = span
    totals = dict.fromkeys(("premiums_fen", "expenses_fen", "investment_income_fen", "reserves_fen"), 0)
    values = await _python_rows(row, last, totals)
    running = dict(row["fund_results"] if isinstance(row["fund_results"], dict) else json.loads(row["fund_results"]))
    async with transaction():
        await insert_allocations(values)
        if postgres():
            for key, amount in (await insert_chunk(row, row["run_last_id"], last)).items():
                totals[key] += amount
        for key, amount in totals.items():
            running[key] = int(running.get(key, 0)) + amount
        await _advance(row["id"], row["run_last_id"], last, count, {Declaration.fund_results: json.dumps(running)})
    return True


async def _sum(sql: str, *args: Any) -> list[int]:
    rows = await DividendAllocation.raw(sql, *args)
    return [int(v or 0) for v in rows[0].values()]


async def _finish_contributions(row: dict) -> None:
    """The fund's figures from the allocations; the payout; on to the scaling."""
    interest, mortality, expense, raw_total, bonus_cost, count, cash_count = await _sum(
        "SELECT SUM(interest_fen) AS i, SUM(mortality_fen) AS m, SUM(expense_fen) AS e, "
        "SUM(CASE WHEN style = {} THEN raw_fen ELSE 0 END) AS r, SUM(bonus_cost_fen) AS b, COUNT(*) AS n, "
        "SUM(CASE WHEN style = {} THEN 1 ELSE 0 END) AS c FROM dividend_allocation WHERE declaration = {}",
        str(DividendStyle.CASH),
        str(DividendStyle.CASH),
        row["id"],
    )
    distributable = max(0, interest + mortality + expense)
    entitlement = to_fen(quantize(Decimal(row["policyholder_share"]) * Decimal(distributable) / 100))
    payout = entitlement - bonus_cost - row["smoothing_transfer_fen"]
    async with transaction():
        await _advance(
            row["id"],
            row["run_last_id"],
            0,
            -row["run_done"],
            {
                Declaration.eligible_policies: count,
                Declaration.interest_gain_fen: interest,
                Declaration.mortality_gain_fen: mortality,
                Declaration.expense_gain_fen: expense,
                Declaration.distributable_fen: distributable,
                Declaration.policyholder_entitlement_fen: entitlement,
                Declaration.bonus_cost_fen: bonus_cost,
                Declaration.payout_fen: payout,
                Declaration.raw_total_fen: raw_total,
                Declaration.run_phase: "scaling",
                Declaration.run_total: cash_count,
                Declaration.run_started_at: clock.real_now(),
            },
        )


# ------------------------------------------------------------------------------------------ phase 2: scaling


def can_share(row: dict) -> bool:
    return row["payout_fen"] > 0 and row["raw_total_fen"] > 0


async def _scaling_chunk(row: dict) -> bool:
    """One chunk of phase 2: floor(raw × payout / raw total) and the remainder of each cash-style allocation —
    one UPDATE on PostgreSQL (exact NUMERIC: raw × payout passes 2^63 at a million policies), Python integers
    and one executemany on SQLite."""
    if not can_share(row):
        return False
    cash = str(DividendStyle.CASH)
    span = await DividendAllocation.raw(
        "SELECT MAX(id) AS hi, COUNT(*) AS n FROM (SELECT id FROM dividend_allocation WHERE declaration + 0 = {} "
        "AND style = {} AND id > {} ORDER BY id LIMIT {}) AS c",
        row["id"],
        cash,
        row["run_last_id"],
        chunk_size(),
    )
    if not span or not span[0]["n"]:
        return False
    last, count = int(span[0]["hi"]), int(span[0]["n"])
    payout, total = row["payout_fen"], row["raw_total_fen"]
    # ``declaration + 0``: the id range drives the scan (the declaration's index matches every row, dead ones too)
    where = "declaration + 0 = {} AND style = {} AND id > {} AND id <= {}"
    if postgres():
        left, rank_remainder, rank_policy = await _leftover_threshold(row)
        share = "raw_fen::numeric * {}"
        async with transaction():
            await execute_count(
                f"UPDATE dividend_allocation SET dividend_fen = div({share}, {{}})::bigint + CASE WHEN {{}} > 0 AND "
                f"(mod({share}, {{}}) > {{}} OR (mod({share}, {{}}) = {{}} AND policy <= {{}})) THEN 1 ELSE 0 END, "
                f"remainder = mod({share}, {{}})::bigint WHERE {where}",
                [
                    *(payout, total, left),
                    *(payout, total, rank_remainder, payout, total, rank_remainder, rank_policy),
                    *(payout, total),
                    *(row["id"], cash, row["run_last_id"], last),
                ],
            )
            await _advance(row["id"], row["run_last_id"], last, count)
        return True
    async with transaction():
        found = await DividendAllocation.raw(
            f"SELECT id, raw_fen FROM dividend_allocation WHERE {where}", row["id"], cash, row["run_last_id"], last
        )
        await execute_rows(
            "UPDATE dividend_allocation SET dividend_fen = {}, remainder = {} WHERE id = {}",
            [(*dividends.scaled(int(a["raw_fen"]), payout, total), a["id"]) for a in found],
        )
        await _advance(row["id"], row["run_last_id"], last, count)
    return True


_THRESHOLDS: dict[tuple[int, int, int], tuple[int, int, int]] = {}


async def _leftover_threshold(row: dict) -> tuple[int, int, int]:
    """(fen left over after the floors, remainder and policy of the last allocation that gets one of them) — the
    largest-remainder rule (remainder descending, ties to the smaller policy id) as a threshold, so each chunk's
    UPDATE gives its allocations their extra fen at once (no second pass over a million rows). Derived from the
    raw dividends, which the scaling does not change: a runner taking over computes the same again (and caches
    it for its own chunks)."""
    key = (row["id"], row["payout_fen"], row["raw_total_fen"])
    if key not in _THRESHOLDS:
        payout, total, cash = row["payout_fen"], row["raw_total_fen"], str(DividendStyle.CASH)
        (floors,) = await _sum(
            "SELECT SUM(div(raw_fen::numeric * {}, {})) AS f FROM dividend_allocation "
            "WHERE declaration = {} AND style = {}",
            payout,
            total,
            row["id"],
            cash,
        )
        left, found = payout - floors, (0, 0)
        if left > 0:
            ranked = await DividendAllocation.raw(
                "SELECT mod(raw_fen::numeric * {}, {}) AS r, policy FROM dividend_allocation "
                "WHERE declaration = {} AND style = {} ORDER BY 1 DESC, policy OFFSET {} LIMIT 1",
                payout,
                total,
                row["id"],
                cash,
                left - 1,
            )
            found = (int(ranked[0]["r"]), int(ranked[0]["policy"]))
        _THRESHOLDS.clear()  # one declaration at a time is enough to remember
        _THRESHOLDS[key] = (left, *found)
    return _THRESHOLDS[key]


async def _finish(row: dict) -> None:
    """The leftover fen to the largest remainders, the exact sum checked, the declaration prepared — at once."""
    from insure.accounts.fund_results import ledger_results

    results = dict(row["fund_results"] if isinstance(row["fund_results"], dict) else json.loads(row["fund_results"]))
    results.update(await ledger_results(row["insurer_code"], row["year"]))
    cash = str(DividendStyle.CASH)
    async with transaction():
        await _advance(
            row["id"],
            row["run_last_id"],
            row["run_last_id"],
            0,
            {Declaration.run_phase: "done", Declaration.fund_results: json.dumps(results)},
        )
        if can_share(row):
            (shared,) = await _sum(
                "SELECT SUM(dividend_fen) AS s FROM dividend_allocation WHERE declaration = {} AND style = {}",
                row["id"],
                cash,
            )
            left = row["payout_fen"] - shared
            if left > 0 and not postgres():  # PostgreSQL's scaling UPDATEs gave them already
                await DividendAllocation.raw(
                    "UPDATE dividend_allocation SET dividend_fen = dividend_fen + 1 WHERE id IN (SELECT id FROM "
                    "dividend_allocation WHERE declaration = {} AND style = {} ORDER BY remainder DESC, policy "
                    "LIMIT {})",
                    row["id"],
                    cash,
                    left,
                )
            (total,) = await _sum(
                "SELECT SUM(dividend_fen) AS s FROM dividend_allocation WHERE declaration = {} AND style = {}",
                row["id"],
                cash,
            )
            if total != row["payout_fen"]:  # never expected: the arithmetic guarantees it; refuse to prepare
                raise AssertionError(f"dividends add up to {total} fen, the payout is {row['payout_fen']} fen")
        await transition(
            Declaration,
            row["id"],
            DeclarationStatus.COMPUTING,
            DeclarationStatus.PREPARED,
            machine=DECLARATION,
            event_table=DeclarationEvent,
            event_owner="declaration",
            actor=SYSTEM,
            reason="computed",
        )


# ------------------------------------------------------------------------------------------------ the run


async def run(declaration_id: int, *, progress: Progress | None = None, force: bool = False) -> dict:
    """Compute (or resume) the declaration to ``prepared``; idempotent: a finished or withdrawn one is left alone.

    ``force`` ignores the lease (the CLI and the benchmark run in-process); ``progress`` is called after each
    chunk with the declaration's row."""
    row = await _load(declaration_id)
    if row["status"] != DeclarationStatus.COMPUTING:
        return _summary(row, "finished")
    if not force and held_by_another(row, clock.real_now()):
        return _summary(row, "busy")
    if not row["run_phase"]:
        await Declaration.update(
            {
                Declaration.run_phase: "contribution",
                Declaration.run_started_at: clock.real_now(),
                Declaration.run_updated_at: clock.real_now(),
            }
        ).where((Declaration.id == declaration_id) & (Declaration.run_phase == ""))
    pause = pause_seconds()
    while True:
        row = await _load(declaration_id)
        if row["status"] != DeclarationStatus.COMPUTING:
            return _summary(row, "finished")
        try:
            if row["run_phase"] == "contribution":
                if not await _contributions_chunk(row):
                    await _finish_contributions(row)
            elif row["run_phase"] == "scaling":
                if not await _scaling_chunk(row):
                    await _finish(row)
            else:  # pragma: no cover - "done" is always written with the move to prepared
                return _summary(row, "finished")
        except LostRace:
            continue
        if progress is not None:
            progress(await _load(declaration_id))
        if pause:
            await asyncio.sleep(pause)


async def stalled() -> list[tuple[str, int]]:
    """(task, declaration id) of every run — computing, posting or reversing — nobody has touched within the
    lease: the reconciler enqueues each again (safe: every run resumes from its progress)."""
    cutoff = clock.real_now() - lease()
    rows = await Declaration.select(Declaration.id, Declaration.status, Declaration.run_phase).where(
        Declaration.status.is_in([DeclarationStatus.COMPUTING, DeclarationStatus.APPROVED, DeclarationStatus.POSTED])
        & (Declaration.run_updated_at.is_null() | (Declaration.run_updated_at < cutoff))
    )
    found: list[tuple[str, int]] = []
    for r in rows:
        if r["status"] == DeclarationStatus.COMPUTING:
            found.append(("dividends.run", r["id"]))
        elif r["run_phase"] == "posting":
            found.append(("dividends.post", r["id"]))
        elif r["run_phase"] == "reversing":
            found.append(("dividends.reverse", r["id"]))
    return found
