"""Expiry of what was never completed: revised terms not accepted and policies not paid while their quote was
valid (30 days) stop counting towards the insured's accumulated sum insured (the billing jobs
expire_stale_applications and expire_unpaid_policies, one row at a time)."""

from __future__ import annotations

from typing import Any

from insure import clock
from insure.applications.model import ApplicationStatus
from insure.applications.services import _move
from insure.applications.tables import Application
from insure.db import transaction
from insure.errors import Conflict
from insure.policies.model import POLICY, PolicyStatus
from insure.policies.tables import Policy, PolicyEvent
from insure.state import transition


def stale_offer_candidates() -> Any:
    """Applications offered revised terms (a query of their ids)."""
    return Application.select(Application.id).where(Application.status == ApplicationStatus.OFFERED)


def unpaid_policy_candidates() -> Any:
    """Policies awaiting their first payment (a query of their ids)."""
    return Policy.select(Policy.id).where(Policy.status == PolicyStatus.PENDING_PAYMENT)


async def _quote_expired(quote_id: str, now: object) -> bool:
    from products.tables import Quote

    return await Quote.exists().where((Quote.public_id == quote_id) & (Quote.valid_until < now))


async def expire_offer(app_id: int) -> bool:
    """Revised terms not accepted while their quote was valid: the application is withdrawn."""
    app = await Application.select().where(Application.id == app_id).first()
    if (
        app is None
        or app["status"] != ApplicationStatus.OFFERED
        or not await _quote_expired(app["quote_id"], clock.now())
    ):
        return False
    async with transaction():
        await _move(app, ApplicationStatus.WITHDRAWN, "system:expiry", "revised terms not accepted in time")
    return True


async def expire_unpaid(policy_id: int) -> bool:
    """A policy not paid while its quote was valid is cancelled."""
    now = clock.now()
    policy = await Policy.select(Policy.id, Policy.quote_id, Policy.status).where(Policy.id == policy_id).first()
    if policy is None or policy["status"] != PolicyStatus.PENDING_PAYMENT:
        return False
    if not await _quote_expired(policy["quote_id"], now):
        return False
    async with transaction():
        try:
            await transition(
                Policy,
                policy["id"],
                PolicyStatus.PENDING_PAYMENT,
                PolicyStatus.CANCELLED,
                event_table=PolicyEvent,
                event_owner="policy",
                actor="system:expiry",
                reason="not paid while the quote was valid",
                values={Policy.ended_at: now},
                machine=POLICY,
            )
        except Conflict:  # paid meanwhile
            return False
    return True
