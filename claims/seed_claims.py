"""Demo claims: the claims team (adjusters' skills, one claims manager) and customers' claims in every state, so
`make run` opens on a living claims system (issue 10).

The claims are made the way they happen, through the real services, by replaying the last four months on this
process's clock: the demo customers buy their policies 120 days ago (quote, application, card payment, the
sandbox's confirmation), then each claim is filed on its day (``claims.filing.file_claim``), assessed
(``claims.services.run_assessment``), decided by an adjuster (``claims.decisions.decide``) and paid through the
one payout path, settled by the sandbox gateway's confirmation (``insure.payments.payouts.settle_payout``). The
clock is put back where it was at the end.

The few moves whose services other helpers are still building (asking for documents, asking for information,
reopening a denial, assigning a referral) are made with ``insure.state.transition`` in ONE place,
``_move_not_yet_a_service``: switch them to the real services there when they land.

Deterministic and safe to run twice: every demo claim is filed with the Idempotency-Key ``seed-<scenario>`` and a
scenario whose claim exists is skipped, as is a policy the customer already holds; a second run adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from claims import decisions, services
from claims.filing import claim_for_key, file_claim
from claims.kinds import KINDS
from claims.model import ClaimStatus
from claims.tables import Claim, ClaimsStaff
from insure import clock
from insure.applications import services as applications
from insure.auth.tables import User
from insure.payments import payouts
from insure.payments import services as payments
from insure.payments.tables import Payment
from insure.policies import paying
from insure.policies.model import PolicyStatus
from insure.policies.tables import Policy
from products import services as products
from products.underwriting import rules_for

HISTORY_DAYS = 120  # the demo customers bought their policies this many days ago
CARD = ("4242 4242 4242 4242", "12/35", "123")  # the sandbox's card that always pays
BANK_ACCOUNT = "6222020200112233445"
ADJUSTER = "adjuster@insure.test"  # authority 5,000 CNY: medical, hospital and travel claims
MANAGER = "adjuster2@insure.test"  # authority 20,000 CNY: every kind, the claims manager

# the claims team: (email, the claim kinds they handle, claims manager)
TEAM = (
    (ADJUSTER, ("medical", "hospital_allowance", "trip_cancellation", "travel_delay"), False),
    (MANAGER, tuple(code for code, kind in KINDS.items() if kind.claimable), True),
)

# the sum insured each product is bought with (medical products offer one choice)
SUMS_INSURED = {
    "pa_basic": "300000",
    "pa_pingyuan": "500000",
    "medical_changan": "3000000",
    "medical_pingyuan": "2000000",
}


@dataclass(frozen=True)
class Scenario:
    """One demo claim: who claims under which product and benefit, how much, how many days ago, and where it
    ends. ``path``: paid (straight through), approved (payout sent, confirmation pending), decided_paid,
    denied, reopened, awaiting_approval, referred, awaiting_documents, info_requested."""

    name: str
    customer: str
    product: str
    coverage: str
    amount: str
    days_ago: int
    path: str
    description: str
    adjuster: str | None = None  # who the referral is assigned to (None: left in the team's unassigned queue)


C = "customer@insure.test"
SCENARIOS = (
    Scenario("paid-auto", C, "pa_basic", "accidental_medical", "860", 62, "paid",
             "Sprained an ankle on the stairs of the metro station; X-ray and physiotherapy at the clinic"),
    Scenario("paid-auto-medical", "customer1@insure.test", "medical_changan", "general_medical", "13200", 41, "paid",
             "Three days in hospital with pneumonia; inpatient invoices from the district hospital"),
    Scenario("paid-decided", "customer2@insure.test", "pa_basic", "accidental_death_disability", "12000", 47,
             "decided_paid", "Fractured wrist in a cycling accident, grade 10 disability assessed", MANAGER),
    Scenario("denied", "customer3@insure.test", "pa_pingyuan", "accidental_death_disability", "30000", 33, "denied",
             "Injured a shoulder in a motorbike race on a closed circuit", MANAGER),
    Scenario("reopened", "customer4@insure.test", "pa_basic", "accidental_death_disability", "8000", 55, "reopened",
             "Lost part of a finger in a kitchen accident at home", MANAGER),
    Scenario("awaiting-approval", "customer5@insure.test", "medical_changan", "general_medical", "26000", 19,
             "awaiting_approval", "Knee surgery after a torn ligament; eleven days in hospital", ADJUSTER),
    Scenario("referred-near-deadline", "customer6@insure.test", "pa_pingyuan", "accidental_death_disability",
             "50000", 27, "referred", "Fell from a ladder while painting the ceiling; spinal injury", MANAGER),
    Scenario("referred-medical", "customer7@insure.test", "medical_pingyuan", "general_medical", "28000", 3,
             "referred", "Appendicitis with complications; emergency operation and nine days in hospital", ADJUSTER),
    Scenario("referred-unassigned", "customer8@insure.test", "pa_basic", "accidental_death_disability", "9000", 26,
             "referred", "Hit by a delivery scooter on the pavement; broken collarbone"),
    Scenario("referred-second-claim", "customer1@insure.test", "medical_changan", "general_medical", "11500", 6,
             "referred", "Back in hospital for a follow-up treatment of the pneumonia"),
    Scenario("referred-demo", C, "pa_basic", "accidental_death_disability", "20000", 9, "referred",
             "Broke a leg skiing on a marked slope; disability grade to be assessed", ADJUSTER),
    Scenario("awaiting-documents", "customer2@insure.test", "medical_pingyuan", "general_medical", "12400", 4,
             "awaiting_documents", "Kidney stones removed by lithotripsy; two nights in hospital"),
    Scenario("info-requested", "customer3@insure.test", "pa_basic", "accidental_medical", "7000", 12,
             "info_requested", "Dog bite on the hand; rabies vaccination and stitches", MANAGER),
    Scenario("approved", C, "pa_pingyuan", "accidental_medical", "640", 0, "approved",
             "Cut a hand on broken glass while cooking; stitches at the emergency room"),
)  # fmt: skip


async def seed_claims(progress: bool = True) -> int:
    """Create what is missing of the claims team and the demo claims; returns how many claims were filed."""
    base = clock.offset()
    filed = 0
    try:
        await _team()
        for scenario in sorted(SCENARIOS, key=lambda s: -s.days_ago):  # in the order they happened
            customer = await _user(scenario.customer)
            if customer is None or await claim_for_key(customer, _key(scenario)):
                continue
            await _play(scenario, customer, base)
            filed += 1
    finally:
        clock.set_offset(base)
    if progress:
        print(f"seed: {filed} demo claims filed, {len(SCENARIOS) - filed} already there")
    return filed


def _key(scenario: Scenario) -> str:
    return f"seed-{scenario.name}"


async def _user(email: str) -> dict | None:
    return await User.select().where(User.email == email).first()


async def _team() -> None:
    for email, skills, manager in TEAM:
        user = await _user(email)
        if user is not None and not await ClaimsStaff.exists().where(ClaimsStaff.user == user["id"]):
            await ClaimsStaff.insert(ClaimsStaff(user=user["id"], skills=list(skills), manager=manager))


def _at(base: timedelta, days_ago: int) -> None:
    """Put this process's clock ``days_ago`` days before the demo's today."""
    clock.set_offset(base - timedelta(days=days_ago))


async def _policy(customer: dict, product_code: str, base: timedelta) -> dict:
    """The customer's policy of this product, bought (and paid) HISTORY_DAYS ago if they hold none."""
    held = (
        await Policy.select()
        .where(
            (Policy.customer == customer["id"])
            & (Policy.product_code == product_code)
            & (Policy.status == PolicyStatus.IN_FORCE)
        )
        .order_by(Policy.id)
        .first()
    )
    if held is not None:
        return held
    _at(base, HISTORY_DAYS)
    quote = await products.create_quote(
        {
            "product_code": product_code,
            "birth_date": customer["birth_date"].isoformat(),
            "sum_insured": SUMS_INSURED[product_code],
            "occupation_class": 2,
            "channel": "platform",  # the platform sells every demo product
        },
        customer,
    )
    questions = rules_for(products.quoted_product(quote)).questions
    app = await applications.submit(
        customer,
        {
            "quote_id": quote["public_id"],
            "height_cm": 170,
            "weight_kg": "65",
            "answers": {q.code: False for q in questions},
            "legal_heirs": True,
            "address": "上海市徐汇区漕溪北路 88 号",
            "bank_account": BANK_ACCOUNT,
            "consent": True,
        },
    )
    number = app["policy_number"]
    await paying.start(customer, number, *CARD, key=f"seed-{number}")
    payment = (
        await Payment.select(Payment.gateway_ref)
        .where(Payment.idempotency_key == f"{customer['id']}:seed-{number}")
        .first()
    )
    await payments.sandbox_settle(payment["gateway_ref"])  # the sandbox's confirmation: the policy is issued
    return await Policy.select().where(Policy.number == number).first()


