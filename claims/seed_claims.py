"""Demo claims: the claims team (adjusters' skills, one claims manager) and customers' claims in every state, so
`make run` opens on a living claims system (issue 10).

Every claim is made the way it happens, through the real services, by replaying the last four months on this
process's clock: the demo customers buy their policies 120 days ago (quote, application, card payment, the
sandbox's confirmation), then each claim is filed on its day with the form its benefit asks for
(``claims.filing.file_claim``: itemised invoices for expenses, no amount for lump sums), its required documents are
uploaded by the claimant through ``claims.documents.upload`` (small valid PNG/PDF files, distinct per claim), it is
assessed (``claims.assessing.run_assessment``: completeness, coverage, fraud signals, straight through or referral
with the assignment by skills, authority and workload), and the adjuster acts through ``claims.actions``
(reassignment by the claims manager, case reserve, notes, information request, reopening a denial) and
``claims.decisions``; approved claims are paid through the one payout path, settled by the sandbox gateway's
confirmation (``insure.payments.payouts.settle_payout``). One claim is filed with only the identity card: its
assessment asks for the rest (``awaiting_documents``, in the team's queue, unassigned). The clock is put back
where it was at the end.

Deterministic and safe to run twice: every demo claim is filed with the Idempotency-Key ``seed-<scenario>`` and a
scenario whose claim exists is skipped, as is a policy the customer already holds; a second run adds nothing.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from claims import actions, decisions, documents, services
from claims.assessing import run_assessment
from claims.filing import claim_for_key, claim_kind, file_claim
from claims.kinds import DAILY, EXPENSE, KINDS, ClaimKind
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
CARD = ("4242 4242 4242 4242", "12/49", "123")  # the sandbox's card that always pays
BANK_ACCOUNT = "6222020200112233445"
ISSUER = "Shanghai Xuhui District Central Hospital"  # the demo invoices' issuer
ADJUSTER = "adjuster@insure.test"  # authority 5,000 CNY: accident, medical, hospital and travel claims
ADJUSTER2 = "adjuster2@insure.test"  # authority 20,000 CNY: every kind (life and critical illness too)
MANAGER = "claims.manager@insure.test"  # authority 100,000 CNY: every kind; confirms, reassigns, gets escalations
EVERY_KIND = tuple(code for code, kind in KINDS.items() if kind.claimable)
ACCIDENT_AND_HEALTH = (
    "accident_death_disability",
    "medical",
    "hospital_allowance",
    "trip_cancellation",
    "travel_delay",
)

# the claims team: (email, the claim kinds they handle, claims manager)
TEAM = (
    (ADJUSTER, ACCIDENT_AND_HEALTH, False),
    (ADJUSTER2, EVERY_KIND, False),
    (MANAGER, EVERY_KIND, True),
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
    """One demo claim: who claims under which product and benefit, how much (an expense claim's invoices; for a
    lump sum, which claims the cover's limit, the amount the adjuster settles on: a disability grade), how many
    days ago, and where it ends. ``path``: paid (straight through), approved (payout sent, confirmation pending),
    decided_paid, denied, reopened, awaiting_approval, referred, awaiting_documents, info_requested."""

    name: str
    customer: str
    product: str
    coverage: str
    amount: str
    days_ago: int
    path: str
    description: str
    adjuster: str | None = None  # who works the referral (None: whom the assessment's assignment chose)


C = "customer@insure.test"
SCENARIOS = (
    Scenario("paid-auto", C, "pa_basic", "accidental_medical", "860", 62, "paid",
             "Sprained an ankle on the stairs of the metro station; X-ray and physiotherapy at the clinic"),
    Scenario("paid-auto-medical", "customer1@insure.test", "medical_changan", "general_medical", "13200", 41, "paid",
             "Three days in hospital with pneumonia; inpatient invoices from the district hospital"),
    Scenario("paid-decided", "customer2@insure.test", "pa_basic", "accidental_death_disability", "12000", 47,
             "decided_paid", "Fractured wrist in a cycling accident, grade 10 disability assessed", ADJUSTER2),
    Scenario("denied", "customer3@insure.test", "pa_pingyuan", "accidental_death_disability", "30000", 33, "denied",
             "Injured a shoulder in a motorbike race on a closed circuit", ADJUSTER2),
    Scenario("reopened", "customer4@insure.test", "pa_basic", "accidental_death_disability", "8000", 55, "reopened",
             "Lost part of a finger in a kitchen accident at home", ADJUSTER2),
    Scenario("awaiting-approval", "customer5@insure.test", "medical_changan", "general_medical", "48000", 19,
             "awaiting_approval", "Knee surgery after a torn ligament; eleven days in hospital", ADJUSTER),
    Scenario("referred-near-deadline", "customer6@insure.test", "pa_pingyuan", "accidental_death_disability",
             "50000", 27, "referred", "Fell from a ladder while painting the ceiling; spinal injury", ADJUSTER2),
    Scenario("referred-medical", "customer7@insure.test", "medical_pingyuan", "general_medical", "52000", 3,
             "referred", "Appendicitis with complications; emergency operation and nine days in hospital", ADJUSTER),
    Scenario("referred-scooter", "customer8@insure.test", "pa_basic", "accidental_death_disability", "9000", 26,
             "referred", "Hit by a delivery scooter on the pavement; broken collarbone"),
    Scenario("referred-second-claim", "customer1@insure.test", "medical_changan", "general_medical", "36000", 6,
             "referred", "Back in hospital for a follow-up treatment of the pneumonia"),
    Scenario("referred-demo", C, "pa_basic", "accidental_death_disability", "20000", 9, "referred",
             "Broke a leg skiing on a marked slope; disability grade to be assessed", ADJUSTER),
    Scenario("awaiting-documents", "customer2@insure.test", "medical_pingyuan", "general_medical", "12400", 4,
             "awaiting_documents", "Kidney stones removed by lithotripsy; two nights in hospital"),
    Scenario("info-requested", "customer3@insure.test", "pa_basic", "accidental_medical", "7000", 12,
             "info_requested", "Dog bite on the hand; rabies vaccination and stitches", ADJUSTER2),
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
    """File the scenario's claim on its day, give its documents and take it where the scenario ends."""
    policy = await _policy(customer, s.product, base)
    _at(base, s.days_ago)
    claim = await file_claim(customer, policy["number"], _body(s, claim_kind(policy, s.coverage)), key=_key(s))
    claim_id, number = claim["id"], claim["number"]
    if s.path == "awaiting_documents":  # only the identity card given: assessment asks for the rest, together
        await _give_documents(customer, claim, only=("claimant_id",))
        await run_assessment(claim_id)
        return
    await _give_documents(customer, claim)
    outcome = await run_assessment(claim_id)
    if outcome == "approve":
        await _pay(claim_id, settle=s.path != "approved")
        return
    manager = await _user(MANAGER)
    holder = await _assign(manager, number, s.adjuster)
    # the adjuster's estimate: what the benefit pays, or for a lump sum the scenario's amount (a disability grade)
    estimate = min(
        Decimal(s.amount), await decisions.payable_of(await Claim.select().where(Claim.id == claim_id).first())
    )
    if s.path == "referred":
        _at(base, max(s.days_ago - 1, 0))
        await actions.set_reserve(holder, number, {"amount": str(estimate), "reason": "first estimate of the claim"})
        await actions.add_note(holder, number, {"body": f"Reviewed the file: {s.description.lower()}."})
        return
    if s.path == "info_requested":
        _at(base, s.days_ago - 2)
        await actions.request_information(
            holder, number, {"question": "Where did the bite happen, and may we see the vaccination record?"}
        )
        return
    _at(base, max(s.days_ago - 4, 0))
    if s.path in ("denied", "reopened"):
        code = "excluded_cause" if s.path == "denied" else "insufficient_evidence"
        reason = (
            "Motor racing is excluded by the policy (exclusions, article 2)"
            if s.path == "denied"
            else "The disability assessment was not made by an accredited assessor"
        )
        await decisions.decide(holder, number, {"outcome": "deny", "reason_code": code, "reason": reason})
        if s.path == "reopened":
            _at(base, 8)
            await actions.reopen(
                manager, number, {"reason": "An accredited assessment of the disability was sent with a complaint"}
            )
            await actions.set_reserve(manager, number, {"amount": str(estimate), "reason": "reopened"})
            await actions.add_note(manager, number, {"body": "Reopened: check the new assessment against grade 9."})
        return
    await decisions.decide(
        holder,
        number,
        {"outcome": "approve", "amount": str(estimate), "reason": "Covered, documents complete"},
    )
    if s.path == "decided_paid":
        _at(base, max(s.days_ago - 5, 0))
        await _pay(claim_id, settle=True)


def _body(s: Scenario, kind: ClaimKind) -> dict:
    """The claim form as the benefit's kind asks for it: a lump sum claims the cover's limit (no amount), an
    expense its itemised invoices (the amount in two invoices, numbered after the scenario), a daily benefit the
    day of discharge."""
    loss = clock.today() - timedelta(days=2)
    body: dict = {"coverage_code": s.coverage, "loss_date": loss.isoformat(), "description": s.description}
    if kind.pays == EXPENSE:
        total = Decimal(s.amount)
        first = (total * Decimal("0.6")).quantize(Decimal("1"))
        body["invoices"] = [
            {
                "number": f"SEED-{s.name.upper()}-{i}",
                "issuer": ISSUER,
                "date": loss.isoformat(),
                "amount": str(part),
                "social_insurance": "0",
            }
            for i, part in enumerate((first, total - first), start=1)
        ]
    elif kind.pays == DAILY:
        body["discharge_date"] = clock.today().isoformat()
    return body


async def _give_documents(customer: dict, claim: dict, only: tuple[str, ...] | None = None) -> None:
    """The claimant uploads the claim's required documents through the documents service: a small PNG for identity
    papers, a one-page PDF otherwise, each file's bytes naming the claim and the document (so that no two claims
    share a file, a fraud signal)."""
    for doc_type in (await documents.checklist(claim))["required"]:
        if only is not None and doc_type not in only:
            continue
        note = f"{claim['number']} {doc_type}"
        if doc_type.endswith("_id"):
            upload = documents.Upload(f"{doc_type}.png", demo_png(note))
        else:
            upload = documents.Upload(f"{doc_type}.pdf", demo_pdf(note))
        await documents.upload(customer, claim, doc_type, [upload])


async def _assign(manager: dict, number: str, adjuster: str | None) -> dict:
    """The adjuster who works the referral: the one the assessment assigned (claims.assignment), or the scenario's
    adjuster, to whom the claims manager reassigns it (claims.actions.reassign)."""
    claim = await Claim.select().where(Claim.number == number).first()
    wanted = await _user(adjuster) if adjuster else None
    if wanted is not None and claim["assigned_to"] != wanted["id"]:
        await actions.reassign(
            manager, number, {"adjuster_id": wanted["id"], "reason": "Workload: handed over by the claims manager"}
        )
        return wanted
    return await User.select().where(User.id == claim["assigned_to"]).first()


async def _pay(claim_id: int, *, settle: bool) -> None:
    """The payment step and, unless ``settle`` is false (payout sent, confirmation pending), the sandbox
    gateway's confirmation, which books it and moves the claim to paid."""
    await services.pay(claim_id)
    payout = await services.payout_of(claim_id)
    if settle and payout is not None:
        await payouts.settle_payout(payout["id"])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def demo_png(note: str) -> bytes:
    """A valid 1 x 1 white PNG with ``note`` in a text chunk."""
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    text = _chunk(b"tEXt", b"Comment\x00" + note.encode())
    pixels = _chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
    return b"\x89PNG\r\n\x1a\n" + header + text + pixels + _chunk(b"IEND", b"")


def demo_pdf(note: str) -> bytes:
    """A plain one-page PDF (no scripts) with ``note`` in a comment."""
    return (
        b"%PDF-1.4\n%" + note.encode() + b"\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )
