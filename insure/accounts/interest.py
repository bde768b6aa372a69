"""Interest on accumulated dividends (累积生息): at every policy anniversary, a year's interest on the accumulated
balance as it stands before that anniversary's dividend is credited (the ``AnniversaryReached`` handler runs in
the ``anniversaries`` job, before ``credit_dividends``), compound because last year's interest is in the balance.

The rate is the accumulation rate of the policy's insurer's latest posted declaration (2.5 % before the first).
A withdrawal during the year simply lowers the balance the next interest is paid on. Whichever comes first on
the anniversary day, the interest posting or the credit of that anniversary's dividend, the interest is on the
balance without that dividend (``balance_before_dividend``), and is posted once (its entry key).
"""

from __future__ import annotations

from decimal import Decimal

from insure.accounts import dividends
from insure.accounts.account_entries import Entry, exists, write
from insure.accounts.balances import balances
from insure.accounts.model import DEFAULT_ACCUMULATION_RATE, Bucket, DeclarationStatus, EntryKind
from insure.accounts.tables import AccountEntry, Declaration, DividendAllocation
from insure.ledger import entries
from insure.ledger import services as ledger
from insure.policies.billing import policy_anniversary
from insure.policies.tables import Policy


async def accumulation_rate(insurer_code: str) -> Decimal:
    """The rate accumulated dividends earn: the latest posted declaration's of the insurer, else the default."""
    row = (
        await Declaration.select(Declaration.accumulation_rate)
        .where((Declaration.insurer_code == insurer_code) & (Declaration.status == DeclarationStatus.POSTED))
        .order_by(Declaration.year, ascending=False)
        .order_by(Declaration.id, ascending=False)
        .first()
    )
    return Decimal(row["accumulation_rate"]) if row else DEFAULT_ACCUMULATION_RATE


async def balance_before_dividend(policy_id: int, policy_year: int) -> int:
    """The accumulated balance without the dividends of policy year ``policy_year`` or later (and what their
    options did with them): the balance the year's interest is due on, whether the dividend of the anniversary
    was credited before this interest posting (a payment ending grace credits at once) or after (the daily run)."""
    rows = await AccountEntry.select(AccountEntry.amount_fen, AccountEntry.allocation_id).where(
        (AccountEntry.policy == policy_id) & (AccountEntry.bucket == Bucket.ACCUMULATED)
    )
    ids = {r["allocation_id"] for r in rows if r["allocation_id"] is not None}
    later = set()
    if ids:
        found = await DividendAllocation.select(DividendAllocation.id).where(
            DividendAllocation.id.is_in(list(ids)) & (DividendAllocation.policy_year >= policy_year)
        )
        later = {r["id"] for r in found}
    return sum(r["amount_fen"] for r in rows if r["allocation_id"] not in later)


def interest_key(policy_id: int, policy_year: int) -> str:
    return f"interest:{policy_id}:{policy_year}"


async def post_interest(policy_id: int, policy_year: int) -> int:
    """The interest of policy year ``policy_year`` on the accumulated balance (inside the caller's transaction),
    once: entry INTEREST (+accumulated) and Dr dividend interest / Cr dividends accumulated. Returns the fen
    posted (0 when the account holds nothing, or it was posted before)."""
    key = interest_key(policy_id, policy_year)
    if (await balances(policy_id))[Bucket.ACCUMULATED] <= 0 or await exists(key):
        return 0  # most policies (no account, or nothing accumulated) stop at the one balance query
    held = await balance_before_dividend(policy_id, policy_year)
    if held <= 0:
        return 0
    policy = (
        await Policy.select(Policy.number, Policy.insurer_code, Policy.effective_date)
        .where(Policy.id == policy_id)
        .first()
    )
    rate = await accumulation_rate(policy["insurer_code"])
    amount = dividends.interest(held, rate)
    if amount <= 0:
        return 0
    on = policy_anniversary(policy["effective_date"], policy_year)
    await write(
        policy_id,
        on,
        [
            Entry(
                key,
                EntryKind.INTEREST,
                Bucket.ACCUMULATED,
                amount,
                f"interest at {(rate * 100).normalize()} % for year {policy_year}",
            )
        ],
    )
    await ledger.post(
        f"dividend_interest:{policy_id}:{policy_year}",
        f"interest on the accumulated dividends of policy {policy['number']}, year {policy_year}",
        "policy",
        policy_id,
        entries.transfer(entries.DIVIDEND_INTEREST, entries.DIVIDENDS_ACCUMULATED, amount),
    )
    return amount
