"""Buying a policy from a quote, issuing it on payment, and reading policies with ownership checks."""

from __future__ import annotations

from datetime import timedelta

from insure import clock, outbox
from insure.db import transaction
from insure.errors import N_, Conflict, NotFound, ValidationFailed
from insure.policies.model import PolicyStatus, cover_period, new_number
from insure.policies.tables import Policy, PolicyEvent
from insure.state import transition
from products import services as products


async def buy(customer: dict, quote_public_id: str) -> dict:
    """Turn the customer's quote into a policy awaiting payment; the customer is policyholder and insured."""
    quote = await products.get_quote(quote_public_id)
    if quote["customer"] not in (None, customer["id"]):
        raise NotFound(N_("No such quote."), code="quote_not_found")
    if not products.quote_is_valid(quote):
        raise Conflict(N_("This quote has expired; please get a new quote."), code="quote_expired")
    if customer["birth_date"] is None or quote["birth_date"] != customer["birth_date"]:
        raise ValidationFailed.one(
            "birth_date",
            "insured_birth_date_mismatch",
            N_("The quote's birth date does not match your ID number; please quote again with your own details."),
        )
    prod = products.product(quote["product_code"])
    async with transaction():
        existing = (
            await Policy.select(Policy.number)
            .where((Policy.quote_id == quote_public_id) & (Policy.status != PolicyStatus.CANCELLED))
            .first()
        )
        if existing:
            raise Conflict(
                N_("A policy was already bought from this quote: %(number)s."),
                code="quote_already_used",
                number=existing["number"],
            )
        rows = await Policy.insert(
            Policy(
                number=new_number("P"),
                customer=customer["id"],
                quote_id=quote_public_id,
                insurer_code=quote["insurer_code"],
                product_code=quote["product_code"],
                product_version=quote["product_version"],
                channel=quote["channel"],
                insured_name=customer["name"],
                insured_id_number=customer["id_number"],
                insured_birth_date=customer["birth_date"],
                occupation_class=quote["occupation_class"],
                sum_insured_fen=quote["sum_insured_fen"],
                premium_fen=quote["premium_per_payment_fen"] or quote["annual_premium_fen"],
                annual_premium_fen=quote["annual_premium_fen"],
                payments_per_year=quote["payments_per_year"],
                policy_term_years=quote["policy_term_years"],
                premium_term_years=quote["premium_term_years"],
                status=PolicyStatus.PENDING_PAYMENT,
                created_at=clock.now(),
            )
        ).returning(*Policy.all_columns())
        await PolicyEvent.insert(
            PolicyEvent(
                policy=rows[0]["id"],
                from_status="",
                to_status=PolicyStatus.PENDING_PAYMENT,
                actor=f"user:{customer['id']}",
                reason=f"bought from quote {quote_public_id} ({prod.code} v{prod.version})",
                at=clock.now(),
            )
        )
    return rows[0]


async def issue(policy_id: int, actor: str) -> None:
    """Bring a paid policy into force (inside the payment's transaction) and queue its schedule PDF."""
    policy = await Policy.select().where(Policy.id == policy_id).first()
    if policy is None or policy["status"] != PolicyStatus.PENDING_PAYMENT:
        return  # already issued: paying is idempotent
    # cover starts at 00:00 the next day (次日零时生效): a loss before the purchase can never be covered
    effective, expiry = cover_period(clock.today() + timedelta(days=1), policy["policy_term_years"])
    await transition(
        Policy,
        policy_id,
        PolicyStatus.PENDING_PAYMENT,
        PolicyStatus.IN_FORCE,
        event_table=PolicyEvent,
        event_owner="policy",
        actor=actor,
        reason="premium received",
        values={Policy.effective_date: effective, Policy.expiry_date: expiry, Policy.issued_at: clock.now()},
    )
    await outbox.enqueue("documents.render_policy_schedule", policy_id)


def can_view(user: dict, policy: dict) -> bool:
    return policy["customer"] == user["id"] or user["role"] == "admin"


async def get_for(user: dict, number: str) -> dict:
    """The policy if this user may see it; otherwise 404, so other customers' numbers reveal nothing."""
    policy = await Policy.select().where(Policy.number == number).first()
    if policy is None or not can_view(user, policy):
        raise NotFound(N_("No such policy."), code="policy_not_found")
    return policy


async def list_for(user: dict) -> list[dict]:
    return await Policy.select().where(Policy.customer == user["id"]).order_by(Policy.id, ascending=False)


async def events(policy_id: int) -> list[dict]:
    return await PolicyEvent.select().where(PolicyEvent.policy == policy_id).order_by(PolicyEvent.id)
