"""Crediting one declared dividend to its policy account (docs/dividends.md, "Crediting").

An allocation is credited once: ``declared``, of a ``posted`` declaration, its anniversary reached, the policy in
force with no premium past its due date still unpaid. A policy in its grace period keeps the dividend declared
(held) and gets it when it pays (the ``PaymentSettled`` handler, or the next daily run); a lapsed policy forfeits
it; a policy that ended otherwise (surrender, maturity, death) is settled by the exits, never here.

Cash style: the dividend goes into ``accumulated`` (Dr dividends declared / Cr dividends accumulated), a debt a
reversal left there is made good first, and the rest is applied by the option in force when it is credited (so a
change of option counts from the next credit): cash, premium offset, accumulate, paid-up additions. Bonus style:
the reversionary bonus raises the cover. Then the allocation is ``credited`` and its annual notice is queued.

Everything happens in one transaction under the policy's and the allocation's row locks, and every entry is
keyed by the allocation: a rerun (or a racing worker) changes nothing.
"""

from __future__ import annotations

from datetime import date

from insure import clock, outbox
from insure.accounts import applying, interest, options
from insure.accounts.account_entries import Entry, write
from insure.accounts.balances import balances
from insure.accounts.model import ALLOCATION, AllocationStatus, Bucket, DeclarationStatus, DividendOption, EntryKind
from insure.accounts.tables import Declaration, DividendAllocation
from insure.db import for_update, transaction
from insure.ledger import entries
from insure.ledger import services as ledger
from insure.policies.model import InstalmentStatus, PolicyStatus
from insure.policies.tables import Instalment, Policy
from insure.state import transition
from products import services as products

NOTICE_TASK = "accounts.notice_email"  # the annual notice e-mail (insure.accounts.notice_tasks)
ACTOR = "system:accounts"
CREDITED, HELD, FORFEITED = "credited", "held", "forfeited"


async def in_arrears(policy_id: int, day: date) -> bool:
    """A premium fell due before ``day`` and is still unpaid: the policy is in its grace period."""
    return await Instalment.exists().where(
        (Instalment.policy == policy_id) & (Instalment.status == InstalmentStatus.DUE) & (Instalment.due_date < day)
    )


async def credit_allocation(allocation_id: int, day: date) -> str | None:
    """The batch row of ``credit_dividends`` (and the handler of a payment that ends a grace period): credit one
    allocation if it may be credited on ``day``. Returns "credited" or "forfeited" (a lapsed policy), None when
    there is nothing to do (not due yet, held in grace, already done, or the policy ended: the exits settle it)."""
    first = (
        await DividendAllocation.select(DividendAllocation.policy).where(DividendAllocation.id == allocation_id).first()
    )
    if first is None:
        return None
    async with transaction():
        # the policy's lock first, as payments and endorsements take it: never both a payment and a credit at once
        policy = await for_update(Policy.select().where(Policy.id == first["policy"])).first()
        allocation = await for_update(DividendAllocation.select().where(DividendAllocation.id == allocation_id)).first()
        if allocation["status"] != AllocationStatus.DECLARED or allocation["anniversary"] > day:
            return None
        declaration = await Declaration.select().where(Declaration.id == allocation["declaration"]).first()
        if declaration["status"] != DeclarationStatus.POSTED:
            return None
        if policy["status"] == PolicyStatus.LAPSED:
            await _move(allocation, AllocationStatus.FORFEITED, "the policy lapsed before the dividend was credited")
            return FORFEITED
        if policy["status"] != PolicyStatus.IN_FORCE or await in_arrears(policy["id"], day):
            return None  # ended: the exits settle it; in grace: held until the premium is paid
        # the year's interest is on the balance before this dividend: posted here first if the anniversary's
        # own handler has not run yet (a payment ending a grace period can credit before the anniversaries job)
        await interest.post_interest(policy["id"], allocation["policy_year"])
        applied = await _apply(policy, allocation, day)
        await _move(
            allocation,
            AllocationStatus.CREDITED,
            f"credited: {applied or 'no option'}",
            {DividendAllocation.option_applied: applied, DividendAllocation.credited_at: clock.now()},
        )
        await outbox.enqueue(NOTICE_TASK, allocation_id)
    return CREDITED


async def credit_held(policy_id: int, day: date | None = None) -> int:
    """A policy that has just paid what it owed (inside the payment's transaction): every dividend held for it
    is credited now rather than at the next daily run. Returns how many were credited."""
    day = day or clock.today()
    rows = await DividendAllocation.select(DividendAllocation.id).where(
        (DividendAllocation.policy == policy_id)
        & (DividendAllocation.status == AllocationStatus.DECLARED)
        & (DividendAllocation.anniversary <= day)
    )
    done = 0
    for row in rows:
        done += await credit_allocation(row["id"], day) == CREDITED
    return done


async def _move(allocation: dict, to: AllocationStatus, reason: str, values: dict | None = None) -> None:
    await transition(
        DividendAllocation,
        allocation["id"],
        allocation["status"],
        to,
        machine=ALLOCATION,
        actor=ACTOR,
        reason=reason,
        values=values,
    )


async def _apply(policy: dict, allocation: dict, day: date) -> str:
    """The account entries and journal entries of the credit; returns the option applied ("" when nothing
    was to be applied by an option: a bonus-style policy's is the style itself)."""
    product = products.quoted_product(policy)
    participation = options.participation_of(product)
    applied = options.option_in_force(policy, participation)
    if allocation["bonus_sum_fen"] > 0 or (participation is not None and participation.style != "cash"):
        await applying.add_bonus(policy, allocation, day)
        applied = applied or "reversionary_bonus"
    d = allocation["dividend_fen"]
    if d <= 0:
        return applied
    aid = allocation["id"]
    before = (await balances(policy["id"]))[Bucket.ACCUMULATED]
    memo = f"dividend {allocation['policy_year']}"
    await write(
        policy["id"],
        day,
        [
            Entry(f"credit:{aid}:dividend", EntryKind.DIVIDEND, Bucket.ACCUMULATED, d, memo),
            Entry(f"credit:{aid}:dividend:memo", EntryKind.DIVIDEND, Bucket.DIVIDENDS_CREDITED, d, memo),
        ],
        allocation_id=aid,
        declaration_id=allocation["declaration"],
    )
    await ledger.post(
        f"dividend_credit:{aid}",
        f"dividend of policy {policy['number']} for policy year {allocation['policy_year']}",
        "dividend_allocation",
        aid,
        entries.transfer(entries.DIVIDENDS_DECLARED, entries.DIVIDENDS_ACCUMULATED, d),
    )
    x = d - min(d, max(0, -before))  # a reversal's debt is made good first
    if x <= 0 or not applied or applied == DividendOption.ACCUMULATE:
        return applied or DividendOption.ACCUMULATE
    if applied == DividendOption.CASH:
        await applying.pay_in_cash(policy, allocation, x, day)
    elif applied == DividendOption.PREMIUM_OFFSET:
        await applying.offset_premiums(policy, allocation, x, day)
    elif applied == DividendOption.PAID_UP_ADDITIONS:
        await applying.buy_additions(policy, product, allocation, x, day)
    return applied
