"""What a credited dividend does to the account, by the option in force (docs/dividends.md, "Crediting").

Each function runs inside the crediting transaction, after the dividend itself is in the ``accumulated`` bucket,
and takes ``x``: the part of the dividend left to apply (a debt left by a reversal is made good first). Every
entry and journal entry is keyed by the allocation, so a rerun writes nothing twice.
"""

from __future__ import annotations

from datetime import date

from insure.accounts import dividends
from insure.accounts.account_entries import Entry, write
from insure.accounts.model import Bucket, EntryKind
from insure.accounts.values import terms_for
from insure.ledger import entries
from insure.ledger import services as ledger
from insure.payments import payouts
from insure.payments.model import PaymentStatus
from insure.payments.tables import Payment
from insure.policies import premiums
from insure.policies.model import InstalmentStatus
from insure.policies.tables import Instalment
from products.catalog import Product

OFFSET_ACTOR = "system:dividend_offset"


async def pay_in_cash(policy: dict, allocation: dict, x: int, on: date) -> int:
    """Cash option: the dividend leaves the account to the policyholder's bank account through the one payout
    path (booked Dr dividends accumulated / Cr cash when the gateway confirms). Returns what was paid."""
    aid = allocation["id"]
    await write(
        policy["id"],
        on,
        [
            Entry(f"credit:{aid}:cash", EntryKind.CASH_PAID, Bucket.ACCUMULATED, -x, "paid out"),
            Entry(f"credit:{aid}:cash:paid_out", EntryKind.CASH_PAID, Bucket.PAID_OUT, x, "paid out"),
        ],
        allocation_id=aid,
        declaration_id=allocation["declaration"],
    )
    await payouts.start_payout(policy, x, "dividend", key=f"dividend:{aid}")
    return x


async def _being_charged(policy_id: int) -> set[int]:
    """Instalments a card charge is waiting on: offsetting them now would make the policyholder pay twice."""
    rows = await Payment.select(Payment.instalment_id).where(
        (Payment.policy == policy_id) & (Payment.status == PaymentStatus.PENDING) & Payment.instalment_id.is_not_null()
    )
    return {r["instalment_id"] for r in rows}


async def offset_premiums(policy: dict, allocation: dict, x: int, on: date) -> int:
    """Premium offset: the dividend pays the next unpaid instalment(s) (``Instalment.offset_fen``); one paid in
    full becomes paid without a card charge, exactly as when a payment pays it. What is left (or all of it, for a
    policy with nothing more to pay) stays accumulated. Returns what was offset."""
    aid = allocation["id"]
    busy = await _being_charged(policy["id"])
    due = (
        await Instalment.select()
        .where((Instalment.policy == policy["id"]) & (Instalment.status == InstalmentStatus.DUE))
        .order_by(Instalment.number)
    )
    left, rows, paid = x, [], []
    for inst in due:
        room = inst["amount_fen"] - inst["offset_fen"]
        if left <= 0:
            break
        if inst["id"] in busy or room <= 0:
            continue
        part = min(left, room)
        await Instalment.update({Instalment.offset_fen: inst["offset_fen"] + part}).where(
            (Instalment.id == inst["id"]) & (Instalment.offset_fen == inst["offset_fen"])
        )
        memo = f"instalment {inst['number']} due {inst['due_date'].isoformat()}"
        rows += [
            Entry(f"credit:{aid}:offset:{inst['id']}", EntryKind.PREMIUM_OFFSET, Bucket.ACCUMULATED, -part, memo),
            Entry(f"credit:{aid}:offset:{inst['id']}:out", EntryKind.PREMIUM_OFFSET, Bucket.PAID_OUT, part, memo),
        ]
        if part == room:
            paid.append(inst["id"])
        left -= part
    offset = x - left
    if offset:
        await write(policy["id"], on, rows, allocation_id=aid, declaration_id=allocation["declaration"])
        await ledger.post(
            f"dividend_offset:{aid}",
            f"dividend of policy {policy['number']} applied to its premium",
            "dividend_allocation",
            aid,
            entries.transfer(entries.DIVIDENDS_ACCUMULATED, entries.PREMIUM_WRITTEN, offset),
        )
        await premiums.mark_paid(paid, None, actor=OFFSET_ACTOR)
    return offset


