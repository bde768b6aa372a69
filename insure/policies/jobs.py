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

from insure import batch, clock, events
from insure.accounts import exits
from insure.applications import expiry
from insure.db import for_update, transaction
from insure.errors import N_
from insure.events import AnniversaryReached
from insure.payments import payouts
from insure.payments.model import PaymentStatus
from insure.payments.tables import Payment
from insure.policies import billing, paying, premiums, renewals
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
    return await paying.auto_collect(instalment_id)


async def _stale_offer_candidates(day: date, after: int, limit: int) -> list[int]:
    from insure.applications.tables import Application

    return await batch.ids_after(expiry.stale_offer_candidates(), Application.id, after, limit)


async def _expire_offer(app_id: int, day: date) -> bool:
    return await expiry.expire_offer(app_id)


async def _unpaid_candidates(day: date, after: int, limit: int) -> list[int]:
    return await batch.ids_after(expiry.unpaid_policy_candidates(), Policy.id, after, limit)


async def _expire_unpaid(policy_id: int, day: date) -> bool:
    return await expiry.expire_unpaid(policy_id)


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
        # a participating endowment also pays its account: additions, bonuses, terminal bonus, dividends held
        matured_on = policy["expiry_date"] + timedelta(days=1)
        account = None
        if endowment and prod.participation is not None:
            account = await exits.exit_quote(policy, "maturity", on=matured_on, base_fen=0)
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
            if account is not None:
                await exits.settle(policy, account, "system:billing")
                benefit_fen += account.total_fen
            await payouts.start_payout(policy, benefit_fen, "maturity", actor="system:billing")
            return "matured"
        return "expired"


async def _anniversary_candidates(day: date, after: int, limit: int) -> list[int]:
    """Policies in force at least a year old whose next anniversary is due (or not yet worked out)."""
    query = Policy.select(Policy.id).where(
        (Policy.status == PolicyStatus.IN_FORCE)
        & Policy.effective_date.is_not_null()
        & (Policy.effective_date <= day - timedelta(days=365))  # no anniversary comes sooner (29 Feb → 28 Feb)
        & (Policy.next_anniversary.is_null() | (Policy.next_anniversary <= day))
    )
    return await batch.ids_after(query, Policy.id, after, limit)


async def announce_anniversaries(policy_id: int, day: date) -> int:
    """One policy in force: publish ``AnniversaryReached`` for each policy year completed by ``day`` and not yet
    announced (one a year; several after a moved demo clock or a stopped beat), in order, and remember the next
    anniversary. A guarded update makes a second run (or a racing worker) announce nothing twice. Returns how
    many were announced. Dividend declarations and similar yearly work hook in as handlers of the event."""
    policy = (
        await Policy.select(Policy.id, Policy.status, Policy.effective_date, Policy.anniversaries_announced)
        .where(Policy.id == policy_id)
        .first()
    )
    if policy is None or policy["status"] != PolicyStatus.IN_FORCE or policy["effective_date"] is None:
        return 0
    done, years = policy["anniversaries_announced"], billing.completed_years(policy["effective_date"], day)
    async with transaction():
        won = (
            await Policy.update(
                {
                    Policy.anniversaries_announced: max(years, done),
                    Policy.next_anniversary: billing.policy_anniversary(policy["effective_date"], max(years, done) + 1),
                }
            )
            .where((Policy.id == policy_id) & (Policy.anniversaries_announced == done))
            .returning(Policy.id)
        )
        if not won:
            return 0
        for year in range(done + 1, years + 1):
            await events.publish(AnniversaryReached(policy_id, year))
    return max(years - done, 0)


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
        "anniversaries", N_("Policy anniversaries"), _anniversary_candidates, announce_anniversaries, "offer_renewals"
    )
)
batch.register(
    batch.Job(
        "end_of_term", N_("Maturity and expiry at the end of cover"), _ended_candidates, end_of_term, "anniversaries"
    )
)
