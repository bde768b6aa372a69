"""The payment gateway (the built-in sandbox by default): charges, refunds, payouts, webhook verification.

Flow: the policies package works out what a policy owes (``insure.policies.paying``) and calls
``charge_card``, which records a pending payment and the gateway's charge and queues the gateway's asynchronous
answer. The worker task ``payments.sandbox_settle`` plays the gateway: it signs a notification and delivers
it to ``apply_notification`` — the same function the public webhook route calls — which verifies the
signature, settles the payment, posts the premium to the ledger and publishes ``PaymentSettled`` (the policies
package issues the policy, marks the instalment paid or reinstates), all in one transaction. Replaying the
notification changes nothing. This package imports no service of policies, applications or claims.
"""

from __future__ import annotations

import re
import secrets

from insure import clock, events, outbox
from insure.db import for_update, transaction
from insure.errors import N_, FieldError, Forbidden, NotFound, ValidationFailed
from insure.events import PaymentSettled
from insure.idempotency import replay
from insure.ledger import entries
from insure.ledger import services as ledger
from insure.ledger.entries import validate_entry
from insure.payments.model import PAYMENT, REFUND, PaymentStatus, RefundStatus
from insure.payments.sandbox import (
    CardRejected,
    Notification,
    normalise_card,
    recurring_outcome,
    sandbox_outcome,
    sign,
    verify,
)
from insure.payments.tables import Payment, Refund, SandboxCard, SandboxCharge
from insure.settings import get_settings
from insure.state import StatusChanged, transition

EXPIRY_RE = re.compile(r"^(0[1-9]|1[0-2])\s*/\s*([0-9]{2})$")


def validate_card(card_number: str, expiry: str, cvc: str) -> str:
    """The card number (digits only) if the card's details are well-formed; 422 naming each field at fault."""
    errors: list[FieldError] = []
    number = ""
    try:
        number = normalise_card(card_number)
    except CardRejected:
        errors.append(FieldError("card_number", "card_number_invalid", N_("This card number is not valid.")))
    match = EXPIRY_RE.match(expiry.strip())
    if not match:
        errors.append(FieldError("expiry", "expiry_invalid", N_("Enter the expiry date as MM/YY.")))
    else:
        month, year = int(match.group(1)), 2000 + int(match.group(2))
        today = clock.today()
        if (year, month) < (today.year, today.month):
            errors.append(FieldError("expiry", "card_expired", N_("This card has expired.")))
    if not re.fullmatch(r"[0-9]{3,4}", cvc.strip()):  # ASCII digits only: \d would accept "١٢٣"
        errors.append(FieldError("cvc", "cvc_invalid", N_("The security code has 3 or 4 digits.")))
    if errors:
        raise ValidationFailed(errors)
    return number


async def replay_payment(scoped_key: str, fingerprint: str) -> dict | None:
    """The payment made with this key, if the request is the same; 409 if the key came with another request."""
    return await replay(Payment.idempotency_key, Payment.request_hash, scoped_key, fingerprint)


async def payment_in_progress(policy_id: int) -> bool:
    """A charge for this policy is waiting for the gateway's answer."""
    return await Payment.exists().where((Payment.policy == policy_id) & (Payment.status == PaymentStatus.PENDING))


async def charge_card(
    *,
    policy_id: int,
    payer_id: int,
    number: str,
    amount_fen: int,
    purpose: str,
    interest_fen: int,
    instalment_id: int | None,
    scoped_key: str,
    fingerprint: str,
) -> dict:
    """Inside the caller's transaction: hand the card to the gateway (Insure keeps its token), record the charge
    and the pending payment, and queue the gateway's asynchronous answer."""
    gateway_ref = "ch_" + secrets.token_hex(12)
    token = "card_" + secrets.token_hex(12)  # the gateway keeps the card; Insure keeps only this token
    await SandboxCard.insert(
        SandboxCard(token=token, last4=number[-4:], recurring_outcome=recurring_outcome(number), created_at=clock.now())
    )
    await SandboxCharge.insert(
        SandboxCharge(
            gateway_ref=gateway_ref,
            amount_fen=amount_fen,
            outcome=sandbox_outcome(number),
            created_at=clock.now(),
        )
    )
    rows = await Payment.insert(
        Payment(
            policy=policy_id,
            payer=payer_id,
            amount_fen=amount_fen,
            purpose=purpose,
            interest_fen=interest_fen,
            instalment_id=instalment_id,
            status=PaymentStatus.PENDING,
            gateway_ref=gateway_ref,
            card_last4=number[-4:],
            card_token=token,
            idempotency_key=scoped_key,
            request_hash=fingerprint,
            created_at=clock.now(),
        )
    ).returning(*Payment.all_columns())
    await outbox.enqueue("payments.sandbox_settle", gateway_ref)
    return rows[0]


