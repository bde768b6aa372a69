"""A policy account's balances and history, read from its entries (the sub-ledger): nothing is stored twice."""

from __future__ import annotations

from collections.abc import Iterable

from insure.accounts.model import Bucket
from insure.accounts.tables import AccountEntry


async def balances(policy_id: int) -> dict[str, int]:
    """Every bucket's balance in fen (0 for a bucket with no entries)."""
    return (await balances_many([policy_id]))[policy_id]


async def balances_many(policy_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Balances of several accounts in one query: {policy id: {bucket: fen}}."""
    ids = list(dict.fromkeys(policy_ids))
    result = {pid: dict.fromkeys(Bucket, 0) for pid in ids}
    if not ids:
        return result
    rows = await AccountEntry.raw(
        "SELECT policy AS policy, bucket AS bucket, SUM(amount_fen) AS total FROM account_entry "
        f"WHERE policy IN ({', '.join('{}' for _ in ids)}) GROUP BY policy, bucket",
        *ids,
    )
    for row in rows:
        result[row["policy"]][row["bucket"]] = int(row["total"])
    return {pid: {str(k): v for k, v in buckets.items()} for pid, buckets in result.items()}


async def history(policy_id: int) -> list[dict]:
    """Every entry of the account, oldest first."""
    return (
        await AccountEntry.select()
        .where(AccountEntry.policy == policy_id)
        .order_by(AccountEntry.on)
        .order_by(AccountEntry.id)
    )
