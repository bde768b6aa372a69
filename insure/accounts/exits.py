"""A participating policy's account when the policy ends: surrender, maturity, death, free-look, lapse.

The figures come from ``values.account_values`` (the one place for them); this module adds what only an exit
has — the days' interest on the accumulated dividends since the last anniversary and the pro-rata part of a
dividend declared for the year the policy ends in — and books the exit (``exit_rules``). Everything runs inside
the caller's transaction (the surrender, the maturity job), under the policy's row lock. The policies package
calls in here; nothing here imports its services (one way: accounts may read policies.tables and billing only).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from insure import clock
from insure.accounts import applying, dividends
from insure.accounts.balances import balances
from insure.accounts.exit_rules import EXIT_EXPENSE, ExitQuote, account_moves, exit_lines
from insure.accounts.interest import accumulation_rate
from insure.accounts.model import (
    ALLOCATION,
    AllocationStatus,
    DividendOption,
    DividendStyle,
    EntryKind,
)
from insure.accounts.tables import AccountEntry, DividendAllocation
from insure.accounts.values import account_values
from insure.errors import N_, Conflict
from insure.ledger import entries
from insure.ledger import services as ledger
from insure.money import to_fen
from insure.policies.billing import completed_years, policy_anniversary
from insure.policies.model import InstalmentStatus
from insure.policies.tables import Instalment
from insure.state import transition
from products import services as products


def participating(policy: dict) -> bool:
    return products.quoted_product(policy).participation is not None


def _days_in_year(policy: dict, on: date) -> tuple[int, int]:
    """(days since the last anniversary whose interest was posted, days in that policy year). Interest is posted
    when an anniversary is announced (``anniversaries_announced``): an exit on an anniversary not yet announced
    gets that whole year's interest here rather than none."""
    effective = policy["effective_date"]
    years = completed_years(effective, on)
    announced = policy.get("anniversaries_announced")
    if announced is not None:
        years = min(years, announced)
    last, following = policy_anniversary(effective, years), policy_anniversary(effective, years + 1)
    return (on - last).days, (following - last).days


async def _declared_allocation(policy: dict, on: date) -> dict | None:
    """The dividend declared for the policy year the policy ends in and not yet credited, if any."""
    return (
        await DividendAllocation.select()
        .where(
            (DividendAllocation.policy == policy["id"])
            & (DividendAllocation.status == AllocationStatus.DECLARED)
            & (DividendAllocation.anniversary >= on)  # not yet credited: on the exit's day it is due in full
        )
        .order_by(DividendAllocation.anniversary)
        .first()
    )


async def _book_values(policy_id: int) -> tuple[int, int]:
    """What the ledger holds for the policy's paid-up additions and bonuses: the dividends that bought the
    additions and the cost of the bonuses added, over the allocations credited (reversed ones are left out)."""
    rows = await DividendAllocation.select(
        DividendAllocation.dividend_fen,
        DividendAllocation.bonus_cost_fen,
        DividendAllocation.option_applied,
        DividendAllocation.style,
    ).where((DividendAllocation.policy == policy_id) & (DividendAllocation.status == AllocationStatus.CREDITED))
    pua = sum(r["dividend_fen"] for r in rows if r["option_applied"] == DividendOption.PAID_UP_ADDITIONS)
    bonus = sum(r["bonus_cost_fen"] for r in rows if r["style"] == DividendStyle.REVERSIONARY_BONUS)
    return pua, bonus


async def exit_quote(policy: dict, reason: str, on: date | None = None, base_fen: int | None = None) -> ExitQuote:
    """Every part an exit on `on` pays. `base_fen`: the guaranteed part (the maturity benefit for a maturity; by
    default the guaranteed cash value of ``account_values``). A death pays the additions' and bonuses' cover (in
    the claim) rather than their cash value."""
    on = on or clock.today()
    if not participating(policy) and base_fen is not None:
        return ExitQuote(reason=reason, on=on, base_fen=0 if reason == "death" else base_fen)
    values = await account_values(policy, on)
    base = to_fen(values.guaranteed_cash_value) if base_fen is None else base_fen
    if reason == "death":
        base = 0
    if not participating(policy):
        return ExitQuote(reason=reason, on=on, base_fen=base)
    # dividends that already paid part of premiums not yet due come back when those premiums are voided at the exit
    accumulated = to_fen(values.accumulated) + (await _offsets_to_return(policy["id"]) if reason != "death" else 0)
    days, year_days = _days_in_year(policy, on)
    interest = dividends.interest(accumulated, await accumulation_rate(policy["insurer_code"]), days, year_days)
    pro_rata, declared, allocation_id = 0, 0, None
    allocation = await _declared_allocation(policy, on)
    product = products.quoted_product(policy)
    if allocation is not None:
        declared, allocation_id = allocation["dividend_fen"], allocation["id"]
        if product.participation.pro_rata_on_exit:  # type: ignore[union-attr]
            start = policy_anniversary(policy["effective_date"], allocation["policy_year"] - 1)
            pro_rata = dividends.pro_rata(declared, start, on, allocation["anniversary"])
    pua_book, bonus_book = await _book_values(policy["id"])
    death = reason == "death"
    return ExitQuote(
        reason=reason,
        on=on,
        base_fen=base,
        accumulated_fen=accumulated,
        interest_fen=interest,
        pua_value_fen=to_fen(values.pua_sum_insured if death else values.pua_cash_value),
        bonus_value_fen=to_fen(values.bonus_sum_insured if death else values.bonus_cash_value),
        terminal_fen=to_fen(values.terminal_bonus),
        pro_rata_fen=pro_rata,
        pua_sum_insured_fen=to_fen(values.pua_sum_insured),
        bonus_sum_insured_fen=to_fen(values.bonus_sum_insured),
        pua_book_fen=pua_book,
        bonus_book_fen=bonus_book,
        declared_fen=declared,
        allocation_id=allocation_id,
    )


