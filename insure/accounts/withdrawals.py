"""The policyholder takes accumulated dividends out of the account (部分领取): entry WITHDRAWAL (−accumulated,
+paid_out) and a payout "dividend" to the policy's bank account through the one payout path (booked Dr dividends
accumulated / Cr cash when the gateway confirms), in one transaction.

Once per Idempotency-Key (scoped to the user, like payments): a retry returns the first withdrawal; the same key
with another amount or policy is 409 ``idempotency_key_reused``.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from insure import clock
from insure.accounts.account_entries import Entry, exists, write
from insure.accounts.balances import balances
from insure.accounts.model import Bucket, EntryKind
from insure.db import for_update, transaction
from insure.errors import N_, Conflict, NotFound, ValidationFailed
from insure.idempotency import check_key, key_reused
from insure.money import MoneyError, from_fen, parse_amount, quantize, to_fen
from insure.payments import payouts
from insure.policies.model import PolicyStatus
from insure.policies.tables import Policy
from products import services as products

MAX_FEN = 10**13  # no account holds this much: anything above is a typing error


def _amount_fen(amount: Decimal | str) -> int:
    """The amount in fen, or 422 ``amount_invalid`` (not a number, not positive, more than two places): a text
    is read as a person types it ("1,234.5", full-width digits)."""
    try:
        if isinstance(amount, Decimal):
            if not amount.is_finite() or amount <= 0 or quantize(amount) != amount or to_fen(amount) > MAX_FEN:
                raise MoneyError("invalid", "not a positive amount in fen")
            return to_fen(amount)
        return to_fen(parse_amount(amount, max_fen=MAX_FEN))
    except (MoneyError, TypeError):
        raise ValidationFailed.one(
            "amount", "amount_invalid", N_("Enter an amount in yuan above zero, with at most two decimal places.")
        ) from None


def _key(user_id: int, key: str) -> str:
    """The withdrawal's own key (its account entry's and its payout's): the client's key scoped to the user,
    hashed to fit both columns."""
    return "withdrawal:" + hashlib.sha256(f"{user_id}:{key}".encode()).hexdigest()[:40]


async def withdraw(user: dict, number: str, amount: Decimal | str, key: str) -> dict:
    """Pay ``amount`` of the accumulated dividends to the policyholder. 422 ``amount_invalid`` /
    ``idempotency_key_invalid``; 404 for another's policy; 409 ``not_participating``, ``policy_not_in_force``,
    ``insufficient_balance`` (more than the accumulated balance), ``idempotency_key_reused``."""
    check_key(key)
    fen = _amount_fen(amount)
    entry_key = payout_key = _key(user["id"], key)
    async with transaction():
        policy = await for_update(Policy.select().where(Policy.number == number)).first()
        if policy is None or policy["customer"] != user["id"]:
            raise NotFound(N_("No such policy."), code="policy_not_found")
        previous = await exists(entry_key)
        if previous is not None:  # a retry: the same request gets the first answer, another one a 409
            if previous["policy"] != policy["id"] or -previous["amount_fen"] != fen:
                raise key_reused()
            return await _answer(policy, previous, payout_key)
        if products.quoted_product(policy).participation is None:
            raise Conflict(N_("This policy does not take part in the insurer's profits."), code="not_participating")
        if policy["status"] != PolicyStatus.IN_FORCE:
            raise Conflict(N_("Dividends can be withdrawn only from a policy in force."), code="policy_not_in_force")
        held = (await balances(policy["id"]))[Bucket.ACCUMULATED]
        if fen > held:
            raise Conflict(
                N_("You can withdraw at most %(balance)s CNY, the accumulated dividends."),
                code="insufficient_balance",
                balance=f"{from_fen(max(held, 0)):,}",
            )
        today = clock.today()
        memo = "withdrawn by the policyholder"
        await write(
            policy["id"],
            today,
            [
                Entry(entry_key, EntryKind.WITHDRAWAL, Bucket.ACCUMULATED, -fen, memo),
                Entry(f"{entry_key}:out", EntryKind.WITHDRAWAL, Bucket.PAID_OUT, fen, memo),
            ],
            actor=f"user:{user['id']}",
        )
        await payouts.start_payout(policy, fen, "dividend", key=payout_key, actor=f"user:{user['id']}")
        previous = await exists(entry_key)
        return await _answer(policy, previous, payout_key)  # type: ignore[arg-type]


async def _answer(policy: dict, entry: dict, payout_key: str) -> dict:
    payout = await payouts.with_dates(await payouts.payout_for_key(payout_key))
    return {
        "policy": policy["number"],
        "amount": from_fen(-entry["amount_fen"]),
        "on": entry["on"],
        "at": entry["at"],
        "payout": payout,
        "accumulated": from_fen((await balances(policy["id"]))[Bucket.ACCUMULATED]),
    }
