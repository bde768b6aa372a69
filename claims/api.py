"""Claims API: file a claim, follow it; an adjuster decides a referred claim."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from claims import decisions, exclusions, explained, filing, services
from claims.documents_api import DocumentsOut, documents_out
from claims.invoices import MAX_INVOICES
from claims.model import DECISION_OUTCOMES, DENIAL_CODES, ClaimStatus
from insure.idempotency import KEY_RE
from insure.labels import label
from insure.money import from_fen
from insure.openapi import BEARER_SECURITY, problems
from insure.payments.payout_model import PayoutStatus
from insure.policies.tables import Policy
from insure.tables_base import json_value
from insure.text_input import Amount, Code, DateText, FreeText, Name, PublicId, Reason, RequestBody, one_of
from insure.web.guards import role, signed_in

# optional; the document states the rule check_key applies (422 idempotency_key_invalid, naming the header)
IdempotencyKey = Annotated[
    str | None, Parameter(header="Idempotency-Key", required=False, schema_extra={"pattern": KEY_RE.pattern})
]


class InvoiceIn(RequestBody, kw_only=True):
    """One itemised invoice of an expense claim: ``number`` (unique within the claim), ``issuer`` (the hospital or
    shop), ``date`` (YYYY-MM-DD, not in the future, at most 30 days before the loss), ``amount`` billed in CNY (more
    than 0, at most 2 decimals) and ``social_insurance``, the part social insurance paid (0 to ``amount``)."""

    number: Code
    issuer: Name
    date: DateText
    amount: Amount
    social_insurance: Amount = "0"


class ClaimRequest(RequestBody, kw_only=True):
    """A claim under one benefit of the policy. What it carries follows the benefit's kind (``benefit_kind`` of
    the product's coverage): a lump sum (death, critical illness, accident, travel delay) pays the cover's limit,
    so ``amount`` is left out; an expense benefit (medical, trip cancellation) lists its ``invoices`` (1 to 50; the
    amount claimed is their total, ``amount`` optional and then equal to it); a daily benefit (hospital allowance)
    gives ``discharge_date`` (``loss_date`` is the admission) and pays the cover's daily limit per night."""

    policy_number: PublicId
    coverage_code: Code
    loss_date: DateText
    description: FreeText
    amount: Amount | None = None
    invoices: Annotated[list[InvoiceIn], msgspec.Meta(max_length=MAX_INVOICES)] = []
    discharge_date: DateText | None = None


class ClaimDecisionRequest(RequestBody, kw_only=True):
    """An adjuster's decision. ``outcome``: ``approve`` (with ``amount``; on a claim awaiting approval it
    confirms the amount proposed, ``amount`` then optional), ``deny`` (with ``reason_code``) or ``send_back`` (a
    claim awaiting approval, back to its adjuster). ``reason`` is always required and shown to the claimant for
    approvals and denials."""

    outcome: one_of(DECISION_OUTCOMES)  # type: ignore[valid-type]
    reason: Reason
    amount: Amount = ""
    reason_code: one_of(DENIAL_CODES) = ""  # type: ignore[valid-type]
    exclusion_code: Code = ""  # with a denial: the product exclusion cited (its code in the product file)


class RuleOut(msgspec.Struct):
    code: str
    passed: bool
    reason: str


class SignalOut(msgspec.Struct):
    code: str
    fired: bool
    weight: int
    explanation: str


class CalculationStep(msgspec.Struct):
    step: str
    amount: str


class EventOut(msgspec.Struct):
    from_status: str
    to_status: str
    at: str
    reason: str


class PayoutOut(msgspec.Struct):
    """Where the claim's money is. ``status``: ``pending`` (sent, waiting for the bank's confirmation),
    ``on_hold`` (no bank account on the policy: add one with a `bank_account` change to the policy),
    ``failed`` (the bank returned it: give another account), ``succeeded`` (confirmed; the claim is paid)."""

    status: PayoutStatus
    amount: str
    account_last4: str  # the account it goes to ("" while none is known)
    started_at: str  # when the payment step started the payout
    sent_at: str | None  # when it was (last) sent to the gateway; null while held
    settled_at: str | None  # when the gateway confirmed (succeeded) or returned (failed) it


class DecisionOut(msgspec.Struct):
    """The decision on the claim, as the claimant reads it: ``approved`` or ``denied``, the reason given and, for a
    denial, the reason code and its label (in the request's language)."""

    outcome: str
    reason: str
    decided_at: str | None
    reason_code: str | None = None
    reason_label: str | None = None
    exclusion_code: str | None = None  # a denial citing one of the product's exclusions: its code and wording
    exclusion: str | None = None