async def _offsets_to_return(policy_id: int) -> int:
    """The dividend offsets (``Instalment.offset_fen``) of premiums still due: voided at a surrender or maturity,
    they go back into the account (``applying.return_unused_offsets``) and out with the rest."""
    rows = await Instalment.select(Instalment.offset_fen).where(
        (Instalment.policy == policy_id) & (Instalment.status == InstalmentStatus.DUE) & (Instalment.offset_fen > 0)
    )
    return sum(r["offset_fen"] for r in rows)


async def extra_cover(policy: dict, coverage: object, on: date) -> Decimal:
    """What a participating policy's account adds to a death (or maturity) benefit on `on`: the paid-up additions'
    and bonuses' sum insured and the terminal bonus (``account_values``); 0 for other benefits and products."""
    if getattr(coverage, "benefit", "") not in ("death", "maturity") or not participating(policy):
        return Decimal(0)
    if policy.get("effective_date") is None:
        return Decimal(0)
    values = await account_values(policy, on)
    return values.death_benefit - values.sum_insured


async def settle(policy: dict, quote: ExitQuote, actor: str) -> None:
    """Empty the account at the exit (inside the caller's transaction): EXIT entries, the declared allocation
    settled with its pro-rata part, and the journal entry that releases the control accounts. Done once per
    policy: a second call changes nothing."""
    done = await AccountEntry.exists().where(AccountEntry.entry_key.like(f"exit:{policy['id']}:%"))
    if done:
        return
    if quote.reason != "death":  # the caller voided the premiums still due: their dividend offsets come back first
        await applying.return_unused_offsets(policy, quote.on)
    for bucket, fen in account_moves(quote):
        await AccountEntry.insert(
            AccountEntry(
                entry_key=f"exit:{policy['id']}:{bucket}:{'in' if fen > 0 else 'out'}",
                policy=policy["id"],
                kind=EntryKind.EXIT,
                bucket=bucket,
                amount_fen=fen,
                allocation_id=quote.allocation_id,
                on=quote.on,
                memo=f"{quote.reason}: the account settled",
                actor=actor,
                at=clock.now(),
            )
        )
    if quote.allocation_id is not None:
        await transition(
            DividendAllocation,
            quote.allocation_id,
            AllocationStatus.DECLARED,
            AllocationStatus.SETTLED,
            machine=ALLOCATION,
            actor=actor,
            reason=f"{quote.reason} on {quote.on.isoformat()}: {quote.pro_rata_fen} fen paid pro rata",
            values={DividendAllocation.settled_fen: quote.pro_rata_fen},
        )
    lines = exit_lines(quote, EXIT_EXPENSE[quote.reason])
    if lines:
        await ledger.post(
            f"account_exit:{policy['id']}",
            f"{quote.reason}: policy account of {policy['number']} settled",
            "policy",
            policy["id"],
            lines,
        )


async def check_empty_for_free_look(policy: dict) -> None:
    """A policy in its free-look period has had no dividend (the first needs a full policy year): its account is
    empty and nothing is reversed. Anything there is a data error: refuse rather than lose it."""
    if not participating(policy):
        return
    held = await balances(policy["id"])
    pending = await DividendAllocation.exists().where(
        (DividendAllocation.policy == policy["id"]) & (DividendAllocation.status == AllocationStatus.DECLARED)
    )
    if any(held.values()) or pending:
        raise Conflict(
            N_("This policy's dividend account is not empty; please contact us to cancel it."),
            code="account_not_empty",
        )


async def forfeit_declared(policy_id: int, actor: str) -> int:
    """A lapsed policy forfeits the dividends declared and not yet credited; returns how many."""
    rows = await DividendAllocation.select(
        DividendAllocation.id, DividendAllocation.dividend_fen, DividendAllocation.bonus_cost_fen
    ).where((DividendAllocation.policy == policy_id) & (DividendAllocation.status == AllocationStatus.DECLARED))
    for row in rows:
        await transition(
            DividendAllocation,
            row["id"],
            AllocationStatus.DECLARED,
            AllocationStatus.FORFEITED,
            machine=ALLOCATION,
            actor=actor,
            reason="the policy lapsed before the anniversary",
        )
        if row["dividend_fen"] > 0:  # the dividend declared is no longer owed: the declaration's expense given back
            await ledger.post(
                f"dividend_forfeited:{row['id']}",
                "dividend forfeited: the policy lapsed before its anniversary",
                "dividend_allocation",
                row["id"],
                entries.transfer(entries.DIVIDENDS_DECLARED, entries.POLICYHOLDER_DIVIDENDS, row["dividend_fen"]),
            )
        if row["bonus_cost_fen"] > 0:  # a bonus declared and never added: its cost booked at posting given back
            await ledger.post(
                f"bonus_forfeited:{row['id']}",
                "reversionary bonus forfeited: the policy lapsed before its anniversary",
                "dividend_allocation",
                row["id"],
                entries.transfer(entries.REVERSIONARY_BONUSES, entries.BONUS_EXPENSE, row["bonus_cost_fen"]),
            )
    return len(rows)
