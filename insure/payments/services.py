"""Paying a policy through the sandbox gateway, with Stripe-style idempotency keys.

Flow: ``start`` records a pending payment and the gateway's charge, and queues the gateway's asynchronous
answer. The worker task ``payments.sandbox_settle`` plays the gateway: it signs a notification and delivers
it to ``apply_notification`` — the same function the public webhook route calls — which verifies the
signature, settles the payment, posts the premium to the ledger and issues the policy, all in one
transaction. Replaying the notification changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from insure import clock, outbox
from insure.db import for_update, transaction
from insure.errors import N_, Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from insure.idempotency import check_key, replay
from insure.ledger import entries
from insure.ledger import services as ledger
from insure.ledger.entries import validate_entry
from insure.money import to_fen
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
from insure.policies import services as policies
from insure.policies.model import PolicyStatus
from insure.policies.tables import Policy
from insure.settings import get_settings

EXPIRY_RE = re.compile(r"^(0[1-9]|1[0-2])\s*/\s*([0-9]{2})$")


def _validate_card(card_number: str, expiry: str, cvc: str) -> str:
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


async def start(
    payer: dict, policy_number: str, card_number: str, expiry: str, cvc: str, key: str, purpose: str = "premium"
) -> dict:
    """Charge what the policy owes once per idempotency key; the same key and request return the first payment.

    `premium`: the first premium of a new policy, or the next instalment of one in force; `reinstatement`: the
    arrears (premiums with interest) of a lapsed policy. The amount is always worked out here, never sent."""
    check_key(key)
    policy = await policies.get_for(payer, policy_number)
    scoped_key = f"{payer['id']}:{key}"
    # Keyed (HMAC), so the stored fingerprint cannot be brute-forced back into a card number (PCI DSS 3.5).
    digits = re.sub(r"\D", "", card_number)
    fingerprint = hmac.new(
        get_settings().secret_key.encode(),
        f"{policy_number}|{digits}|{expiry.replace(' ', '')}|{purpose}".encode(),
        hashlib.sha256,
    ).hexdigest()
    previous = await _replay(scoped_key, fingerprint)
    if previous:
        return previous
    number = _validate_card(card_number, expiry, cvc)
    try:
        return await _charge(policy, payer["id"], number, scoped_key, fingerprint, purpose)
    except Exception:
        # Two requests with the same key raced: the loser's INSERT hit the unique key. The fingerprint decides
        # first: another body is a reused key (409), the same body is a replay of the first answer.
        previous = await _replay(scoped_key, fingerprint)
        if previous:
            return previous
        raise


async def _replay(scoped_key: str, fingerprint: str) -> dict | None:
    """The payment made with this key, if the request is the same; 409 if the key came with another request."""
    return await replay(Payment.idempotency_key, Payment.request_hash, scoped_key, fingerprint)


async def _what_is_owed(policy: dict, purpose: str) -> tuple[str, int, int, int | None]:
    """(purpose, amount, interest part, instalment id) for the policy as it is now, or 409 saying why not."""
    from insure.policies import premiums

    if policy["status"] == PolicyStatus.LAPSED and purpose != "reinstatement":
        raise Conflict(N_("This policy has lapsed; reinstate it to pay the arrears."), code="use_reinstatement")
    pending = await Payment.exists().where((Payment.policy == policy["id"]) & (Payment.status == "pending"))
    if pending:
        raise Conflict(N_("A payment for this policy is already being processed."), code="payment_in_progress")
    if purpose == "reinstatement":
        premiums.check_reinstatable(policy)
        owed = await premiums.arrears(policy)
        return "reinstatement", to_fen(owed.total), to_fen(owed.interest), None
    if policy["status"] == PolicyStatus.PENDING_PAYMENT:
        from products import services as products

        if not products.quote_is_valid(await products.get_quote(policy["quote_id"])):
            raise Conflict(N_("This quote has expired; please get a new quote."), code="quote_expired")
        return "first_premium", policy["premium_fen"], 0, None
    nxt = await premiums.next_unpaid(policy["id"]) if policy["status"] == PolicyStatus.IN_FORCE else None
    if nxt is None or nxt["due_date"] > clock.today() + timedelta(days=premiums.NOTICE_DAYS):
        raise Conflict(N_("This policy is already paid."), code="already_paid")
    return "instalment", nxt["amount_fen"], 0, nxt["id"]


async def _charge(
    policy: dict, payer_id: int, number: str, scoped_key: str, fingerprint: str, purpose: str = "premium"
) -> dict:
    from insure.applications import checks as cover_limits

    async with transaction():
        if purpose == "reinstatement":  # the insured's lock before the policy's row lock, as applications take it
            await cover_limits.lock_insured(policy["insured_id_number"])
        policy = await for_update(Policy.select().where(Policy.id == policy["id"])).first()
        # a request with the same key may have committed while this one waited for the policy's lock: its key
        # and fingerprint answer before "a payment is in progress" does
        previous = await _replay(scoped_key, fingerprint)
        if previous:
            return previous
        what, amount_fen, interest_fen, instalment_id = await _what_is_owed(policy, purpose)
        if what == "reinstatement":  # reinstating brings the cover back: the limits on the insured's life hold
            for problem in await cover_limits.reinstatement_problem(policy):
                raise Conflict(problem.message, code=problem.code, **problem.params)
        gateway_ref = "ch_" + secrets.token_hex(12)
        token = "card_" + secrets.token_hex(12)  # the gateway keeps the card; Insure keeps only this token
        await SandboxCard.insert(
            SandboxCard(
                token=token, last4=number[-4:], recurring_outcome=recurring_outcome(number), created_at=clock.now()
            )
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
                policy=policy["id"],
                payer=payer_id,
                amount_fen=amount_fen,
                purpose=what,
                interest_fen=interest_fen,
                instalment_id=instalment_id,
                status="pending",
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


async def auto_collect(instalment_id: int) -> bool:
    """Collect a premium that has fallen due from the card saved at the last payment (one attempt a day); the
    gateway answers asynchronously like any charge. Returns whether a charge was started."""
    from insure.policies.tables import Instalment

    async with transaction():
        owner = await Instalment.select(Instalment.policy).where(Instalment.id == instalment_id).first()
        if owner is None:
            return False
        # the policy row first, like a manual payment: the two can never both charge the same premium
        policy = await for_update(Policy.select().where(Policy.id == owner["policy"])).first()
        instalment = await for_update(Instalment.select().where(Instalment.id == instalment_id)).first()
        if instalment["status"] != "due":
            return False
        key = f"auto:{instalment_id}:{clock.today().isoformat()}"
        busy = await Payment.exists().where(
            (Payment.idempotency_key == key) | ((Payment.policy == policy["id"]) & (Payment.status == "pending"))
        )
        saved = (
            await Payment.select(Payment.card_token, Payment.card_last4)
            .where((Payment.policy == policy["id"]) & (Payment.status == "succeeded") & (Payment.card_token != ""))
            .order_by(Payment.id, ascending=False)
            .first()
        )
        if policy["status"] != PolicyStatus.IN_FORCE or busy or saved is None:
            return False
        card = await SandboxCard.select().where(SandboxCard.token == saved["card_token"]).first()
        gateway_ref = "ch_" + secrets.token_hex(12)
        await SandboxCharge.insert(
            SandboxCharge(
                gateway_ref=gateway_ref,
                amount_fen=instalment["amount_fen"],
                outcome=card["recurring_outcome"],
                created_at=clock.now(),
            )
        )
        await Payment.insert(
            Payment(
                policy=policy["id"],
                payer=policy["customer"],
                amount_fen=instalment["amount_fen"],
                purpose="instalment",
                instalment_id=instalment_id,
                status="pending",
                gateway_ref=gateway_ref,
                card_last4=saved["card_last4"],
                card_token=saved["card_token"],
                idempotency_key=key,
                request_hash="automatic collection",
                created_at=clock.now(),
            )
        )
        await outbox.enqueue("payments.sandbox_settle", gateway_ref)
    return True


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
        if payment["status"] != "pending":
            return payment
        values = {
            Payment.status: note.status,
            Payment.settled_at: clock.now(),
            Payment.failure_code: note.failure_code,
        }
        updated = (
            await Payment.update(values)
            .where((Payment.id == payment["id"]) & (Payment.status == "pending"))
            .returning(Payment.id)
        )
        if updated and note.status == "succeeded":
            await _book(payment, note)
    return await Payment.select().where(Payment.id == payment["id"]).first()


async def _book(payment: dict, note: Notification) -> None:
    """A confirmed payment: post it to the ledger and do what it paid for (issue, instalment, reinstatement)."""
    from insure.policies import premiums

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
    if payment["purpose"] == "first_premium":
        await policies.issue(payment["policy"], actor="gateway:sandbox", payment_id=payment["id"])
    elif payment["purpose"] == "instalment":
        await premiums.mark_paid([payment["instalment_id"]], payment["id"])
    elif payment["purpose"] == "reinstatement":
        await premiums.reinstate(payment["policy"], payment["id"], actor="gateway:sandbox")


async def get_for(user: dict, gateway_ref: str) -> dict:
    payment = await Payment.select().where(Payment.gateway_ref == gateway_ref).first()
    if payment is None or (payment["payer"] != user["id"] and user["role"] != "admin"):
        raise NotFound(N_("No such payment."), code="payment_not_found")
    return payment


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
    only then is the refund posted to the ledger."""
    rows = await Refund.insert(
        Refund(
            payment=payment["id"],
            amount_fen=amount_fen,
            reason=reason,
            status="pending",
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
        if refund is None or refund["status"] != "pending":
            return
        await ledger.post(
            f"refund:{refund_id}",
            f"refund {refund['gateway_ref']} ({refund['reason']})",
            "refund",
            refund_id,
            entries.transfer(entries.PREMIUM_REFUNDS, entries.CASH_SANDBOX, refund["amount_fen"]),
        )
        await Refund.update({Refund.status: "succeeded", Refund.settled_at: clock.now()}).where(
            (Refund.id == refund_id) & (Refund.status == "pending")
        )


async def refunds_for(policy_id: int) -> list[dict]:
    return await Refund.select().where(Refund.payment.policy == policy_id).order_by(Refund.id)


# Payouts live in insure.payments.payouts; start_payout stays importable from here during the transition, while
# the maturity run in policies.premiums still calls payments.services.start_payout.
from insure.payments.payouts import start_payout  # noqa: E402, F401