async def buy_additions(policy: dict, product: Product, allocation: dict, x: int, on: date) -> int:
    """Paid-up additions: the dividend buys paid-up cover at the net single premium for the attained age (the
    duration the anniversary completes). At the end of the term no cover can be bought: it stays accumulated.
    Returns the sum insured bought (fen)."""
    aid = allocation["id"]
    nsp = dividends.net_single_premium(product, terms_for(policy, product), allocation["policy_year"])
    if nsp <= 0:
        return 0
    added = dividends.paid_up_addition(x, nsp)
    memo = f"paid-up cover at {nsp:.6f} per 1"
    await write(
        policy["id"],
        on,
        [
            Entry(f"credit:{aid}:pua", EntryKind.PUA_PURCHASE, Bucket.ACCUMULATED, -x, memo),
            Entry(f"credit:{aid}:pua:sum_insured", EntryKind.PUA_PURCHASE, Bucket.PUA_SUM_INSURED, added, memo),
        ],
        allocation_id=aid,
        declaration_id=allocation["declaration"],
    )
    await ledger.post(
        f"dividend_pua:{aid}",
        f"paid-up additions bought by the dividend of policy {policy['number']}",
        "dividend_allocation",
        aid,
        entries.transfer(entries.DIVIDENDS_ACCUMULATED, entries.PAID_UP_ADDITIONS, x),
    )
    return added


async def add_bonus(policy: dict, allocation: dict, on: date) -> int:
    """Reversionary bonus: the declared bonus raises the cover; its cost (the bonus's net single premium) is
    booked Dr bonus expense / Cr reversionary bonuses. Returns the bonus added (fen)."""
    aid, bonus = allocation["id"], allocation["bonus_sum_fen"]
    if bonus <= 0:
        return 0
    await write(
        policy["id"],
        on,
        [Entry(f"credit:{aid}:bonus", EntryKind.BONUS, Bucket.BONUS_SUM_INSURED, bonus, "reversionary bonus")],
        allocation_id=aid,
        declaration_id=allocation["declaration"],
    )
    if allocation["bonus_cost_fen"] > 0:
        await ledger.post(
            f"dividend_bonus:{aid}",
            f"reversionary bonus added to policy {policy['number']}",
            "dividend_allocation",
            aid,
            entries.transfer(entries.BONUS_EXPENSE, entries.REVERSIONARY_BONUSES, allocation["bonus_cost_fen"]),
        )
    return bonus


async def return_unused_offsets(policy: dict, on: date) -> int:
    """When a policy ends, the instalments still due are voided: the part of them the dividends had already
    paid goes back into the account (+accumulated, −paid_out; Dr premium written / Cr dividends accumulated), so
    the exit pays it out with the rest. Call it after the instalments are voided and before the account is
    settled (insure.accounts exits), inside that transaction; once per instalment. Returns the fen returned."""
    voided = await Instalment.select(Instalment.id, Instalment.number, Instalment.offset_fen).where(
        (Instalment.policy == policy["id"]) & (Instalment.status == InstalmentStatus.VOID) & (Instalment.offset_fen > 0)
    )
    returned = 0
    for inst in voided:
        key = f"offset_return:{inst['id']}"
        memo = f"instalment {inst['number']} not due any more: its dividend offset returned"
        written = await write(
            policy["id"],
            on,
            [
                Entry(key, EntryKind.EXIT, Bucket.ACCUMULATED, inst["offset_fen"], memo),
                Entry(f"{key}:out", EntryKind.EXIT, Bucket.PAID_OUT, -inst["offset_fen"], memo),
            ],
        )
        if written:
            await ledger.post(
                key,
                f"dividend offset of a voided premium of policy {policy['number']} returned to its account",
                "policy",
                policy["id"],
                entries.transfer(entries.PREMIUM_WRITTEN, entries.DIVIDENDS_ACCUMULATED, inst["offset_fen"]),
            )
            returned += inst["offset_fen"]
    return returned