async def saved_card(policy_id: int) -> dict | None:
    """The card token of the policy's last successful payment (for automatic collection), or None."""
    return (
        await Payment.select(Payment.card_token, Payment.card_last4)
        .where((Payment.policy == policy_id) & (Payment.status == PaymentStatus.SUCCEEDED) & (Payment.card_token != ""))
        .order_by(Payment.id, ascending=False)
        .first()
    )


async def key_used_or_pending(policy_id: int, key: str) -> bool:
    """A payment was already made with this key, or one for the policy is waiting for the gateway."""
    return await Payment.exists().where(
        (Payment.idempotency_key == key) | ((Payment.policy == policy_id) & (Payment.status == PaymentStatus.PENDING))
    )


async def charge_saved_card(
    *, policy_id: int, payer_id: int, amount_fen: int, instalment_id: int, card: dict, key: str
) -> None:
    """Inside the caller's transaction: charge a saved card token (a recurring charge: no card details), record
    the pending payment and queue the gateway's asynchronous answer."""
    stored = await SandboxCard.select().where(SandboxCard.token == card["card_token"]).first()
    gateway_ref = "ch_" + secrets.token_hex(12)
    await SandboxCharge.insert(
        SandboxCharge(
            gateway_ref=gateway_ref,
            amount_fen=amount_fen,
            outcome=stored["recurring_outcome"],
            created_at=clock.now(),
        )
    )
    await Payment.insert(
        Payment(
            policy=policy_id,
            payer=payer_id,
            amount_fen=amount_fen,
            purpose="instalment",
            instalment_id=instalment_id,
            status=PaymentStatus.PENDING,
            gateway_ref=gateway_ref,
            card_last4=card["card_last4"],
            card_token=card["card_token"],
            idempotency_key=key,
            request_hash="automatic collection",
            created_at=clock.now(),
        )
    )
    await outbox.enqueue("payments.sandbox_settle", gateway_ref)


async def sandbox_settle(gateway_ref: str) -> None:
    """The sandbox gateway's side: decide, sign and deliver the notification (idempotent)."""
    charge = await SandboxCharge.select().where(SandboxCharge.gateway_ref == gateway_ref).first()
    if charge is None or charge["notified_at"] is not None:
        return
    payment = await Payment.select(Payment.id).where(Payment.gateway_ref == gateway_ref).first()
    if payment is None:
        return
    ok = charge["outcome"] == "succeeded"
    note = Notification(
        payment_id=payment["id"],
        gateway_ref=gateway_ref,
        status="succeeded" if ok else "failed",
        amount_fen=charge["amount_fen"],
        failure_code=None if ok else charge["outcome"],
    )
    body = note.to_bytes()
    await apply_notification(body, sign(body, get_settings().payment_webhook_secret))
    await SandboxCharge.update({SandboxCharge.notified_at: clock.now()}).where(SandboxCharge.id == charge["id"])


async def apply_notification(body: bytes, signature: str) -> dict:
    """Settle a payment from a signed gateway notification; a replay is a no-op."""
    if not verify(body, signature or "", get_settings().payment_webhook_secret):
        raise Forbidden(N_("The notification signature is not valid."), code="signature_invalid")
    try:
        note = Notification.from_bytes(body)
    except ValueError as exc:
        raise ValidationFailed.one("body", "notification_malformed", N_("The notification is malformed.")) from exc
    async with transaction():
        payment = await Payment.select().where(Payment.gateway_ref == note.gateway_ref).first()
        if payment is None or payment["id"] != note.payment_id or payment["amount_fen"] != note.amount_fen:
            raise NotFound(N_("No such payment."), code="payment_not_found")
        if payment["status"] != PaymentStatus.PENDING:
            return payment
        try:
            await transition(
                Payment,
                payment["id"],
                PaymentStatus.PENDING,
                note.status,
                machine=PAYMENT,
                actor="gateway:sandbox",
                reason=note.failure_code or "",
                values={Payment.settled_at: clock.now(), Payment.failure_code: note.failure_code},
            )
            updated = True
        except StatusChanged:  # a concurrent delivery of the same notification settled it first
            updated = False
        if updated and note.status == PaymentStatus.SUCCEEDED:
            await _book(payment, note)
    return await Payment.select().where(Payment.id == payment["id"]).first()