class ReviewOut(msgspec.Struct):
    """Staff only: the most the benefit pays (an adjuster approves at most this), an approval proposed above an
    adjuster's authority (amount and proposer's user id) and who decided."""

    payable: str
    proposed_amount: str | None
    proposed_by: int | None
    decided_by: int | None
    assigned_to: int | None
    # the automated assessment (H3): the fraud score, each signal with its figures, the rule set version, and why
    # the claim was referred and to whom (each in plain words)
    fraud_score: int = 0
    ruleset_version: str = ""
    signals: list[SignalOut] = msgspec.field(default_factory=list)
    referral_reasons: list[str] = msgspec.field(default_factory=list)


class DeadlineOut(msgspec.Struct):
    """Staff only: a statutory clock (Insurance Law art. 22-25): ``decide`` (30 days from a complete claim, plus
    the days information was awaited), ``pay`` (10 days from the approval), ``denial_notice`` (3 days from the
    denial), ``documents_notice`` (the missing documents told at once). ``days_left`` is negative once passed;
    ``warned_at`` / ``escalated_at``: when the adjuster was warned (80 %) and the manager told (passed)."""

    kind: str
    due_on: str
    days_left: int
    met_at: str | None
    warned_at: str | None
    escalated_at: str | None


class InvoiceOut(msgspec.Struct):
    number: str
    issuer: str
    date: str
    amount: str
    social_insurance: str


class ClaimOut(msgspec.Struct):
    number: str
    policy_number: str
    status: ClaimStatus
    coverage_code: str
    loss_date: str
    reported_on: str
    description: str
    amount: str
    approved_amount: str
    currency: str
    assessment: list[RuleOut]
    calculation: list[CalculationStep]
    events: list[EventOut]
    # null until the payment step starts the payout; the claim is `paid` only once the gateway confirmed it
    payout: PayoutOut | None = None
    paid_at: str | None = None
    decision: DecisionOut | None = None  # null until an adjuster approved or denied the claim
    review: ReviewOut | None = None  # staff (adjusters, admins) only
    # the day by which the claimant hears our decision (Insurance Law art. 23; null once decided, or while the
    # claim waits for documents); the decision letter: null before a decision, "pending" while rendered, "ready"
    # (GET /api/v1/claims/{number}/letter); the documents still awaited (claims.kinds codes); staff: the deadlines
    decide_by: str | None = None
    letter: str | None = None
    awaited_documents: list[str] = msgspec.field(default_factory=list)
    deadlines: list[DeadlineOut] | None = None
    documents: DocumentsOut | None = None  # the checklist (required, missing) and the files given (issue 10, H2)
    # intake by benefit kind (issue 10, H1): claims.kinds code; the invoices of an expense claim; discharge (daily)
    benefit_kind: str = ""
    invoices: list[InvoiceOut] = []
    discharge_date: str | None = None


def decision_out(claim: dict) -> DecisionOut | None:
    if claim["status"] == ClaimStatus.DENIED:
        code = claim["denial_code"]
        return DecisionOut("denied", claim["decision_reason"], _iso(claim["decided_at"]), code, label("denial", code))
    if claim["decided_by"] is not None and claim["status"] in (ClaimStatus.APPROVED, ClaimStatus.PAID):
        return DecisionOut("approved", claim["decision_reason"], _iso(claim["decided_at"]))
    return None


async def with_exclusion(decision: DecisionOut | None, claim: dict) -> DecisionOut | None:
    """A denial that cites a product exclusion shows its code and wording (H3)."""
    if decision is None or decision.outcome != "denied":
        return decision
    found = await exclusions.cited(claim)
    if found is not None:
        decision.exclusion_code, decision.exclusion = found
    return decision


async def review_out(claim: dict) -> ReviewOut:
    proposed = claim["proposed_fen"] if claim["proposed_by"] is not None else None
    return ReviewOut(
        payable=str(await decisions.payable_of(claim)),
        proposed_amount=str(from_fen(proposed)) if proposed is not None else None,
        proposed_by=claim["proposed_by"],
        decided_by=claim["decided_by"],
        assigned_to=claim["assigned_to"],
        fraud_score=claim["fraud_score"],
        ruleset_version=claim["ruleset_version"],
        signals=[SignalOut(**s) for s in json_value(claim["signals"]) or []],
        referral_reasons=[str(r) for r in json_value(claim["referral_reasons"]) or []],
    )


