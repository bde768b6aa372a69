"""Applications over the API: apply from a quote, see the underwriting decision, accept revised terms."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from insure.applications import services
from insure.applications.model import BENEFICIARY_RELATIONS, RELATIONS, ApplicationStatus
from insure.i18n import get_locale
from insure.money import from_fen
from insure.openapi import BEARER_SECURITY, problems
from insure.text_input import (
    Address,
    Code,
    Digits,
    IdNumber,
    Name,
    PublicId,
    Reason,
    RequestBody,
    Short,
    bounded_int,
    one_of,
)
from insure.web.guards import role, signed_in

# a positive decimal of up to 3 whole digits and 2 decimals (a weight in kg, a share in percent)
Decimal2 = Annotated[str, msgspec.Meta(max_length=6, pattern=r"^[0-9]{1,3}(\.[0-9]{1,2})?$")]
HeightCm = bounded_int(0, 250)


class InsuredIn(RequestBody):
    name: Name
    id_number: IdNumber


class BeneficiaryIn(RequestBody):
    name: Name
    relation: one_of(BENEFICIARY_RELATIONS)  # type: ignore[valid-type]
    share: Decimal2  # percent, e.g. "33.33"


# at most this many named beneficiaries, and health answers (the longest questionnaire has far fewer)
MAX_BENEFICIARIES = 10
MAX_ANSWERS = 50


class ApplicationFields(RequestBody, kw_only=True):
    """Everything an application says besides its quote (a renewal application's quote is the renewal offer)."""

    relation: one_of(RELATIONS) = "self"  # type: ignore[valid-type]
    insured: InsuredIn | None = None
    height_cm: HeightCm = 0
    weight_kg: Decimal2 = ""  # kg, e.g. "66.5"
    answers: Annotated[dict[Code, bool], msgspec.Meta(max_length=MAX_ANSWERS)] = msgspec.field(default_factory=dict)
    beneficiaries: Annotated[list[BeneficiaryIn], msgspec.Meta(max_length=MAX_BENEFICIARIES)] = msgspec.field(
        default_factory=list
    )
    legal_heirs: bool = False
    address: Address = ""
    bank_account: Digits = ""
    consent: bool = False
    insured_consent: bool = False  # required when the insured is an adult other than the policyholder


class ApplicationRequest(ApplicationFields, kw_only=True):
    quote_id: PublicId
    # participating cash-dividend products: how dividends are paid (the product's options; default if omitted)
    dividend_option: Annotated[str, msgspec.Meta(max_length=20, pattern=r"^[a-z_]*$")] = ""


class FiredOut(msgspec.Struct):
    code: str
    outcome: str
    reason: str
    loading: str


class ApplicationOut(msgspec.Struct):
    number: str
    status: ApplicationStatus
    quote_id: str
    product_code: str
    relation: str
    insured_name: str
    sum_insured: str
    annual_premium: str
    premium_per_payment: str
    loading: str
    exclusions: list[str]
    reason: str
    decision_outcome: str
    rules_fired: list[FiredOut]
    policy_number: str | None
    dividend_option: str = ""


class DecisionRequest(RequestBody, kw_only=True):
    outcome: one_of(services.UNDERWRITER_DECISIONS)  # type: ignore[valid-type]
    reason: Reason
    loading: Short = ""
    exclusion_zh: Reason = ""
    exclusion_en: Reason = ""


def application_out(app: dict, *, staff: bool = False) -> ApplicationOut:
    zh = get_locale() == "zh_CN"
    decision = app["decision"] or {}
    fired = [
        FiredOut(f["code"], f["outcome"], f["reason_zh"] if zh else f["reason_en"], f["loading"])
        for f in decision.get("fired", [])
    ]
    return ApplicationOut(
        number=app["number"],
        status=app["status"],
        quote_id=app["quote_id"],
        product_code=app["product_code"],
        relation=app["relation"],
        insured_name=app["insured_name"],
        sum_insured=str(from_fen(app["sum_insured_fen"])),
        annual_premium=str(from_fen(app["annual_premium_fen"])),
        premium_per_payment=str(from_fen(app["premium_per_payment_fen"])),
        loading=app["loading"],
        exclusions=[pair[0] if zh else pair[1] for pair in app["exclusions"]],
        reason=app["plain_reason_zh"] if zh else app["plain_reason_en"],
        decision_outcome=decision.get("outcome", ""),
        # internal signals (anti-selection, accumulation) are for underwriters, not shown to the customer
        rules_fired=fired if staff else [f for f in fired if f.code.split(":")[0] in CUSTOMER_VISIBLE],
        policy_number=app["policy_number"] or None,
        dividend_option=app.get("dividend_option") or "",
    )


CUSTOMER_VISIBLE = {"health_answers", "bmi_band", "occupation_class", "smoker"}


class ApplicationsController(Controller):
    path = "/api/v1/applications"
    tags = ["applications and underwriting"]
    guards = [signed_in]
    security = BEARER_SECURITY

    @post(
        "/",
        responses=problems(403, 404, 409),
        status_code=HTTP_201_CREATED,
        summary="Apply for a policy from a quote",
        description="The policyholder (the signed-in customer) applies for themselves or a spouse, minor child or "
        "parent (insured's resident ID checked: check digit, birth date = the quote's). Every question of the "
        "product's health declaration (GET /api/v1/products/{code}/questionnaire) must be answered; beneficiaries' "
        "shares add up to 100 % or `legal_heirs` is true; consent is required, and `insured_consent` when the insured "
        "is an adult other than the policyholder (Insurance Law art. 34, 39). A participating product paying cash "
        "dividends takes `dividend_option`, one of the product's options (its default when omitted; another → 422 "
        "`option_not_offered`). The bank account is tokenised at the "
        "payment gateway (refunds and payouts go there); Insure keeps its token and last 4 digits. Underwriting "
        "decides at once: "
        "`accepted` (the policy awaits payment: see `policy_number`), `offered` (revised terms — loading or "
        "exclusion — to accept first), `referred` (an underwriter decides), `postponed` or `declined`.",
    )
    async def apply(self, request: Request, data: ApplicationRequest) -> ApplicationOut:
        app = await services.submit(request.scope["user"], msgspec.to_builtins(data))  # type: ignore[arg-type]
        return application_out(app)

    @get("/", summary="The customer's applications")
    async def list_applications(self, request: Request) -> list[ApplicationOut]:
        return [application_out(a) for a in await services.list_for(request.scope["user"])]  # type: ignore[arg-type]

    @get("/{number:str}", summary="One application with its underwriting decision")
    async def get_application(self, request: Request, number: str) -> ApplicationOut:
        user = request.scope["user"]
        app = await services.get_for(user, number)  # type: ignore[arg-type]
        return application_out(app, staff=user["role"] in ("underwriter", "admin"))  # type: ignore[index]

    @post(
        "/{number:str}/accept-terms",
        responses=problems(409),
        status_code=HTTP_200_OK,
        summary="Accept the revised terms (counter-offer)",
        description="For an `offered` application: the customer agrees to the loading / exclusions; the policy is "
        "created and awaits payment.",
    )
    async def accept_terms(self, request: Request, number: str) -> ApplicationOut:
        return application_out(await services.accept_terms(request.scope["user"], number))  # type: ignore[arg-type]

    @post(
        "/{number:str}/decision",
        responses=problems(403, 409),
        status_code=HTTP_200_OK,
        guards=[role("underwriter", "admin")],
        summary="Underwriter's decision on a referred application",
        description="`outcome`: accept, load (with `loading` in percent), exclude (with the exclusion in both "
        "languages), decline or postpone, and a `reason` (audited). Only within the underwriter's authority (sum "
        "insured); above it 403 `above_authority` — a senior underwriter must decide.",
    )
    async def decide(self, request: Request, number: str, data: DecisionRequest) -> ApplicationOut:
        app = await services.decide(request.scope["user"], number, msgspec.to_builtins(data))  # type: ignore[arg-type]
        return application_out(app, staff=True)
