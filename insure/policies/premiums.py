"""The premium schedule of a policy in force: instalments, due notices, grace, lapse and reinstatement.

Time-driven work is found by the billing jobs (``insure.policies.jobs``, each a beat-scheduled batch run), never by
Celery ETA: due notices for premiums falling due within NOTICE_DAYS (queued here, sent by a worker), and lapse for
a premium still unpaid when the grace period has ended.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from insure import clock, events, mail, outbox
from insure.auth.tables import User
from insure.db import for_update, transaction
from insure.errors import N_, Conflict
from insure.events import PolicyLapsed, PolicyReinstated
from insure.i18n import gettext, use_locale
from insure.money import from_fen, quantize, to_fen
from insure.policies import billing
from insure.policies.model import INSTALMENT, POLICY, InstalmentStatus, PolicyStatus
from insure.policies.tables import Instalment, Policy, PolicyEvent
from insure.state import transition, transition_many
from products import services as products
from products.catalog import Product

NOTICE_DAYS = 15
NOTICE_WORK = "policies.premium_notice"  # the kind of work of one due notice (insure.work)
REINSTATEMENT_INTEREST = Decimal("0.05")  # a year, simple, on each unpaid premium from its due date


def to_pay(row: dict) -> int:
    """What an instalment still asks of the policyholder (fen): its premium less the part the policy's dividends
    paid (premium offset option, ``offset_fen``). Charged, notified and shown as owed."""
    return row["amount_fen"] - (row.get("offset_fen") or 0)


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


async def mark_paid(instalment_ids: list[int], payment_id: int | None, actor: str | None = None) -> None:
    """The instalments a payment (or, without one, the maturity benefit or the policy's dividends: ``actor``
    says which) paid: a guarded set-based move from due to paid with an event row each
    (``state.transition_many``); one already paid is left as it is."""
    if not instalment_ids:
        return
    await transition_many(
        Instalment,
        Instalment.id.is_in(instalment_ids),
        InstalmentStatus.DUE,
        InstalmentStatus.PAID,
        machine=INSTALMENT,
        actor=actor or (f"payment:{payment_id}" if payment_id else "system:maturity_offset"),
        reason="premium received",
        values={Instalment.payment_id: payment_id, Instalment.paid_at: clock.now()},
    )


def _as_billing(row: dict) -> billing.Instalment:
    return billing.Instalment(
        number=row["number"],
        due_date=row["due_date"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        amount=from_fen(to_pay(row)),
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


async def queue_notice(instalment_id: int, day: date) -> bool:
    """Billing run (job ``notify_due``), one instalment: queue its due notice once, through the outbox, in the
    same transaction that marks it queued; the e-mail is counted work of a worker (NOTICE_WORK, ``notify_due``)."""
    async with transaction():
        policy = (
            await Instalment.select(Instalment.policy.status.as_alias("status"))
            .where(Instalment.id == instalment_id)
            .first()
        )
        if policy is None or policy["status"] != PolicyStatus.IN_FORCE:
            return False
        won = (
            await Instalment.update({Instalment.notice_queued_at: clock.now()})
            .where(
                (Instalment.id == instalment_id)
                & (Instalment.status == InstalmentStatus.DUE)
                & Instalment.notified_at.is_null()
                & Instalment.notice_queued_at.is_null()
                & (Instalment.due_date <= day + timedelta(days=NOTICE_DAYS))
            )
            .returning(Instalment.id)
        )
        if won:
            await outbox.enqueue(NOTICE_WORK, instalment_id)
    return bool(won)


async def lapse_if_overdue(policy_id: int, day: date) -> bool:
    """Billing run (job ``lapse``), one policy in force: it lapses when its earliest unpaid premium is still
    unpaid after the product's grace period."""
    first = (
        await Instalment.select(Instalment.due_date)
        .where(
            (Instalment.policy == policy_id) & (Instalment.status == InstalmentStatus.DUE) & (Instalment.due_date < day)
        )
        .order_by(Instalment.due_date)  # the earliest unpaid premium decides the lapse date
        .first()
    )
    policy = await Policy.select().where(Policy.id == policy_id).first()
    if first is None or policy is None or policy["status"] != PolicyStatus.IN_FORCE:
        return False
    grace = products.quoted_product(policy).grace_period_days
    if not billing.is_lapsed(first["due_date"], grace, day):
        return False
    async with transaction():
        locked = await for_update(Policy.select(Policy.status).where(Policy.id == policy["id"])).first()
        if locked["status"] != PolicyStatus.IN_FORCE:
            return False
        await transition(
            Policy,
            policy["id"],
            PolicyStatus.IN_FORCE,
            PolicyStatus.LAPSED,
            event_table=PolicyEvent,
            event_owner="policy",
            actor="system:billing",
            reason=f"premium due {first['due_date'].isoformat()} unpaid after {grace} days of grace",
            values={Policy.lapsed_on: billing.lapses_on(first["due_date"], grace)},
            machine=POLICY,
        )
        await events.publish(PolicyLapsed(policy["id"]))
    return True


async def scan() -> dict[str, int]:
    """Every billing job now, in order (``insure.batch.run_all_due``; each is also its own beat task): due
    notices, lapse at the end of grace, collection from the saved card, stale offers, renewal offers, end of
    cover. Safe to run again: each row is idempotent."""
    from insure import batch

    runs = await batch.run_all_due()

    def done(name: str) -> int:
        return runs[name]["done"] if name in runs else 0

    ended = runs.get("end_of_term", {}).get("outcomes", {})
    return {
        "notices": done("notify_due"),
        "collections": done("collect"),
        "lapsed": done("lapse"),
        "renewal_offers": done("offer_renewals"),
        "expired_offers": done("expire_stale_applications") + done("expire_unpaid_policies"),
        "matured": ended.get("matured", 0),
        "expired": ended.get("expired", 0),
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
        if owed + to_pay(row) > benefit_fen:
            break  # (never with real figures) what the benefit cannot cover stays unpaid
        covered.append(row["id"])
        owed += to_pay(row)
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


async def notify_due(instalment_id: int) -> bool | None:
    """Worker (task ``policies.premium_notice``, queued by the billing job ``notify_due`` or by a staff retry of a
    parked notice): send the due notice of one instalment unless already sent."""
    row = (
        await Instalment.select(
            Instalment.id, Instalment.policy, Instalment.due_date, Instalment.amount_fen, Instalment.offset_fen
        )
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
    """The due notice itself, on a worker (task ``policies.premium_notice``, queued by ``queue_notice``)."""
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
            amount=str(from_fen(to_pay(row))),
            number=policy["number"],
            date=row["due_date"].isoformat(),
        )
    mail.send(holder["email"], subject, body)
    await Instalment.update({Instalment.notified_at: clock.now()}).where(Instalment.id == row["id"])
    return True