# the moves whose reasons are internal (an approval proposed above authority, sent back): the claimant sees the
# step, not the amount proposed nor the staff's notes
INTERNAL_STEPS = {ClaimStatus.AWAITING_APPROVAL}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def payout_out(payout: dict | None) -> PayoutOut | None:
    if payout is None:
        return None
    return PayoutOut(
        status=payout["status"],
        amount=str(from_fen(payout["amount_fen"])),
        account_last4=payout["account_last4"],
        started_at=payout["created_at"].isoformat(),
        sent_at=_iso(payout["sent_at"]),
        settled_at=_iso(payout["settled_at"]),
    )


def rules_of(claim: dict) -> list[RuleOut]:
    return [RuleOut(**item) for item in json_value(claim["assessment"]) or []]


def _shown_reason(event: dict, staff: bool) -> str:
    if staff or not ({event["from_status"], event["to_status"]} & INTERNAL_STEPS):
        return event["reason"]
    return ""


async def claim_out(claim: dict, viewer: dict | None = None) -> ClaimOut:
    """The claim as ``viewer`` may see it: staff (adjusters, admins) also get the internal review figures."""
    staff = viewer is not None and viewer["role"] in ("adjuster", "admin")
    policy = await Policy.select().where(Policy.id == claim["policy"]).first()
    told = await explained.explain(claim, explained.coverage_of(policy, claim), staff=staff)
    return ClaimOut(
        number=claim["number"],
        policy_number=policy["number"],
        status=claim["status"],
        coverage_code=claim["coverage_code"],
        loss_date=claim["loss_date"].isoformat(),
        reported_on=claim["reported_on"].isoformat(),
        description=claim["description"],
        amount=str(from_fen(claim["amount_fen"])),
        approved_amount=str(from_fen(claim["approved_fen"])),
        currency=claim["currency"],
        assessment=rules_of(claim),
        calculation=[CalculationStep(**step) for step in json_value(claim["calculation"]) or []],
        events=[
            EventOut(e["from_status"], e["to_status"], e["at"].isoformat(), _shown_reason(e, staff))
            for e in await services.events(claim["id"], staff=staff)
        ],
        payout=payout_out(await services.payout_of(claim["id"])),
        paid_at=_iso(claim["paid_at"]),
        decision=await with_exclusion(decision_out(claim), claim),
        review=await review_out(claim) if staff else None,
        decide_by=told["decide_by"].isoformat() if told["decide_by"] else None,
        letter=told["letter"],
        awaited_documents=told["awaited"],
        deadlines=[
            DeadlineOut(
                d["kind"],
                d["due_on"].isoformat(),
                d["days_left"],
                _iso(d["met_at"]),
                _iso(d["warned_at"]),
                _iso(d["escalated_at"]),
            )
            for d in told["deadlines"]
        ]
        if staff
        else None,
        documents=await documents_out(claim),
        benefit_kind=filing.claim_kind(policy, claim["coverage_code"]).code,
        invoices=[invoice_out(i) for i in await filing.invoices_of(claim["id"])],
        discharge_date=_day(claim["event_end_date"]),
    )


def invoice_out(row: dict) -> InvoiceOut:
    return InvoiceOut(
        number=row["number"],
        issuer=row["issuer"],
        date=row["issued_on"].isoformat(),
        amount=str(from_fen(row["amount_fen"])),
        social_insurance=str(from_fen(row["social_insurance_fen"])),
    )


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


