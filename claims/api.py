"""Claims API: file a claim, follow it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED

from claims import services
from claims.model import ClaimStatus
from insure.idempotency import KEY_RE
from insure.money import from_fen
from insure.openapi import BEARER_SECURITY, problems
from insure.payments.payout_model import PayoutStatus
from insure.policies.tables import Policy
from insure.tables_base import json_value
from insure.text_input import Amount, Code, DateText, FreeText, PublicId, RequestBody
from insure.web.guards import signed_in

# optional; the document states the rule check_key applies (422 idempotency_key_invalid, naming the header)
IdempotencyKey = Annotated[
    str | None, Parameter(header="Idempotency-Key", required=False, schema_extra={"pattern": KEY_RE.pattern})
]


class ClaimRequest(RequestBody):
    policy_number: PublicId
    coverage_code: Code
    loss_date: DateText
    description: FreeText
    amount: Amount


class RuleOut(msgspec.Struct):
    code: str
    passed: bool
    reason: str


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


async def claim_out(claim: dict) -> ClaimOut:
    policy = await Policy.select(Policy.number).where(Policy.id == claim["policy"]).first()
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
            EventOut(e["from_status"], e["to_status"], e["at"].isoformat(), e["reason"])
            for e in await services.events(claim["id"])
        ],
        payout=payout_out(await services.payout_of(claim["id"])),
        paid_at=_iso(claim["paid_at"]),
    )


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
        description="`coverage_code` names the product benefit claimed (see GET /api/v1/products/{code}). "
        "A loss date before the policy's cover started or after it ended (its expiry, or the day it was cancelled "
        "or surrendered) is refused at once: 422 on `loss_date` with code `loss_before_cover` or `loss_after_cover`, "
        "nothing filed. "
        "Answers `submitted` at once; a worker then computes the benefit (deductible, co-insurance, limit), "
        "checks the policy was in force on the loss date and "
        "the amount is within the sum insured and the straight-through limit, and either approves it and sends the "
        "benefit to the bank account on the policy (`approved`, with `payout`; `paid` once the bank confirmed the "
        "transfer) or refers it to an adjuster (`referred`). Follow it with GET /api/v1/claims/{number}. "
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
        fields = msgspec.structs.asdict(data)
        user = request.scope["user"]
        claim = await services.file_claim(user, data.policy_number, fields, idempotency_key or "")  # type: ignore[arg-type]
        return await claim_out(claim)

    @get("/", summary="The customer's claims")
    async def list_claims(self, request: Request) -> list[ClaimOut]:
        return [await claim_out(c) for c in await services.list_for_claimant(request.scope["user"])]  # type: ignore[arg-type]

    @get("/{number:str}", summary="One claim with the rules that ran and its history")
    async def get_claim(self, request: Request, number: str) -> ClaimOut:
        return await claim_out(await services.get_for(request.scope["user"], number))  # type: ignore[arg-type]
