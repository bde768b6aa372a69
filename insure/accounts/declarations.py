"""The annual declaration's services: prepare, read, approve, post, withdraw, reverse (docs/dividends.md).

Each state change is one transaction: the checks (with the row locked), the guarded move with its event row
(``insure.state.transition``), and the work for the workers written to the outbox. The long parts — the run,
the posting, the reversal — run on the workers in chunks (``declaration_run``, ``declaration_posting``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from insure import clock, outbox
from insure.accounts import preview as previews
from insure.accounts.declaration_inputs import DeclarationInput, participating_insurers
from insure.accounts.declaration_sql import eligible_where, postgres
from insure.accounts.model import DECLARATION, HOLDS_THE_YEAR, DeclarationStatus
from insure.accounts.tables import Declaration, DeclarationEvent, DividendAllocation
from insure.db import for_update, transaction
from insure.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed
from insure.i18n import get_locale
from insure.money import from_fen, to_fen
from insure.state import transition

STAFF = frozenset({"actuary", "admin"})


def _check_staff(user: dict) -> None:
    if user.get("role") not in STAFF:
        raise Forbidden()


async def insurers_with_funds() -> list[dict]:
    """Insurers with participating products: [{"code", "name_zh", "name_en"}], by code."""
    from products.services import catalog

    codes = participating_insurers()
    names: dict[str, tuple[str, str]] = {}
    for code in list(catalog()._versions):
        for product in catalog().versions(code):
            if product.insurer_code in codes:
                names[product.insurer_code] = (product.insurer_name_zh, product.insurer_name_en)
    return [{"code": c, "name_zh": names[c][0], "name_en": names[c][1]} for c in sorted(names)]


async def insurer_name(code: str) -> str:
    """The insurer's name in the language of the request (its code if it has no participating fund)."""
    found = next((i for i in await insurers_with_funds() if i["code"] == code), None)
    if found is None:
        return code
    return found["name_zh"] if get_locale().startswith("zh") else found["name_en"]


async def count_eligible(insurer_code: str, year: int) -> int:
    where, args = eligible_where(insurer_code, year)
    rows = await DividendAllocation.raw(f"SELECT COUNT(*) AS n FROM policy WHERE {where}", *args)
    return int(rows[0]["n"])


async def _lock_year(insurer_code: str, year: int) -> None:
    """Two staff preparing the same year at once: the second waits for the first's transaction and then finds the
    year held. PostgreSQL: a transaction-scoped advisory lock; SQLite's write transactions already run one at a
    time (BEGIN IMMEDIATE)."""
    if postgres():
        await Declaration.raw("SELECT pg_advisory_xact_lock(hashtext({}))", f"dividends:{insurer_code}:{year}")