class ClaimsController(Controller):
    path = "/api/v1/claims"
    tags = ["claims"]
    guards = [signed_in]
    security = BEARER_SECURITY

    @post(
        "/",
        responses=problems(404, 409),
        status_code=HTTP_201_CREATED,
        summary="File a claim (first notice of loss)",
        description="`coverage_code` names the product benefit claimed (see GET /api/v1/products/{code}); what "
        "the claim carries follows its kind (`benefit_kind` in the answer): a lump sum (death, critical illness, "
        "accidental death or disability, travel delay) claims the cover's limit and takes no `amount` (422 "
        "`amount_not_claimed`); an expense benefit (medical, trip cancellation) lists 1 to 50 `invoices` (number "
        "unique in the claim, issuer, date neither in the future nor more than 30 days before `loss_date`, "
        "`amount` billed and the part `social_insurance` paid, at most 2 decimals) and claims their total; a daily "
        "benefit (hospital allowance) gives `discharge_date` (on or after `loss_date`, the admission, not in the "
        "future) and claims the nights in hospital (at least one) × the daily limit. Each refusal is 422 naming "
        "the field, e.g. `invoices[2].amount`, with a stable code; nothing is filed. "
        "A loss date before the policy's cover started or after it ended (its expiry, or the day it was cancelled "
        "or surrendered) is refused at once: 422 on `loss_date` with code `loss_before_cover` or `loss_after_cover`, "
        "nothing filed. "
        "Answers `submitted` at once. A worker then checks the claim's documents: while any required one is "
        "missing the claim is `awaiting_documents` (`documents.missing` lists them all; upload with POST "
        "/api/v1/claims/{number}/documents), and the 30-day decision clock starts when the last one arrives. "
        "Then it checks coverage (in force on the loss date, waiting period, exclusions, per-claim and annual "
        "limits, deductible, co-insurance, social insurance) and the fraud signals of the rule set in force, and "
        "either approves it and sends the benefit to the bank account on the policy (`approved`, with `payout`; "
        "`paid` once the bank confirmed the transfer) or refers it, with its reasons, to an adjuster (`referred`). "
        "Every step is e-mailed to the claimant. Follow it with GET /api/v1/claims/{number}. "
        "Send an `Idempotency-Key` header (8 to 80 characters: letters, digits, `_-:.`) so that a retry cannot file "
        "twice: the same key with the same request answers with the first claim and files nothing; the same key "
        "with a different request is rejected (409 `idempotency_key_reused`).",
    )
    async def file_claim(
        self,
        request: Request,
        data: ClaimRequest,
        idempotency_key: IdempotencyKey = None,
    ) -> ClaimOut:
        fields = msgspec.to_builtins(data)
        user = request.scope["user"]
        claim = await filing.file_claim(user, data.policy_number, fields, idempotency_key or "")  # type: ignore[arg-type]
        return await claim_out(claim)

    @get("/", summary="The customer's claims")
    async def list_claims(self, request: Request) -> list[ClaimOut]:
        return [await claim_out(c) for c in await services.list_for_claimant(request.scope["user"])]  # type: ignore[arg-type]

    @get(
        "/{number:str}",
        summary="One claim with the rules that ran and its history",
        description="The claimant sees their own claims; an adjuster the claims assigned to them, those they "
        "proposed or decided and those awaiting a second approval within their authority; an admin every claim "
        "(others: 404). `decision` shows an adjuster's approval or denial (with the reason code and its label); "
        "staff also get `review` (the most the benefit pays, an approval proposed above authority).",
    )
    async def get_claim(self, request: Request, number: str) -> ClaimOut:
        user = request.scope["user"]
        return await claim_out(await services.get_for(user, number), user)  # type: ignore[arg-type]

    @post(
        "/{number:str}/decision",
        responses=problems(403, 404, 409),
        status_code=HTTP_200_OK,
        guards=[role("adjuster", "admin")],
        summary="Adjuster's decision on a referred claim",
        description="For a `referred` claim assigned to the adjuster (or any, for an admin): `outcome` `approve` with "
        "`amount` in CNY (more than 0, at most 2 decimals, at most the benefit's payable amount — `review.payable`; "
        "less is a partial approval) or `deny` with a `reason_code` ("
        + ", ".join(f"`{c}`" for c in DENIAL_CODES)
        + "); a `reason` (5 to 255 characters, shown to the claimant) always. An approval within the adjuster's "
        "authority approves the claim and sends the payment (`approved`, then `paid` once the bank confirms); above "
        "it the claim waits as `awaiting_approval` for a second person with the authority, who sends `approve` "
        "(confirms the amount proposed), `deny` or `send_back` (back to `referred`). 403 `own_policy` on a claim "
        "on one's own policy, `not_assigned` for an unassigned claim not yet taken from the queue, "
        "`own_proposal` for the proposer, `above_authority` without the authority; 409 "
        "`not_referred` for a claim in any other status; 422 naming the field.",
    )
    async def decide(self, request: Request, number: str, data: ClaimDecisionRequest) -> ClaimOut:
        user = request.scope["user"]
        claim = await decisions.decide(user, number, msgspec.to_builtins(data))  # type: ignore[arg-type]
        return await claim_out(claim, user)  # type: ignore[arg-type]
