"""One payout path: every payment from the insurer to a customer (claim benefit, surrender value, maturity
benefit …) goes the same way.

- **Keyed**: a payout is made once per ``payout_key`` (``claim:<claim id>``, ``surrender:<policy id>`` …);
  starting it again changes nothing.
- **To a tokenised bank account**: the policy's account token at the gateway; Insure never keeps the number.
- **Held** (``on_hold``) while no account is known, and **sent again** when the customer gives one (the bank
  account endorsement calls ``resend_payouts``), as is a transfer the bank returned (``failed``).
- **Booked when the gateway confirms** (Dr the purpose's expense account / Cr cash), in the same transaction as
  the status change and the ``PayoutConfirmed`` event, so whoever waits for the money (a claim) moves then.

Every status change goes through ``insure.state.transition`` with the ``PAYOUT`` lifecycle and is recorded in
the shared ``StateEvent`` history. The gateway itself is behind ``insure.payments.gateway.PayoutGateway``.
"""

from __future__ import annotations

from datetime import timedelta

from insure import clock, events
from insure.db import for_update, transaction
from insure.ledger import entries
from insure.ledger import services as ledger
from insure.payments.gateway import TransferOutcome, new_reference, payout_gateway
from insure.payments.payout_model import AWAITING_ACCOUNT, PAYOUT, PayoutStatus, key_subject, payout_key
from insure.payments.tables import Payout
from insure.state import transition
from insure.state_tables import StateEvent

ON_HOLD = PayoutStatus.ON_HOLD  # a payout waiting for the payee's bank account
SYSTEM = "system:payouts"
STUCK_AFTER = timedelta(minutes=2)  # a transfer unconfirmed this long is asked about again by the reconciler

# What each purpose is booked to when the gateway confirms it (Dr this / Cr cash).
PAYOUT_ACCOUNTS = {
    "surrender": entries.SURRENDER_VALUES,
    "maturity": entries.MATURITY_BENEFITS,
    "claim": entries.CLAIMS_PAID,
    "dividend": entries.DIVIDENDS_ACCUMULATED,
}
# Purposes whose ledger entry names the record the key names (the claim) rather than the payout itself.
BOOKED_AGAINST_SUBJECT = frozenset({"claim"})


async def vault_bank_account(digits: str) -> str:
    """Hand the account number to the gateway and keep only its token (and the last 4 digits, for display)."""
    return await payout_gateway().vault_bank_account(digits)


async def start_payout(
    policy: dict,
    amount_fen: int,
    reason: str,
    *,
    key: str | None = None,
    actor: str = SYSTEM,
    account: tuple[str, str] | None = None,
) -> dict | None:
    """Pay ``amount_fen`` for ``reason`` to the policy's bank account (inside the caller's transaction), once per
    key (by default ``<reason>:<policy id>``): the existing payout is returned if there is one. Without an account
    the payout is held. The ledger is posted when the gateway confirms. ``account`` (gateway token, last 4 digits)
    pays another account than the policy's: a beneficiary's own, for a death claim."""
    key = key or payout_key(reason, policy["id"])
    existing = await Payout.select().where(Payout.payout_key == key).first()
    if existing is not None or amount_fen <= 0:
        return existing
    if account is not None:
        policy = {**policy, "bank_account_token": account[0], "bank_account_last4": account[1]}
    token = policy.get("bank_account_token") or ""
    status = PayoutStatus.PENDING if token else PayoutStatus.ON_HOLD
    rows = await Payout.insert(
        Payout(
            payout_key=key,
            policy=policy["id"],
            amount_fen=amount_fen,
            reason=reason,
            account_last4=policy.get("bank_account_last4") or "",
            account_token=token,
            status=status,
            gateway_ref=new_reference(),
            created_at=clock.now(),
        )
    ).returning(*Payout.all_columns())
    payout = rows[0]
    await _record(payout["id"], "", status, actor, "sent" if token else "held: no bank account known")
    if token:
        await payout_gateway().send_transfer(payout)
    return payout


async def _record(payout_id: int, from_status: str, to_status: str, actor: str, reason: str) -> None:
    """The history row of a payout's first status (later ones are written by ``transition``)."""
    await StateEvent.insert(
        StateEvent(
            aggregate=PAYOUT.aggregate,
            record_id=payout_id,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            reason=reason,
            at=clock.now(),
        )
    )


async def payouts_awaiting_account(policy_id: int) -> bool:
    """Money owed to the policyholder that is held (no account) or was returned by the bank."""
    return await Payout.exists().where((Payout.policy == policy_id) & Payout.status.is_in(list(AWAITING_ACCOUNT)))