async def prepare(user: dict, data: DeclarationInput, *, enqueue: bool = True) -> dict:
    """A new declaration (status computing) and its run enqueued; nothing is stored if a rule refuses it.

    ``enqueue=False``: the caller runs it itself (the CLI, the benchmark); should it die, the reconciler hands
    the stalled run to a worker."""
    _check_staff(user)
    transfer = to_fen(data.smoothing_transfer)
    async with transaction():
        await _lock_year(data.insurer_code, data.year)
        holding = await Declaration.count().where(
            (Declaration.insurer_code == data.insurer_code)
            & (Declaration.year == data.year)
            & Declaration.status.is_in(list(HOLDS_THE_YEAR))
        )
        if holding:
            raise Conflict(
                N_("%(insurer)s's dividend for %(year)s is already declared (or being declared)."),
                code="year_already_declared",
                insurer=await insurer_name(data.insurer_code),
                year=data.year,
            )
        eligible = await count_eligible(data.insurer_code, data.year)
        if not eligible:
            raise Conflict(
                N_("No policy of %(insurer)s has an anniversary in %(year)s that completes a policy year."),
                code="no_eligible_policies",
                insurer=data.insurer_code,
                year=data.year,
            )
        reserve = await previews.smoothing_reserve(data.insurer_code)
        if transfer < 0 and -transfer > reserve:
            raise ValidationFailed.one(
                "smoothing_transfer",
                "smoothing_release_too_large",
                N_("The smoothing reserve holds %(reserve)s; no more can be released."),
                reserve=str(from_fen(reserve)),
            )
        seq = await Declaration.count().where(
            (Declaration.insurer_code == data.insurer_code) & (Declaration.year == data.year)
        )
        now = clock.now()
        created = await Declaration.insert(
            Declaration(
                number=f"DV-{data.year}-{data.insurer_code[:18]}-{seq + 1}",
                insurer_code=data.insurer_code,
                year=data.year,
                status=DeclarationStatus.COMPUTING,
                investment_yield=str(data.investment_yield),
                mortality_ratio=str(data.mortality_ratio),
                expense_ratio=str(data.expense_ratio),
                policyholder_share=str(data.policyholder_share),
                smoothing_transfer_fen=transfer,
                accumulation_rate=str(data.accumulation_rate),
                bonus_rate=str(data.bonus_rate),
                terminal_bonus_rate=str(data.terminal_bonus_rate),
                run_total=eligible,
                run_updated_at=clock.real_now(),
                prepared_by=user["id"],
                prepared_at=now,
                fund_results="{}",
            )
        ).returning(Declaration.id)
        declaration_id = created[0]["id"]
        await DeclarationEvent.insert(
            DeclarationEvent(
                declaration=declaration_id,
                from_status="",
                to_status=DeclarationStatus.COMPUTING,
                actor=user["email"],
                reason="prepared",
                at=now,
            )
        )
        if enqueue:
            await outbox.enqueue("dividends.run", declaration_id)
    return await get_by_id(declaration_id)


async def get_by_id(declaration_id: int) -> dict:
    row = await Declaration.select().where(Declaration.id == declaration_id).first()
    if row is None:
        raise NotFound(N_("No such declaration."), code="declaration_not_found")
    return row


async def get(number: str) -> dict:
    row = await Declaration.select().where(Declaration.number == number).first()
    if row is None:
        raise NotFound(N_("No such declaration."), code="declaration_not_found")
    return row


async def list_declarations() -> list[dict]:
    """Every declaration, newest first."""
    return await Declaration.select().order_by(Declaration.id, ascending=False)


async def progress(number: str) -> dict:
    """Where the running phase is: {"phase", "done", "total", "per_second", "seconds_left", "status"}."""
    row = await get(number)
    total = row["run_total"]
    if row["run_phase"] in ("posting", "reversing"):
        total = await DividendAllocation.count().where(DividendAllocation.declaration == row["id"])
    done = min(row["run_done"], total) if total else row["run_done"]
    per_second = 0.0
    started, touched = row["run_started_at"], row["run_updated_at"]
    if started and touched and touched > started and done:
        per_second = done / (touched - started).total_seconds()
    left = round((total - done) / per_second) if per_second and total > done else None
    return {
        "phase": row["run_phase"],
        "done": done,
        "total": total,
        "per_second": round(per_second, 1),
        "seconds_left": left,
        "status": row["status"],
    }


async def preview(number: str) -> previews.Preview:
    return await previews.build(await get(number))


async def history(number: str) -> list[dict]:
    """The declaration's events, oldest first."""
    row = await get(number)
    return (
        await DeclarationEvent.select()
        .where(DeclarationEvent.declaration == row["id"])
        .order_by(DeclarationEvent.at)
        .order_by(DeclarationEvent.id)
    )


async def _locked(number: str) -> dict:
    row = await for_update(Declaration.select().where(Declaration.number == number)).first()
    if row is None:
        raise NotFound(N_("No such declaration."), code="declaration_not_found")
    return row


def _touched(enqueue: bool) -> datetime:
    """When a posting or reversal was last advanced, as the lease sees it: long ago when a worker is to take it
    (it starts at once), now when the caller runs it in-process (a worker then leaves it alone)."""
    return clock.real_now() - (timedelta(days=1) if enqueue else timedelta(0))


