"""Policy API: buy from a quote, pay, read, download the schedule."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import File
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from insure import clock
from insure.applications.api import MAX_ANSWERS, MAX_BENEFICIARIES, ApplicationFields, BeneficiaryIn
from insure.documents_model import DocumentStatus
from insure.idempotency import KEY_RE
from insure.money import from_fen
from insure.openapi import BEARER_SECURITY, problems
from insure.payments import payouts
from insure.payments import services as payments
from insure.payments.api import PaymentOut, payment_out
from insure.policies import billing, endorsements, paying, premiums, reinstatement, renewals, schedule, services
from insure.policies.model import PolicyStatus
from insure.text_input import Address, Code, Digits, Email, Mobile, RequestBody, Short, one_of
from insure.web.guards import signed_in
from products import services as product_services

# the document states the rule idempotency.check_key applies (422 idempotency_key_invalid, naming the header)
IdempotencyKey = Annotated[str, Parameter(header="Idempotency-Key", schema_extra={"pattern": KEY_RE.pattern})]


class PolicyOut(msgspec.Struct):
    number: str
    status: PolicyStatus
    product_code: str
    product_version: str
    insurer_code: str
    channel: str
    insured_name: str
    sum_insured: str
    annual_premium: str
    premium_per_payment: str
    payments_per_year: int
    currency: str
    effective_date: str | None
    expiry_date: str | None
    delivered_at: str | None
    free_look_until: str | None
    application_number: str


class PayRequest(RequestBody):
    card_number: Digits
    expiry: Short
    cvc: Short


class InstalmentOut(msgspec.Struct):
    number: int
    due_date: str
    period_start: str
    period_end: str
    amount: str  # what the policyholder pays: the premium less the part paid by dividends
    status: str
    paid_by_dividends: str = "0.00"  # premium offset option (participating policies)


class DeclarationOut(msgspec.Struct):
    """A reinstatement request: the new health declaration and its outcome."""

    number: str
    status: str  # accepted | referred | declined
    declared_at: str
    decided_at: str | None
    reason: str
    pay_by: str | None  # an accepted declaration is good for 30 days


def declaration_out(row: dict) -> DeclarationOut:
    pay_by = None
    if row["status"] == reinstatement.ACCEPTED:
        accepted = clock.local(row["decided_at"] or row["declared_at"]).date()
        pay_by = (accepted + timedelta(days=reinstatement.VALID_DAYS)).isoformat()
    return DeclarationOut(
        row["number"],
        row["status"],
        row["declared_at"].isoformat(),
        _iso(row["decided_at"]),
        row["reason"] if row["status"] == reinstatement.DECLINED else "",
        pay_by,
    )


class ArrearsOut(msgspec.Struct):
    premiums: str
    interest: str
    total: str
    instalments: list[int]
    reinstatable_until: str
    declaration: DeclarationOut | None


class ReinstateRequest(RequestBody, kw_only=True):
    card_number: Digits
    expiry: Short
    cvc: Short
    answers: Annotated[dict[Code, bool], msgspec.Meta(max_length=MAX_ANSWERS)] | None = None


class ReinstatementOut(msgspec.Struct):
    declaration: DeclarationOut
    payment: PaymentOut | None


class SurrenderOut(msgspec.Struct):
    policy: PolicyOut
    cash_value: str


class SurrenderValueOut(msgspec.Struct):
    cash_value: str
    completed_policy_years: int


class EndorsementRequest(RequestBody, kw_only=True):
    kind: one_of(endorsements.KINDS)  # type: ignore[valid-type]
    address: Address = ""
    mobile: Mobile = ""
    email: Email = ""
    bank_account: Digits = ""
    beneficiaries: Annotated[list[BeneficiaryIn], msgspec.Meta(max_length=MAX_BENEFICIARIES)] = msgspec.field(
        default_factory=list
    )
    legal_heirs: bool = False
    insured_consent: bool = False  # a beneficiary change on an adult insured other than the policyholder


class EndorsementOut(msgspec.Struct):
    kind: str
    before: dict[str, object]
    after: dict[str, object]
    actor: str
    at: str


def endorsement_out(row: dict) -> EndorsementOut:
    return EndorsementOut(row["kind"], row["before"], row["after"], row["actor"], row["at"].isoformat())


class RenewalOut(msgspec.Struct):
    quote_id: str
    annual_premium: str
    guaranteed_renewable: bool


class RenewalResult(msgspec.Struct):
    policy_number: str | None
    application_number: str | None
    status: str


class RefundOut(msgspec.Struct):
    id: str
    amount: str
    reason: str
    status: str


class DocumentOut(msgspec.Struct):
    kind: str
    status: str
    url: str


def _iso(value: object) -> str | None:
    return value.isoformat() if value else None  # type: ignore[attr-defined]


def policy_out(p: dict) -> PolicyOut:
    return PolicyOut(
        number=p["number"],
        status=p["status"],
        product_code=p["product_code"],
        product_version=p["product_version"],
        insurer_code=p["insurer_code"],
        channel=p["channel"],
        insured_name=p["insured_name"],
        sum_insured=str(from_fen(p["sum_insured_fen"])),
        annual_premium=str(from_fen(p["annual_premium_fen"])),
        premium_per_payment=str(from_fen(p["premium_fen"])),
        payments_per_year=p["payments_per_year"],
        currency=p["currency"],
        effective_date=_iso(p["effective_date"]),
        expiry_date=_iso(p["expiry_date"]),
        delivered_at=_iso(p["delivered_at"]),
        free_look_until=_iso(services.free_look_until(p)),
        application_number=p["application_number"],
    )


class PoliciesController(Controller):
    path = "/api/v1/policies"
    tags = ["policies"]
    guards = [signed_in]
    security = BEARER_SECURITY

    @get("/", summary="The customer's policies")
    async def list_policies(self, request: Request) -> list[PolicyOut]:
        return [policy_out(p) for p in await services.list_for(request.scope["user"])]  # type: ignore[arg-type]

    @get("/{number:str}", summary="One policy", description="Another customer's policy number answers 404.")
    async def get_policy(self, request: Request, number: str) -> PolicyOut:
        return policy_out(await services.get_for(request.scope["user"], number))  # type: ignore[arg-type]

    @post(
        "/{number:str}/payments",
        responses=problems(409),
        status_code=HTTP_202_ACCEPTED,
        summary="Pay the premium through the sandbox gateway",
        description="Asynchronous: answers `pending`; the gateway's signed notification settles it and the policy "
        "comes into force. The `Idempotency-Key` header is required: the same key with the same request returns "
        "the first payment and charges once; the same key with a different request is rejected "
        "(`idempotency_key_reused`). Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined "
        "(`card_declined`), 4000 0000 0000 9995 fails with `insufficient_funds`.",
    )
    async def pay(
        self,
        request: Request,
        number: str,
        data: PayRequest,
        idempotency_key: IdempotencyKey,
    ) -> PaymentOut:
        user = request.scope["user"]
        pay = await paying.start(user, number, data.card_number, data.expiry, data.cvc, idempotency_key)  # type: ignore[arg-type]
        return payment_out(pay, number)

    @get("/{number:str}/payments", summary="Payments made for a policy")
    async def list_payments(self, request: Request, number: str) -> list[PaymentOut]:
        policy = await services.get_for(request.scope["user"], number)  # type: ignore[arg-type]
        return [payment_out(p, number) for p in await payments.for_policy(policy["id"])]

    @post(
        "/{number:str}/free-look-cancellation",
        responses=problems(409),
        status_code=HTTP_200_OK,
        summary="Cancel in the free-look period (犹豫期) with a full refund",
        description="Within the product's free-look days from e-delivery of the schedule (15 for personal insurance "
        "longer than a year): the policy is void from the start and every premium paid is refunded through the "
        "gateway (asynchronously). 409 `free_look_over` afterwards or for products without a free-look period.",
    )
    async def free_look_cancel(self, request: Request, number: str) -> PolicyOut:
        return policy_out(await services.cancel_in_free_look(request.scope["user"], number))  # type: ignore[arg-type]

    @get("/{number:str}/schedule", summary="The premium schedule: every instalment, paid or due")
    async def schedule(self, request: Request, number: str) -> list[InstalmentOut]:
        policy = await services.get_for(request.scope["user"], number)  # type: ignore[arg-type]
        return [
            InstalmentOut(
                i["number"],
                i["due_date"].isoformat(),
                i["period_start"].isoformat(),
                i["period_end"].isoformat(),
                str(from_fen(premiums.to_pay(i))),
                i["status"],
                str(from_fen(i["offset_fen"])),
            )
            for i in await premiums.schedule_of(policy["id"])
        ]

    @get(
        "/{number:str}/reinstatement",
        responses=problems(409),
        summary="What reinstating a lapsed policy costs today",
        description="Every premium fallen due and unpaid, with simple interest at 5 % a year from each due date; "
        "409 `not_lapsed` or `reinstatement_expired` (more than two years after the lapse).",
    )
    async def reinstatement_quote(self, request: Request, number: str) -> ArrearsOut:
        policy = await services.get_for(request.scope["user"], number)  # type: ignore[arg-type]
        premiums.check_reinstatable(policy)
        owed = await premiums.arrears(policy)
        until = billing.add_months(policy["lapsed_on"], 12 * billing.REINSTATEMENT_WINDOW_YEARS)
        declaration = await reinstatement.current(policy)
        return ArrearsOut(
            str(owed.premium),
            str(owed.interest),
            str(owed.total),
            [i.number for i in owed.instalments],
            until.isoformat(),
            declaration_out(declaration) if declaration else None,
        )

    @post(
        "/{number:str}/reinstatement",
        responses=problems(409),
        status_code=HTTP_202_ACCEPTED,
        summary="Reinstate a lapsed policy (复效): new health declaration and the arrears",
        description="Within two years of the lapse. Send `answers` to the product's health declaration with the "
        "card: all no → the declaration is accepted and the arrears are charged (Idempotency-Key required; the "
        "policy is back in force when the gateway confirms). Any yes → the declaration is `referred` to an "
        "underwriter, nothing is charged (`payment` null) and the decision is e-mailed. Once an underwriter "
        "accepts, send the card without `answers` within 30 days. 409 `reinstatement_under_review` while "
        "referred, `reinstatement_declined` after a decline; 422 `declaration_required` without answers and "
        "without an accepted declaration.",
    )
    async def reinstate(
        self,
        request: Request,
        number: str,
        data: ReinstateRequest,
        idempotency_key: IdempotencyKey,
    ) -> ReinstatementOut:
        card = {"card_number": data.card_number, "expiry": data.expiry, "cvc": data.cvc}
        declaration, pay = await reinstatement.reinstate(
            request.scope["user"],  # type: ignore[arg-type]
            number,
            data.answers,
            card,
            idempotency_key,
        )
        return ReinstatementOut(declaration_out(declaration), payment_out(pay, number) if pay else None)

    @get(
        "/{number:str}/surrender-value",
        responses=problems(409),
        summary="What surrendering would pay today",
        description="The guaranteed cash value at the last policy anniversary (net premium reserve less the run-off "
        "surrender charge, from the product's cash value table); 409 `no_cash_value` for products without one.",
    )
    async def surrender_value(self, request: Request, number: str) -> SurrenderValueOut:
        policy = await services.get_for(request.scope["user"], number)  # type: ignore[arg-type]
        value = await services.surrender_value(policy)
        return SurrenderValueOut(str(value), services.completed_policy_years(policy))

    @post(
        "/{number:str}/surrender",
        responses=problems(409),
        status_code=HTTP_200_OK,
        summary="Surrender the policy (退保) for its cash value",
        description="After the free-look period, a policy in force ends and its guaranteed cash value is paid out "
        "(posted to the ledger). 409 `use_free_look` inside the free-look period, `not_surrenderable` for a lapsed "
        "or ended policy.",
    )
    async def surrender(self, request: Request, number: str) -> SurrenderOut:
        policy, value = await services.surrender(request.scope["user"], number)  # type: ignore[arg-type]
        return SurrenderOut(policy_out(policy), str(value))

    @post(
        "/{number:str}/endorsements",
        responses=problems(409),
        status_code=HTTP_201_CREATED,
        summary="Change a policy in force (保全): address, contact, bank account or beneficiaries",
        description="`kind` is address (`address`), contact (`mobile`, `email`), bank_account (`bank_account`) or "
        "beneficiaries (`beneficiaries` with shares adding up to 100, or `legal_heirs`; when the insured is an "
        "adult other than the policyholder, `insured_consent` is required — Insurance Law art. 41). A new bank "
        "account is tokenised at the gateway; only its token and last 4 digits are kept. Each change is kept as a "
        "dated version with who made it (GET …/endorsements). 409 `policy_ended` for a policy that has ended.",
    )
    async def endorse(self, request: Request, number: str, data: EndorsementRequest) -> EndorsementOut:
        row = await endorsements.endorse(request.scope["user"], number, msgspec.to_builtins(data))  # type: ignore[arg-type]
        return endorsement_out(row)

    @get("/{number:str}/endorsements", summary="The policy's change history")
    async def endorsement_history(self, request: Request, number: str) -> list[EndorsementOut]:
        policy = await services.get_for(request.scope["user"], number)  # type: ignore[arg-type]
        return [endorsement_out(r) for r in await endorsements.history(policy["id"])]

    @get(
        "/{number:str}/renewal",
        responses=problems(409),
        summary="The renewal offer of a one-year policy",
        description="Made by the billing run 30 days before expiry, re-rated at the insured's age when the renewal "
        "starts. 409 `no_renewal_offer` before then (or when the product can no longer cover the insured), "
        "`already_renewed` once taken up, `quote_expired` when the offer ran out (the billing run makes a new one "
        "while the policy is in force).",
    )
    async def renewal_offer(self, request: Request, number: str) -> RenewalOut:
        policy = await services.get_for(request.scope["user"], number)  # type: ignore[arg-type]
        quote = await renewals.offer_for(policy)
        prod = product_services.quoted_product(quote)
        return RenewalOut(quote["public_id"], str(from_fen(quote["annual_premium_fen"])), prod.guaranteed_renewable)

    @post(
        "/{number:str}/renewal",
        responses=problems(409),
        status_code=HTTP_201_CREATED,
        summary="Renew: accept the renewal offer",
        description="Guaranteed-renewable products: a new policy on the same terms awaits payment at once (it "
        "continues from the old expiry). Others: send a full application body (health declaration, etc.); "
        "underwriting decides as for a new application and may decline.",
    )
    async def renew(self, request: Request, number: str, data: ApplicationFields | None = None) -> RenewalResult:
        body = msgspec.to_builtins(data) if data is not None else {}
        result = await renewals.renew(request.scope["user"], number, body)  # type: ignore[arg-type]
        if "policy" in result:
            return RenewalResult(result["policy"]["number"], None, result["policy"]["status"])
        app = result["application"]
        return RenewalResult(app.get("policy_number") or None, app["number"], app["status"])

    @get(
        "/{number:str}/payouts",
        summary="Payouts to the policyholder (claim benefits, surrender value, maturity benefit)",
    )
    async def payouts(self, request: Request, number: str) -> list[RefundOut]:
        policy = await services.get_for(request.scope["user"], number)  # type: ignore[arg-type]
        return [
            RefundOut(r["gateway_ref"], str(from_fen(r["amount_fen"])), r["reason"], r["status"])
            for r in await payouts.payouts_for(policy["id"])
        ]

    @get("/{number:str}/refunds", summary="Refunds on a policy")
    async def refunds(self, request: Request, number: str) -> list[RefundOut]:
        policy = await services.get_for(request.scope["user"], number)  # type: ignore[arg-type]
        return [
            RefundOut(r["gateway_ref"], str(from_fen(r["amount_fen"])), r["reason"], r["status"])
            for r in await payments.refunds_for(policy["id"])
        ]

    @get("/{number:str}/documents", summary="The policy's documents and whether each is ready")
    async def documents(self, request: Request, number: str) -> list[DocumentOut]:
        policy = await services.get_for(request.scope["user"], number)  # type: ignore[arg-type]
        doc = await schedule.schedule_for(policy)
        issued = policy["status"] != PolicyStatus.PENDING_PAYMENT
        status = doc["status"] if doc else (DocumentStatus.PENDING if issued else "not_issued")
        return [DocumentOut(schedule.KIND, status, f"/api/v1/policies/{number}/documents/{schedule.KIND}")]

    @get(
        "/{number:str}/documents/policy_schedule",
        responses=problems(409),
        summary="Download the policy schedule (PDF)",
        description="409 `document_not_ready` while a worker is still rendering it, `document_failed` when the "
        "worker gave up (staff can render it again).",
        media_type="application/pdf",
    )
    async def download_schedule(self, request: Request, number: str) -> File:
        policy = await services.get_for(request.scope["user"], number)  # type: ignore[arg-type]
        path = await schedule.ready_path(policy)
        return File(path=path, filename=f"{number}-policy-schedule.pdf", media_type="application/pdf")
