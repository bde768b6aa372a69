"""The premium schedule of a policy in force: instalments, due notices, grace, lapse and reinstatement.

Time-driven work is found by the beat scan (`scan`), never by Celery ETA: due notices for premiums falling
due within NOTICE_DAYS, and lapse for a premium still unpaid when the grace period has ended.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from insure import clock, events, mail, work
from insure.auth.tables import User
from insure.db import for_update, transaction
from insure.errors import N_, Conflict
from insure.events import PolicyReinstated
from insure.i18n import gettext, use_locale
from insure.money import from_fen, quantize, to_fen
from insure.policies import billing
from insure.policies.instalments import void_remaining
from insure.policies.model import INSTALMENT, POLICY, InstalmentStatus, PolicyStatus
from insure.policies.tables import Instalment, Policy, PolicyEvent
from insure.state import transition, transition_many
from products import services as products
from products.catalog import Product

NOTICE_DAYS = 15
NOTICE_WORK = "policies.premium_notice"  # the kind of work of one due notice (insure.work)
REINSTATEMENT_INTEREST = Decimal("0.05")  # a year, simple, on each unpaid premium from its due date


async def schedule_of(policy_id: int) -> list[dict]:
    return await Instalment.select().where(Instalment.policy == policy_id).order_by(Instalment.number)


async def next_unpaid(policy_id: int) -> dict | None:
    return (
        await Instalment.select()
        .where((Instalment.policy == policy_id) & (Instalment.status == InstalmentStatus.DUE))
        .order_by(Instalment.number)
        .first()
    )


async def unpaid_until(policy_id: int, day: object) -> list[dict]:
    return (
        await Instalment.select()
        .where(
            (Instalment.policy == policy_id)
            & (Instalment.status == InstalmentStatus.DUE)
            & (Instalment.due_date <= day)
        )
        .order_by(Instalment.number)
    )


async def mark_paid(instalment_ids: list[int], payment_id: int) -> None:
    """The instalments a payment (or, without one, the maturity benefit) paid: a guarded set-based move from due
    to paid with an event row each (``state.transition_many``); one already paid is left as it is."""
    if not instalment_ids:
        return
    await transition_many(
        Instalment,
        Instalment.id.is_in(instalment_ids),
        InstalmentStatus.DUE,
        InstalmentStatus.PAID,
        machine=INSTALMENT,
        actor=f"payment:{payment_id}" if payment_id else "system:maturity_offset",
        reason="premium received",
        values={Instalment.payment_id: payment_id, Instalment.paid_at: clock.now()},
    )


def _as_billing(row: dict) -> billing.Instalment:
    return billing.Instalment(
        number=row["number"],
        due_date=row["due_date"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        amount=from_fen(row["amount_fen"]),
        policy_year=1,
    )


async def arrears(policy: dict) -> billing.Arrears:
    """What reinstating costs today: every premium fallen due and unpaid, with simple interest."""
    unpaid = await unpaid_until(policy["id"], clock.today())
    return billing.reinstatement_arrears([_as_billing(r) for r in unpaid], clock.today(), REINSTATEMENT_INTEREST)


def check_reinstatable(policy: dict) -> None:
    if policy["status"] != PolicyStatus.LAPSED:
        raise Conflict(N_("Only a lapsed policy can be reinstated."), code="not_lapsed")
    if policy["expiry_date"] is not None and clock.today() > policy["expiry_date"]:
        raise Conflict(N_("The period of cover has ended; the policy can no longer be reinstated."), code="cover_ended")
    if not billing.can_reinstate(policy["lapsed_on"], clock.today()):
        raise Conflict(N_("A policy can be reinstated only within two years of lapsing."), code="reinstatement_expired")


async def reinstate(policy_id: int, payment_id: int, actor: str) -> None:
    """Inside the payment's transaction: arrears paid, the policy is back in force."""
    policy = await Policy.select().where(Policy.id == policy_id).first()
    if policy is None or policy["status"] != PolicyStatus.LAPSED:
        return
    unpaid = await unpaid_until(policy_id, clock.today())
    await mark_paid([r["id"] for r in unpaid], payment_id)
    await transition(
        Policy,
        policy_id,
        PolicyStatus.LAPSED,
        PolicyStatus.IN_FORCE,
        event_table=PolicyEvent,
        event_owner="policy",
        actor=actor,
        reason="reinstated: arrears and interest paid",
        values={Policy.lapsed_on: None},
        machine=POLICY,
    )
    await events.publish(PolicyReinstated(policy_id))


