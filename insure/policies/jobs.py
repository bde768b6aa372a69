"""The billing jobs: the time-based work of policies in force, each its own batch job (``insure.batch``) with
its own beat task, run in this order every business day (each waits for the one before it, as the single nightly
scan used to run them one after the other):

1. ``notify_due``: a due notice for every premium falling due within NOTICE_DAYS (queued; a worker e-mails it);
2. ``lapse``: policies whose earliest unpaid premium is still unpaid after the grace period lapse;
3. ``collect``: premiums fallen due are collected from the saved card (a policy that lapsed in step 2 is not);
4. ``expire_stale_applications`` and 5. ``expire_unpaid_policies``: revised terms never accepted and policies
   never paid lapse with their quote;
6. ``offer_renewals``: one-year cover ending within 30 days is offered renewal (the e-mail through the outbox);
7. ``end_of_term``: cover that ended yesterday or before matures (an endowment: its benefit is paid out) or
   expires.
"""

from __future__ import annotations

from datetime import date, timedelta

from insure import batch, clock
from insure.applications import services as applications
from insure.db import for_update, transaction
from insure.errors import N_
from insure.payments import payouts
from insure.payments import services as payments
from insure.payments.model import PaymentStatus
from insure.payments.tables import Payment
from insure.policies import premiums, renewals
from insure.policies.instalments import void_remaining
from insure.policies.model import POLICY, InstalmentStatus, PolicyStatus
from insure.policies.tables import Instalment, Policy, PolicyEvent
from insure.state import transition
from products import services as products


async def _notice_candidates(day: date, after: int, limit: int) -> list[int]:
    query = Instalment.select(Instalment.id).where(
        (Instalment.status == InstalmentStatus.DUE)
        & Instalment.notified_at.is_null()
        & Instalment.notice_queued_at.is_null()
        & (Instalment.due_date <= day + timedelta(days=premiums.NOTICE_DAYS))
        & (Instalment.policy.status == PolicyStatus.IN_FORCE)
    )
    return await batch.ids_after(query, Instalment.id, after, limit)


async def _overdue_candidates(day: date, after: int, limit: int) -> list[int]:
    """Policies in force with a premium fallen due before ``day`` and unpaid (by policy id)."""
    query = (
        Instalment.select(Instalment.policy)
        .where(
            (Instalment.status == InstalmentStatus.DUE)
            & (Instalment.due_date < day)
            & (Instalment.policy.status == PolicyStatus.IN_FORCE)
        )
        .distinct()
    )
    return await batch.ids_after(query, Instalment.policy, after, limit)


async def _collect_candidates(day: date, after: int, limit: int) -> list[int]:
    query = Instalment.select(Instalment.id).where(
        (Instalment.status == InstalmentStatus.DUE)
        & (Instalment.due_date <= day)
        & (Instalment.policy.status == PolicyStatus.IN_FORCE)
    )
    return await batch.ids_after(query, Instalment.id, after, limit)


async def _collect(instalment_id: int, day: date) -> bool:
    return await payments.auto_collect(instalment_id)


async def _stale_offer_candidates(day: date, after: int, limit: int) -> list[int]:
    from insure.applications.tables import Application

    return await batch.ids_after(applications.stale_offer_candidates(), Application.id, after, limit)


async def _expire_offer(app_id: int, day: date) -> bool:
    return await applications.expire_offer(app_id)


async def _unpaid_candidates(day: date, after: int, limit: int) -> list[int]:
    return await batch.ids_after(applications.unpaid_policy_candidates(), Policy.id, after, limit)


async def _expire_unpaid(policy_id: int, day: date) -> bool:
    return await applications.expire_unpaid(policy_id)


async def _renewal_candidates(day: date, after: int, limit: int) -> list[int]:
    return await batch.ids_after(renewals.offer_candidates(day), Policy.id, after, limit)


async def _offer_renewal(policy_id: int, day: date) -> bool:
    return await renewals.make_offer(policy_id, day)


async def _ended_candidates(day: date, after: int, limit: int) -> list[int]:
    query = Policy.select(Policy.id).where((Policy.status == PolicyStatus.IN_FORCE) & (Policy.expiry_date < day))
    return await batch.ids_after(query, Policy.id, after, limit)


async def end_of_term(policy_id: int, day: date) -> str | None:
    """A policy whose cover ended before ``day``: an endowment matures (its maturity benefit is paid), other
    cover simply expires. Returns "matured", "expired", or None when there is nothing to do (yet)."""
    policy = await Policy.select().where(Policy.id == policy_id).first()
    if policy is None or policy["status"] != PolicyStatus.IN_FORCE or not policy["expiry_date"] < day:
        return None
    prod = products.quoted_product(policy)
    endowment = prod.type.endswith("endowment")
    target = PolicyStatus.MATURED if endowment else PolicyStatus.EXPIRED
    async with transaction():
        locked = await for_update(Policy.select(Policy.status).where(Policy.id == policy["id"])).first()
        if locked["status"] != PolicyStatus.IN_FORCE:
            return None
        if await Payment.exists().where((Payment.policy == policy["id"]) & (Payment.status == PaymentStatus.PENDING)):
            return None  # a premium is being collected: settle with the gateway's answer, on the next run
        benefit_fen = await premiums._offset_unpaid(policy, premiums.maturity_benefit(prod, policy)) if endowment else 0
        await transition(
            Policy,
            policy["id"],
            PolicyStatus.IN_FORCE,
            target,
            event_table=PolicyEvent,
            event_owner="policy",
            actor="system:billing",
            reason="end of the period of cover",
            values={Policy.ended_at: clock.now()},
            machine=POLICY,
        )
        await void_remaining(policy["id"])
        if endowment:
            await payouts.start_payout(policy, benefit_fen, "maturity", actor="system:billing")
            return "matured"
        return "expired"


batch.register(batch.Job("notify_due", N_("Premium due notices"), _notice_candidates, premiums.queue_notice))
batch.register(
    batch.Job("lapse", N_("Lapse after the grace period"), _overdue_candidates, premiums.lapse_if_overdue, "notify_due")
)
batch.register(batch.Job("collect", N_("Collect premiums from saved cards"), _collect_candidates, _collect, "lapse"))
batch.register(
    batch.Job(
        "expire_stale_applications",
        N_("Withdraw revised terms not accepted in time"),
        _stale_offer_candidates,
        _expire_offer,
        "collect",
    )
)
batch.register(
    batch.Job(
        "expire_unpaid_policies",
        N_("Cancel policies not paid in time"),
        _unpaid_candidates,
        _expire_unpaid,
        "expire_stale_applications",
    )
)
batch.register(
    batch.Job("offer_renewals", N_("Renewal offers"), _renewal_candidates, _offer_renewal, "expire_unpaid_policies")
)
batch.register(
    batch.Job(
        "end_of_term", N_("Maturity and expiry at the end of cover"), _ended_candidates, end_of_term, "offer_renewals"
    )
)