def _not_in(row: dict, action: str) -> Conflict:
    return Conflict(
        N_("A declaration that is %(status)s cannot be %(action)s."),
        code="illegal_transition",
        status=row["status"],
        action=action,
    )


async def _move(row: dict, to: DeclarationStatus, user: dict, reason: str = "", values: dict | None = None) -> None:
    await transition(
        Declaration,
        row["id"],
        row["status"],
        to,
        machine=DECLARATION,
        event_table=DeclarationEvent,
        event_owner="declaration",
        actor=user["email"],
        reason=reason,
        values=values,
    )


async def approve(user: dict, number: str) -> dict:
    """A second person approves a prepared declaration that has no problem."""
    _check_staff(user)
    async with transaction():
        row = await _locked(number)
        if row["status"] != DeclarationStatus.PREPARED:
            raise _not_in(row, "approved")
        if row["prepared_by"] == user["id"]:
            raise Conflict(
                N_("The preparer of a declaration cannot approve it: a second person must."),
                code="preparer_cannot_approve",
            )
        problem = previews.problem_of(row)
        if problem:
            raise Conflict(previews.PROBLEMS[problem], code=problem)
        await _move(
            row,
            DeclarationStatus.APPROVED,
            user,
            values={Declaration.approved_by: user["id"], Declaration.approved_at: clock.now()},
        )
    return await get(number)


async def post(user: dict, number: str, *, enqueue: bool = True) -> dict:
    """Start posting an approved declaration (the workers run it in chunks); posting twice books nothing twice."""
    _check_staff(user)
    async with transaction():
        row = await _locked(number)
        if row["status"] == DeclarationStatus.POSTED:
            raise Conflict(N_("This declaration is already posted."), code="already_posted")
        if row["status"] != DeclarationStatus.APPROVED:
            raise _not_in(row, "posted")
        if row["run_phase"] == "posting":
            return row  # already on its way: asking again changes nothing
        await Declaration.update(
            {
                Declaration.run_phase: "posting",
                Declaration.run_last_id: 0,
                Declaration.run_done: 0,
                Declaration.run_started_at: clock.real_now(),
                Declaration.run_updated_at: _touched(enqueue),
                Declaration.posted_by: user["id"],
            }
        ).where(Declaration.id == row["id"])
        if enqueue:
            await outbox.enqueue("dividends.post", row["id"])
    return await get(number)


async def withdraw(user: dict, number: str, reason: str) -> dict:
    """Drop a declaration not yet posted (its inputs to be corrected); the year is free again."""
    _check_staff(user)
    async with transaction():
        row = await _locked(number)
        if row["status"] not in (DeclarationStatus.COMPUTING, DeclarationStatus.PREPARED, DeclarationStatus.APPROVED):
            raise _not_in(row, "withdrawn")
        if row["run_phase"] == "posting":
            raise Conflict(N_("This declaration is being posted; it can no longer be withdrawn."), code="posting")
        await _move(row, DeclarationStatus.WITHDRAWN, user, reason, {Declaration.reason: reason[:255]})
    return await get(number)


async def reverse(user: dict, number: str, reason: str, *, enqueue: bool = True) -> dict:
    """Start reversing a posted declaration (reversing entries, every allocation reversed) on the workers."""
    _check_staff(user)
    async with transaction():
        row = await _locked(number)
        if row["status"] != DeclarationStatus.POSTED:
            raise _not_in(row, "reversed")
        if row["run_phase"] == "reversing":
            return row
        await Declaration.update(
            {
                Declaration.run_phase: "reversing",
                Declaration.run_last_id: 0,
                Declaration.run_done: 0,
                Declaration.run_started_at: clock.real_now(),
                Declaration.run_updated_at: _touched(enqueue),
                Declaration.reversed_by: user["id"],
                Declaration.reason: reason[:255],
            }
        ).where(Declaration.id == row["id"])
        if enqueue:
            await outbox.enqueue("dividends.reverse", row["id"])
    return await get(number)
