"""Policies: created for accepted applications, issued on payment, read with ownership checks."""

from __future__ import annotations

from datetime import timedelta

from insure import clock, outbox
from insure.db import for_update
from insure.errors import N_, Conflict, NotFound
from insure.policies.model import PolicyStatus, cover_period, new_number
from insure.policies.tables import Policy, PolicyEvent
from insure.state import transition
from products.tables import Quote


async def create_from_application(application: dict, quote: dict, actor: str) -> dict:
    """The policy for an accepted application, awaiting payment (inside the application's transaction).

    One policy per quote: the quote row is locked (PostgreSQL) so a double click cannot make two.
    """
    await for_update(Quote.select(Quote.id).where(Quote.public_id == quote["public_id"])).first()
    existing = (
        await Policy.select(Policy.number)
        .where((Policy.quote_id == quote["public_id"]) & (Policy.status != PolicyStatus.CANCELLED))
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
            customer=application["customer"],
            quote_id=quote["public_id"],
            application_number=application["number"],
            insurer_code=quote["insurer_code"],
            product_code=quote["product_code"],
            product_version=quote["product_version"],
            channel=quote["channel"],
            relation=application["relation"],
            insured_name=application["insured_name"],
            insured_id_number=application["insured_id_number"],
            insured_birth_date=application["insured_birth_date"],
            occupation_class=application["occupation_class"],
            beneficiaries=application["beneficiaries"],
            exclusions=application["exclusions"],
            loading=application["loading"],
            sum_insured_fen=quote["sum_insured_fen"],
            premium_fen=application["premium_per_payment_fen"],
            annual_premium_fen=application["annual_premium_fen"],
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
            actor=actor,
            reason=f"application {application['number']} accepted (quote {quote['public_id']})",
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