async def _book(payment: dict, note: Notification) -> None:
    """A confirmed payment: post it to the ledger and announce it (``PaymentSettled``), so that what it paid for
    happens (issue, instalment, reinstatement)."""
    interest = payment["interest_fen"]
    lines = validate_entry(
        (
            entries.Line(entries.CASH_SANDBOX, debit_fen=note.amount_fen),
            entries.Line(entries.PREMIUM_WRITTEN, credit_fen=note.amount_fen - interest),
            *((entries.Line(entries.REINSTATEMENT_INTEREST, credit_fen=interest),) if interest else ()),
        )
    )
    await ledger.post(
        f"premium:payment:{payment['id']}",
        f"{payment['purpose']} for policy #{payment['policy']} via sandbox {note.gateway_ref}",
        "payment",
        payment["id"],
        lines,
    )
    # what it paid for (issue the policy, mark the instalment paid, reinstate) is the policies package's
    # business: its handler runs here, in this transaction
    await events.publish(
        PaymentSettled(
            payment_id=payment["id"],
            policy_id=payment["policy"],
            purpose=payment["purpose"],
            instalment_id=payment["instalment_id"],
            amount_fen=note.amount_fen,
        )
    )


async def get_for(user: dict, gateway_ref: str) -> dict:
    payment = await Payment.select().where(Payment.gateway_ref == gateway_ref).first()
    if payment is None or (payment["payer"] != user["id"] and user["role"] != "admin"):
        raise NotFound(N_("No such payment."), code="payment_not_found")
    return payment


async def policy_number_of(payment: dict) -> str:
    """The number of the policy a payment was for (through the payment's own reference to it)."""
    row = await Payment.select(Payment.policy.number.as_alias("number")).where(Payment.id == payment["id"]).first()
    return row["number"]


async def for_policy(policy_id: int) -> list[dict]:
    return await Payment.select().where(Payment.policy == policy_id).order_by(Payment.id, ascending=False)


async def stuck_charges(older_than_s: int = 60) -> list[str]:
    """Charges whose notification never went out (lost message, crashed worker)."""
    from datetime import timedelta

    cutoff = clock.now() - timedelta(seconds=older_than_s)
    rows = await SandboxCharge.select(SandboxCharge.gateway_ref).where(
        SandboxCharge.notified_at.is_null() & (SandboxCharge.created_at < cutoff)
    )
    return [r["gateway_ref"] for r in rows]


async def start_refund(payment: dict, amount_fen: int, reason: str) -> dict:
    """Send money back through the gateway (inside the caller's transaction); the gateway confirms later and
    only then is the refund posted to the ledger. Once per payment and reason: asking again returns the refund
    already started. Never more than the payment, and only of a payment that succeeded."""
    existing = await Refund.select().where((Refund.payment == payment["id"]) & (Refund.reason == reason)).first()
    if existing is not None:
        return existing
    if payment["status"] != PaymentStatus.SUCCEEDED or not 0 < amount_fen <= payment["amount_fen"]:
        raise ValueError(f"cannot refund {amount_fen} fen of payment #{payment['id']} ({payment['status']})")
    rows = await Refund.insert(
        Refund(
            payment=payment["id"],
            amount_fen=amount_fen,
            reason=reason,
            status=RefundStatus.PENDING,
            gateway_ref="re_" + secrets.token_hex(12),
            created_at=clock.now(),
        )
    ).returning(*Refund.all_columns())
    await outbox.enqueue("payments.sandbox_refund", rows[0]["id"])
    return rows[0]


async def settle_refund(refund_id: int) -> None:
    """The sandbox gateway confirms a refund: mark it and post Dr premium refunds / Cr cash, once."""
    async with transaction():
        refund = await for_update(Refund.select().where(Refund.id == refund_id)).first()
        if refund is None or refund["status"] != RefundStatus.PENDING:
            return
        await ledger.post(
            f"refund:{refund_id}",
            f"refund {refund['gateway_ref']} ({refund['reason']})",
            "refund",
            refund_id,
            entries.transfer(entries.PREMIUM_REFUNDS, entries.CASH_SANDBOX, refund["amount_fen"]),
        )
        await transition(
            Refund,
            refund_id,
            RefundStatus.PENDING,
            RefundStatus.SUCCEEDED,
            machine=REFUND,
            actor="gateway:sandbox",
            reason=refund["reason"],
            values={Refund.settled_at: clock.now()},
        )


async def refunds_for(policy_id: int) -> list[dict]:
    return await Refund.select().where(Refund.payment.policy == policy_id).order_by(Refund.id)
