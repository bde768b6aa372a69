"""Paying a policy, with Stripe-style idempotency keys: what the policy owes now and the locks that make one
charge of it, on top of the gateway (``insure.payments.services``, which knows nothing of policies).

``start`` works out the amount (never sent by the client) and asks the gateway to charge the card; the
gateway's signed answer settles the payment and publishes ``PaymentSettled``, on which this package issues the
policy, marks the instalment paid or reinstates (``insure.policies.handlers``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta

from insure import clock
from insure.applications import checks as cover_limits
from insure.db import for_update, transaction
from insure.errors import N_, Conflict
from insure.idempotency import check_key
from insure.money import to_fen
from insure.payments import services as payments
from insure.policies import premiums
from insure.policies import services as policies
from insure.policies.model import InstalmentStatus, PolicyStatus
from insure.policies.tables import Instalment, Policy
from insure.settings import get_settings
from products import services as products


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
    previous = await payments.replay_payment(scoped_key, fingerprint)
    if previous:
        return previous
    number = payments.validate_card(card_number, expiry, cvc)
    try:
        return await _charge(policy, payer["id"], number, scoped_key, fingerprint, purpose)
    except Exception:
        # Two requests with the same key raced: the loser's INSERT hit the unique key. The fingerprint decides
        # first: another body is a reused key (409), the same body is a replay of the first answer.
        previous = await payments.replay_payment(scoped_key, fingerprint)
        if previous:
            return previous
        raise


async def _what_is_owed(policy: dict, purpose: str) -> tuple[str, int, int, int | None]:
    """(purpose, amount, interest part, instalment id) for the policy as it is now, or 409 saying why not."""
    if policy["status"] == PolicyStatus.LAPSED and purpose != "reinstatement":
        raise Conflict(N_("This policy has lapsed; reinstate it to pay the arrears."), code="use_reinstatement")
    if await payments.payment_in_progress(policy["id"]):
        raise Conflict(N_("A payment for this policy is already being processed."), code="payment_in_progress")
    if purpose == "reinstatement":
        premiums.check_reinstatable(policy)
        owed = await premiums.arrears(policy)
        return "reinstatement", to_fen(owed.total), to_fen(owed.interest), None
    if policy["status"] == PolicyStatus.PENDING_PAYMENT:
        if not products.quote_is_valid(await products.get_quote(policy["quote_id"])):
            raise Conflict(N_("This quote has expired; please get a new quote."), code="quote_expired")
        return "first_premium", policy["premium_fen"], 0, None
    nxt = await premiums.next_unpaid(policy["id"]) if policy["status"] == PolicyStatus.IN_FORCE else None
    if nxt is None or nxt["due_date"] > clock.today() + timedelta(days=premiums.NOTICE_DAYS):
        raise Conflict(N_("This policy is already paid."), code="already_paid")
    return "instalment", premiums.to_pay(nxt), 0, nxt["id"]


async def _charge(
    policy: dict, payer_id: int, number: str, scoped_key: str, fingerprint: str, purpose: str = "premium"
) -> dict:
    async with transaction():
        if purpose == "reinstatement":  # the insured's lock before the policy's row lock, as applications take it
            await cover_limits.lock_insured(policy["insured_id_number"])
        policy = await for_update(Policy.select().where(Policy.id == policy["id"])).first()
        # a request with the same key may have committed while this one waited for the policy's lock: its key
        # and fingerprint answer before "a payment is in progress" does
        previous = await payments.replay_payment(scoped_key, fingerprint)
        if previous:
            return previous
        what, amount_fen, interest_fen, instalment_id = await _what_is_owed(policy, purpose)
        if what == "reinstatement":  # reinstating brings the cover back: the limits on the insured's life hold
            for problem in await cover_limits.reinstatement_problem(policy):
                raise Conflict(problem.message, code=problem.code, **problem.params)
        return await payments.charge_card(
            policy_id=policy["id"],
            payer_id=payer_id,
            number=number,
            amount_fen=amount_fen,
            purpose=what,
            interest_fen=interest_fen,
            instalment_id=instalment_id,
            scoped_key=scoped_key,
            fingerprint=fingerprint,
        )


async def auto_collect(instalment_id: int) -> bool:
    """Collect a premium that has fallen due from the card saved at the last payment (one attempt a day); the
    gateway answers asynchronously like any charge. Returns whether a charge was started."""
    async with transaction():
        owner = await Instalment.select(Instalment.policy).where(Instalment.id == instalment_id).first()
        if owner is None:
            return False
        # the policy row first, like a manual payment: the two can never both charge the same premium
        policy = await for_update(Policy.select().where(Policy.id == owner["policy"])).first()
        instalment = await for_update(Instalment.select().where(Instalment.id == instalment_id)).first()
        if instalment["status"] != InstalmentStatus.DUE:
            return False
        key = f"auto:{instalment_id}:{clock.today().isoformat()}"
        busy = await payments.key_used_or_pending(policy["id"], key)
        card = await payments.saved_card(policy["id"])
        if policy["status"] != PolicyStatus.IN_FORCE or busy or card is None:
            return False
        await payments.charge_saved_card(
            policy_id=policy["id"],
            payer_id=policy["customer"],
            amount_fen=premiums.to_pay(instalment),
            instalment_id=instalment_id,
            card=card,
            key=key,
        )
    return True
