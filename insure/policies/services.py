"""Policies: created for accepted applications, issued on payment, read with ownership checks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from insure import clock, outbox
from insure.accounts import exits
from insure.accounts.exit_rules import ExitQuote
from insure.applications import dividend_option
from insure.db import for_update, transaction
from insure.errors import N_, Conflict, NotFound
from insure.events import PolicyCancelled, PolicyCancelling, PolicyIssued, publish
from insure.money import from_fen, to_fen
from insure.payments.model import PaymentStatus
from insure.policies import instalments
from insure.policies.model import POLICY, PolicyStatus, cover_period, new_number
from insure.policies.tables import Policy, PolicyEvent
from insure.state import transition
from products import services as products
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
            insured_sex=application["insured_sex"],
            smoker=application["smoker"] == "true",
            occupation_class=application["occupation_class"],
            beneficiaries=application["beneficiaries"],
            address=application["address"],
            bank_account_last4=application["bank_account_last4"],
            bank_account_token=application.get("bank_account_token") or "",
            exclusions=application["exclusions"],
            loading=application["loading"],
            renewal_of=application.get("renewal_of") or "",
            dividend_option=dividend_option.policy_option(
                products.quoted_product(quote), application.get("dividend_option") or ""
            ),
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


async def issue(policy_id: int, actor: str, payment_id: int) -> None:
    """Bring a paid policy into force (inside the payment's transaction) and queue its schedule PDF."""
    policy = await Policy.select().where(Policy.id == policy_id).first()
    if policy is None or policy["status"] != PolicyStatus.PENDING_PAYMENT:
        return  # already issued: paying is idempotent
    # cover starts at 00:00 the next day (次日零时生效): a loss before the purchase can never be covered;
    # a renewal continues the day after the policy it renews ends, with no gap
    start = clock.today() + timedelta(days=1)
    if policy["renewal_of"]:
        previous = await Policy.select(Policy.expiry_date).where(Policy.number == policy["renewal_of"]).first()
        if previous and previous["expiry_date"]:
            start = max(start, previous["expiry_date"] + timedelta(days=1))
    effective, expiry = cover_period(start, policy["policy_term_years"])
    await transition(
        Policy,
        policy_id,
        PolicyStatus.PENDING_PAYMENT,
        PolicyStatus.IN_FORCE,
        machine=POLICY,
        event_table=PolicyEvent,
        event_owner="policy",
        actor=actor,
        reason="premium received",
        values={Policy.effective_date: effective, Policy.expiry_date: expiry, Policy.issued_at: clock.now()},
    )
    await instalments.create_schedule(await Policy.select().where(Policy.id == policy_id).first(), payment_id)
    await outbox.enqueue("documents.render_policy_schedule", policy_id)
    await publish(PolicyIssued(policy_id))


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


def free_look_until(policy: dict) -> date | None:
    """The last day of the free-look period, once the schedule is delivered (None if none applies)."""
    from insure.policies import billing

    if policy["delivered_at"] is None:
        return None
    days = products.quoted_product(policy).free_look_days
    return billing.free_look_ends(clock.local(policy["delivered_at"]).date(), days) if days else None


def in_free_look(policy: dict) -> bool:
    """Inside the free-look period — which starts only when the schedule is delivered, so a policy not yet
    delivered counts as inside it (surrendering it now would cost the customer their full refund)."""
    if not products.quoted_product(policy).free_look_days:
        return False
    until = free_look_until(policy)
    return until is None or clock.today() <= until


async def cancel_in_free_look(user: dict, number: str) -> dict:
    """Free-look cancellation (犹豫期退保): the policy is void from the start and every premium paid comes back,
    less the small cost the product states (``free_look_charge``, kept once). Outside the period, or for products
    without one: 409."""
    from insure.payments import services as payments
    from insure.policies import billing

    async with transaction():
        policy = await for_update(Policy.select().where(Policy.number == number)).first()
        if policy is None or not can_view(user, policy) or policy["customer"] != user["id"]:
            raise NotFound(N_("No such policy."), code="policy_not_found")
        prod = products.quoted_product(policy)
        delivered = clock.local(policy["delivered_at"]).date() if policy["delivered_at"] else None
        if policy["status"] != PolicyStatus.IN_FORCE or delivered is None:
            raise Conflict(
                N_("Only a policy in force and delivered can be cancelled in the free-look period."),
                code="not_cancellable",
            )
        if not billing.in_free_look(delivered, prod.free_look_days, clock.today()):
            raise Conflict(
                N_("The free-look period has ended or does not apply to this policy."), code="free_look_over"
            )
        await publish(PolicyCancelling(policy["id"]))  # claims refuses a policy with a claim (has_claims)
        await exits.check_empty_for_free_look(policy)  # no dividend yet: nothing to reverse (409 if there is)
        history = await payments.for_policy(policy["id"])
        if any(p["status"] == PaymentStatus.PENDING for p in history):
            raise Conflict(N_("A payment for this policy is already being processed."), code="payment_in_progress")
        paid = [p for p in history if p["status"] == PaymentStatus.SUCCEEDED]
        await transition(
            Policy,
            policy["id"],
            PolicyStatus.IN_FORCE,
            PolicyStatus.CANCELLED,
            machine=POLICY,
            event_table=PolicyEvent,
            event_owner="policy",
            actor=f"user:{user['id']}",
            reason="free-look cancellation: void from the start",
            values={Policy.ended_at: clock.now()},
        )
        await instalments.void_remaining(policy["id"])
        charge = prod.free_look_charge  # the product's small cost, kept once per policy
        for payment in paid:
            refund = billing.refund_on_free_look(from_fen(payment["amount_fen"]), charge)
            charge -= from_fen(payment["amount_fen"]) - refund
            if refund > 0:
                await payments.start_refund(payment, to_fen(refund), "free_look")
        await publish(PolicyCancelled(policy["id"], reason="free_look"))
    return await Policy.select().where(Policy.id == policy["id"]).first()


def completed_policy_years(policy: dict) -> int:
    """Whole policy years since the cover started, today: the one anniversary rule of ``billing``."""
    from insure.policies import billing

    return billing.completed_years(policy["effective_date"], clock.today())


async def surrender_quote(policy: dict) -> ExitQuote:
    """What surrendering today pays, part by part. A participating policy: the guaranteed cash value and its
    account (accounts.exits: accumulated dividends with the days' interest, paid-up additions and bonuses at
    today's value, the terminal bonus, the pro-rata dividend). Any other life product: the guaranteed cash value
    at the last policy anniversary (the product's cash value table: net premium reserve less the surrender
    charge that runs off); nothing before the first anniversary."""
    prod = products.quoted_product(policy)
    if prod.pricing.method != "life_equivalence":
        raise Conflict(N_("This product has no cash value."), code="no_cash_value")
    if prod.participation is not None:
        return await exits.exit_quote(policy, "surrender", clock.today())
    years = completed_policy_years(policy)
    value = Decimal("0.00")
    if years > 0:
        _, illustration = products.illustration_for(await products.get_quote(policy["quote_id"]))
        value = illustration.years[min(years, len(illustration.years)) - 1].cash_value
    return ExitQuote(reason="surrender", on=clock.today(), base_fen=to_fen(value))


async def surrender_value(policy: dict) -> Decimal:
    """The total a surrender pays today (``surrender_quote``)."""
    return from_fen((await surrender_quote(policy)).total_fen)


async def surrender(user: dict, number: str) -> tuple[dict, Decimal]:
    """Surrender (退保) after the free-look period: the policy ends and its cash value is paid out."""

    async with transaction():
        policy = await for_update(Policy.select().where(Policy.number == number)).first()
        if policy is None or policy["customer"] != user["id"]:
            raise NotFound(N_("No such policy."), code="policy_not_found")
        if policy["status"] != PolicyStatus.IN_FORCE:
            raise Conflict(N_("Only a policy in force can be surrendered."), code="not_surrenderable")
        if in_free_look(policy):
            raise Conflict(
                N_("You are in the free-look period: cancel instead, for a full refund."), code="use_free_look"
            )
        quote = await surrender_quote(policy)
        value = from_fen(quote.total_fen)
        await transition(
            Policy,
            policy["id"],
            PolicyStatus.IN_FORCE,
            PolicyStatus.SURRENDERED,
            machine=POLICY,
            event_table=PolicyEvent,
            event_owner="policy",
            actor=f"user:{user['id']}",
            reason=f"surrendered for a cash value of {value}",
            values={Policy.ended_at: clock.now()},
        )
        await instalments.void_remaining(policy["id"])
        await exits.settle(policy, quote, f"user:{user['id']}")
        from insure.payments import payouts

        await payouts.start_payout(policy, quote.total_fen, "surrender", actor=f"user:{user['id']}")
    return await Policy.select().where(Policy.id == policy["id"]).first(), value