async def _play(s: Scenario, customer: dict, base: timedelta) -> None:
    """File the scenario's claim on its day and take it where the scenario ends."""
    policy = await _policy(customer, s.product, base)
    _at(base, s.days_ago)
    loss = clock.today() - timedelta(days=2)
    body = {
        "coverage_code": s.coverage,
        "loss_date": loss.isoformat(),
        "description": s.description,
        "amount": s.amount,
    }
    claim = await file_claim(customer, policy["number"], body, key=_key(s))
    claim_id = claim["id"]
    if s.path == "awaiting_documents":
        await _move_not_yet_a_service(claim_id, "request_documents")
        return
    # when the assessment starts asking for documents (issue 10, the documents helper), the claimant's required
    # documents must be given here, through the documents service, before the claim is assessed
    outcome = await services.run_assessment(claim_id)
    if outcome == "approve":
        await _pay(claim_id, settle=s.path != "approved")
        return
    await _move_not_yet_a_service(claim_id, "assign", adjuster=s.adjuster)
    if s.path == "referred":
        return
    if s.path == "info_requested":
        _at(base, s.days_ago - 2)
        await _move_not_yet_a_service(claim_id, "request_information")
        return
    decider = await _user(s.adjuster or MANAGER)
    _at(base, max(s.days_ago - 4, 0))
    number = claim["number"]
    if s.path in ("denied", "reopened"):
        code = "excluded_cause" if s.path == "denied" else "insufficient_evidence"
        reason = (
            "Motor racing is excluded by the policy (exclusions, article 2)"
            if s.path == "denied"
            else "The disability assessment was not made by an accredited assessor"
        )
        await decisions.decide(decider, number, {"outcome": "deny", "reason_code": code, "reason": reason})
        if s.path == "reopened":
            _at(base, 8)
            await _move_not_yet_a_service(claim_id, "reopen")
        return
    payable = await decisions.payable_of(await Claim.select().where(Claim.id == claim_id).first())
    await decisions.decide(
        decider,
        number,
        {"outcome": "approve", "amount": str(payable), "reason": "Covered accident, documents complete"},
    )
    if s.path == "decided_paid":
        _at(base, max(s.days_ago - 5, 0))
        await _pay(claim_id, settle=True)