async def scan() -> dict[str, int]:
    """The daily billing run (beat): due notices, then lapse at the end of grace. Safe to run again."""
    today = clock.today()
    notices = 0
    upcoming = (
        await Instalment.select(Instalment.id, Instalment.policy, Instalment.due_date, Instalment.amount_fen)
        .where(
            (Instalment.status == "due")
            & Instalment.notified_at.is_null()
            & (Instalment.due_date <= today + timedelta(days=NOTICE_DAYS))
            & (Instalment.policy.status == PolicyStatus.IN_FORCE)
        )
        .order_by(Instalment.due_date)
        .limit(500)
    )
    for row in upcoming:  # each notice is counted work of its own: one that keeps failing is parked, not the scan
        try:
            sent = await work.attempt(NOTICE_WORK, row["id"], lambda row=row: _notify(row))
        except Exception:  # counted and logged by work.attempt; the next scan tries it again, up to the cap
            continue
        notices += sent is not None
    lapsed = 0
    overdue = (
        await Instalment.select(Instalment.policy, Instalment.due_date)
        .where(
            (Instalment.status == "due")
            & (Instalment.due_date < today)
            & (Instalment.policy.status == PolicyStatus.IN_FORCE)
        )
        .order_by(Instalment.due_date)  # the earliest unpaid premium decides the lapse date
    )
    seen: set[int] = set()
    for row in overdue:
        if row["policy"] in seen:  # the earliest unpaid premium of each policy decides; skip the later ones
            continue
        seen.add(row["policy"])
        policy = await Policy.select().where(Policy.id == row["policy"]).first()
        grace = products.quoted_product(policy).grace_period_days
        if billing.is_lapsed(row["due_date"], grace, today):
            async with transaction():
                locked = await for_update(Policy.select(Policy.status).where(Policy.id == policy["id"])).first()
                if locked["status"] == PolicyStatus.IN_FORCE:
                    await transition(
                        Policy,
                        policy["id"],
                        PolicyStatus.IN_FORCE,
                        PolicyStatus.LAPSED,
                        event_table=PolicyEvent,
                        event_owner="policy",
                        actor="system:billing",
                        reason=f"premium due {row['due_date'].isoformat()} unpaid after {grace} days of grace",
                        values={Policy.lapsed_on: billing.lapses_on(row["due_date"], grace)},
                    )
                    lapsed += 1
    # collect only what is still in force: a policy that lapsed in this run is not charged
    from insure.payments import services as payments

    collected = 0
    for row in (
        await Instalment.select(Instalment.id)
        .where(
            (Instalment.status == "due")
            & (Instalment.due_date <= today)
            & (Instalment.policy.status == PolicyStatus.IN_FORCE)
        )
        .order_by(Instalment.due_date)
        .limit(500)
    ):
        collected += await payments.auto_collect(row["id"])
    from insure.applications import services as applications
    from insure.policies import renewals

    stale = await applications.expire_stale()

    offers = await renewals.make_offers()
    return {
        "notices": notices,
        "collections": collected,
        "lapsed": lapsed,
        "renewal_offers": offers,
        "expired_offers": stale,
        **await _end_of_term(today),
    }


def maturity_benefit(prod: Product, policy: dict) -> int:
    """The maturity benefit in fen: the product's maturity coverage as a percentage of the sum insured."""
    cover = next((c for c in prod.coverages if c.code == "maturity"), None)
    percent = cover.percent_of_sum_insured if cover else Decimal(100)
    return to_fen(quantize(from_fen(policy["sum_insured_fen"]) * percent / 100))