async def resend_payouts(policy: dict, actor: str = SYSTEM) -> int:
    """After the policyholder gave a (new) bank account: send what was held or returned there (inside the
    endorsement's transaction); nothing was booked for those, so nothing is reversed."""
    rows = await Payout.select().where((Payout.policy == policy["id"]) & Payout.status.is_in(list(AWAITING_ACCOUNT)))
    gateway = payout_gateway()
    for row in rows:
        changes = {
            Payout.account_token: policy["bank_account_token"],
            Payout.account_last4: policy["bank_account_last4"],
            Payout.gateway_ref: new_reference(),
            Payout.settled_at: None,
        }
        await transition(
            Payout,
            row["id"],
            row["status"],
            PayoutStatus.PENDING,
            machine=PAYOUT,
            actor=actor,
            reason=f"sent again to the account ending {policy['bank_account_last4']}",
            values=changes,
        )
        await gateway.send_transfer({**row, **{col._meta.name: value for col, value in changes.items()}})
    return len(rows)


async def settle_payout(payout_id: int) -> None:
    """The gateway's confirmation of a transfer: ask it what became of the transfer and record it, once.

    Returned: ``failed``, nothing booked. Confirmed: post Dr <purpose's expense> / Cr cash, mark it
    ``succeeded`` and publish ``PayoutConfirmed``, all in one transaction. A second run finds it settled."""
    async with transaction():
        payout = await for_update(Payout.select().where(Payout.id == payout_id)).first()
        if payout is None or payout["status"] != PayoutStatus.PENDING:
            return
        gateway = payout_gateway()
        outcome: TransferOutcome = await gateway.transfer_outcome(payout)
        actor = f"gateway:{gateway.name}"
        if not outcome.succeeded:  # the transfer is returned and nothing is booked
            await transition(
                Payout,
                payout_id,
                PayoutStatus.PENDING,
                PayoutStatus.FAILED,
                machine=PAYOUT,
                actor=actor,
                reason=f"returned: {outcome.failure_code}",
                values={Payout.settled_at: clock.now()},
            )
            return
        source_type, source_id = _ledger_source(payout)
        await ledger.post(
            f"payout:{payout_id}",
            f"{payout['reason']} payout {payout['gateway_ref']} for policy #{payout['policy']}",
            source_type,
            source_id,
            entries.transfer(PAYOUT_ACCOUNTS[payout["reason"]], gateway.cash_account, payout["amount_fen"]),
        )
        await transition(
            Payout,
            payout_id,
            PayoutStatus.PENDING,
            PayoutStatus.SUCCEEDED,
            machine=PAYOUT,
            actor=actor,
            reason=f"transfer {payout['gateway_ref']} confirmed",
            values={Payout.settled_at: clock.now()},
        )
        await events.publish(
            events.PayoutConfirmed(
                payout_id=payout_id,
                payout_key=payout["payout_key"],
                purpose=payout["reason"],
                policy_id=payout["policy"],
                amount_fen=payout["amount_fen"],
            )
        )


def _ledger_source(payout: dict) -> tuple[str, int]:
    """What the ledger entry names as its source: the claim for a claim payout, else the payout."""
    purpose, subject = key_subject(payout["payout_key"])
    if payout["reason"] in BOOKED_AGAINST_SUBJECT and purpose == payout["reason"] and subject is not None:
        return purpose, subject
    return "payout", payout["id"]


async def payouts_for(policy_id: int) -> list[dict]:
    return await Payout.select().where(Payout.policy == policy_id).order_by(Payout.id)


async def payout_for_key(key: str) -> dict | None:
    return await Payout.select().where(Payout.payout_key == key).first()


async def stuck_payouts(older_than: timedelta = STUCK_AFTER) -> list[int]:
    """Transfers sent longer ago than ``older_than`` that the gateway has not confirmed (a lost message, a
    crashed worker): their confirmation is asked for again (idempotent)."""
    cutoff = clock.now() - older_than
    rows = await Payout.select(Payout.id).where((Payout.status == PayoutStatus.PENDING) & (Payout.created_at < cutoff))
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    resent = await StateEvent.select(StateEvent.record_id).where(  # sent again lately: not stuck yet
        (StateEvent.aggregate == PAYOUT.aggregate) & StateEvent.record_id.is_in(ids) & (StateEvent.at >= cutoff)
    )
    recent = {r["record_id"] for r in resent}
    return [i for i in ids if i not in recent]


async def with_dates(payout: dict | None) -> dict | None:
    """The payout with ``sent_at``: when it was last sent to the gateway (None while it is held)."""
    if payout is None:
        return None
    last = (
        await StateEvent.select(StateEvent.at)
        .where(
            (StateEvent.aggregate == PAYOUT.aggregate)
            & (StateEvent.record_id == payout["id"])
            & (StateEvent.to_status == PayoutStatus.PENDING)
        )
        .order_by(StateEvent.id, ascending=False)
        .first()
    )
    sent = last["at"] if last else (payout["created_at"] if payout["status"] != PayoutStatus.ON_HOLD else None)
    return {**payout, "sent_at": sent}