async def _pay(claim_id: int, *, settle: bool) -> None:
    """The payment step and, unless ``settle`` is false (payout sent, confirmation pending), the sandbox
    gateway's confirmation, which books it and moves the claim to paid."""
    await services.pay(claim_id)
    payout = await services.payout_of(claim_id)
    if settle and payout is not None:
        await payouts.settle_payout(payout["id"])


async def _move_not_yet_a_service(claim_id: int, step: str, adjuster: str | None = None) -> None:
    """THE PLACE TO SWITCH TO THE REAL SERVICES when they land (issue 10, other helpers): the moves the seed
    makes with ``insure.state.transition`` (through ``claims.services._move``) because their services are still
    being built.

    - ``assign``: the referral to the named adjuster, or left unassigned (the assignment by skills);
    - ``request_documents``: the required documents asked for at once (assessing -> awaiting_documents);
    - ``request_information``: an adjuster asks the claimant for more (referred -> info_requested);
    - ``reopen``: a denial reopened with a reason (denied -> referred)."""
    actor = "system:demo-seed"
    now = clock.now()
    if step == "assign":
        user = await _user(adjuster) if adjuster else None
        await Claim.update({Claim.assigned_to: user["id"] if user else None}).where(Claim.id == claim_id)
    elif step == "request_documents":
        await services._move(claim_id, ClaimStatus.SUBMITTED, ClaimStatus.ASSESSING, "automated assessment started")
        await services._move(
            claim_id,
            ClaimStatus.ASSESSING,
            ClaimStatus.AWAITING_DOCUMENTS,
            "documents missing: discharge summary, itemised expense list",
            actor=actor,
            documents_requested_at=now,
        )
    elif step == "request_information":
        await services._move(
            claim_id,
            ClaimStatus.REFERRED,
            ClaimStatus.INFO_REQUESTED,
            "information requested: where did the bite happen, and the vaccination record",
            actor=actor,
            info_requested_at=now,
        )
    elif step == "reopen":
        await services._move(
            claim_id,
            ClaimStatus.DENIED,
            ClaimStatus.REFERRED,
            "reopened: an accredited assessment of the disability was sent",
            actor=actor,
            reopened_at=now,
        )
    else:
        raise ValueError(step)