async def _offset_unpaid(policy: dict, benefit_fen: int) -> int:
    """Premiums fallen due within the cover and still unpaid (a last instalment in its grace period) are taken
    from the maturity benefit, as the policy terms provide: booked as premium, the instalments marked paid."""
    from insure.ledger import entries
    from insure.ledger import services as ledger

    covered, owed = [], 0
    for row in await unpaid_until(policy["id"], policy["expiry_date"]):
        if owed + row["amount_fen"] > benefit_fen:
            break  # (never with real figures) what the benefit cannot cover stays unpaid
        covered.append(row["id"])
        owed += row["amount_fen"]
    if owed:
        await ledger.post(
            f"maturity_offset:{policy['id']}",
            f"unpaid premiums of policy {policy['number']} taken from its maturity benefit",
            "policy",
            policy["id"],
            entries.transfer(entries.MATURITY_BENEFITS, entries.PREMIUM_WRITTEN, owed),
        )
        await mark_paid(covered, None)  # type: ignore[arg-type]
    return benefit_fen - owed


async def _end_of_term(today: object) -> dict[str, int]:
    """Policies whose cover ended yesterday or before: an endowment matures (its maturity benefit is paid),
    other cover simply expires."""

    from insure.payments import services as payments
    from insure.payments.tables import Payment

    ended = await Policy.select().where((Policy.status == PolicyStatus.IN_FORCE) & (Policy.expiry_date < today))
    matured = expired = 0
    for policy in ended:
        prod = products.quoted_product(policy)
        endowment = prod.type.endswith("endowment")
        target = PolicyStatus.MATURED if endowment else PolicyStatus.EXPIRED
        async with transaction():
            locked = await for_update(Policy.select(Policy.status).where(Policy.id == policy["id"])).first()
            if locked["status"] != PolicyStatus.IN_FORCE:
                continue
            if await Payment.exists().where((Payment.policy == policy["id"]) & (Payment.status == "pending")):
                continue  # a premium is being collected: settle with the gateway's answer, on the next run
            benefit_fen = await _offset_unpaid(policy, maturity_benefit(prod, policy)) if endowment else 0
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
            )
            await void_remaining(policy["id"])
            if endowment:
                await payments.start_payout(policy, benefit_fen, "maturity")
                matured += 1
            else:
                expired += 1
    return {"matured": matured, "expired": expired}


async def notify_due(instalment_id: int) -> bool | None:
    """Worker (a staff retry of a parked notice): send the due notice of one instalment unless already sent."""
    row = (
        await Instalment.select(Instalment.id, Instalment.policy, Instalment.due_date, Instalment.amount_fen)
        .where(
            (Instalment.id == instalment_id)
            & (Instalment.status == InstalmentStatus.DUE)
            & Instalment.notified_at.is_null()
        )
        .first()
    )
    if row is None:
        return None
    return await _notify(row)


async def _notify(row: dict) -> bool:
    policy = await Policy.select(Policy.number, Policy.customer).where(Policy.id == row["policy"]).first()
    holder = await User.select(User.email, User.name, User.locale).where(User.id == policy["customer"]).first()
    with use_locale(holder["locale"]):
        subject = gettext(
            "Premium due on %(date)s for policy %(number)s", date=row["due_date"].isoformat(), number=policy["number"]
        )
        body = gettext(
            "Dear %(name)s, a premium of %(amount)s CNY for policy %(number)s is due on %(date)s. "
            "Please pay it on the policy page; after the grace period the policy lapses.",
            name=holder["name"],
            amount=str(from_fen(row["amount_fen"])),
            number=policy["number"],
            date=row["due_date"].isoformat(),
        )
    mail.send(holder["email"], subject, body)
    await Instalment.update({Instalment.notified_at: clock.now()}).where(Instalment.id == row["id"])
    return True
