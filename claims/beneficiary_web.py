"""The beneficiary's death claim on the pages and the API (claims.beneficiary): find the policy by its number and
the insured's ID number, then the death claim with the beneficiary's own bank account."""

from __future__ import annotations

import secrets
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_201_CREATED

from claims import beneficiary, filing
from claims.api import ClaimOut, IdempotencyKey, claim_out
from claims.kinds import kind_of
from claims.limits import policy_cover_limit
from insure import clock
from insure.errors import Conflict, ValidationFailed
from insure.money import quantize
from insure.openapi import BEARER_SECURITY, problems
from insure.text_input import Code, DateText, Digits, FreeText, IdNumber, PublicId, RequestBody
from insure.web.guards import signed_in
from insure.web.pages import Form, form_again, page
from products import services as products

TEMPLATE = "claims/death.html"


class DeathClaimRequest(RequestBody, kw_only=True):
    """A beneficiary's death claim: the policy (``policy_number``) and the insured's resident ID number, the death
    benefit claimed (``coverage_code``), the date of death, what happened and the beneficiary's own bank account
    (12 to 19 digits; the benefit is paid there)."""

    policy_number: PublicId
    insured_id_number: IdNumber
    coverage_code: Code
    loss_date: DateText
    description: FreeText
    bank_account: Digits


async def _context(policy: dict, share: object, insured_id: str) -> dict[str, Any]:
    """The beneficiary's form: each death benefit with their share of its limit (a participating policy's
    account cover included, as the claim will be paid)."""
    product = products.quoted_product(policy)
    today = clock.today()
    coverages = []
    for c in beneficiary.death_coverages(product):
        limit = await policy_cover_limit(policy, c, today)
        coverages.append((c, kind_of(c), quantize(limit * share / 100)))  # type: ignore[operator]
    return {"policy": policy, "insured_id_number": insured_id, "share": share, "coverages": coverages}


class BeneficiaryClaimPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/claims/death")
    async def find_policy(self) -> Template:
        return page(TEMPLATE, found=False)

    @post("/claims/death")
    async def found(self, request: Request, data: Form) -> Template:
        """The policy number and the insured's ID number: the death claim form, or 404 for anyone else."""
        fields = {k: str(v) for k, v in data.items()}
        user = request.scope["user"]
        policy, share = await beneficiary.policy_for_beneficiary(  # type: ignore[arg-type]
            user, fields.get("policy_number", ""), fields.get("insured_id_number", "")
        )
        form = {"loss_date": clock.today().isoformat(), "request_token": secrets.token_urlsafe(16)}
        return page(TEMPLATE, found=True, form=form, **await _context(policy, share, fields["insured_id_number"]))

    @post("/claims/death/file")
    async def file(self, request: Request, data: Form) -> Template | Redirect:
        fields = {k: str(v) for k, v in data.items()}
        user = request.scope["user"]
        token = fields.get("request_token", "")
        try:
            claim = await beneficiary.file_death_claim(user, fields, token)  # type: ignore[arg-type]
        except ValidationFailed as exc:
            policy, share = await beneficiary.policy_for_beneficiary(  # type: ignore[arg-type]
                user, fields.get("policy_number", ""), fields.get("insured_id_number", "")
            )
            form = {k: v for k, v in fields.items() if k != "bank_account"}
            ctx = await _context(policy, share, fields["insured_id_number"])
            return form_again(TEMPLATE, form, exc, found=True, **ctx)
        except Conflict:
            claim = await filing.claim_for_key(user, token)  # type: ignore[arg-type]
            if claim is None:
                raise
        return Redirect(f"/claims/{claim['number']}")


class BeneficiaryClaimsController(Controller):
    path = "/api/v1/death-claims"
    tags = ["claims"]
    guards = [signed_in]
    security = BEARER_SECURITY

    @post(
        "/",
        responses=problems(404, 409),
        status_code=HTTP_201_CREATED,
        summary="A beneficiary's death claim",
        description="For a policy that is not the caller's: the insured's death claimed by a named beneficiary "
        "(the name and resident ID number on the caller's account match one the policy names; the claim is for "
        "their share of the benefit) or, when the policy names the legal heirs, by the policyholder. The policy "
        "is found by `policy_number` and the insured's `insured_id_number`; anyone else gets 404 "
        "`policy_not_found` and nothing is stored. `coverage_code` is a death benefit of the product; "
        "`bank_account` (12 to 19 digits) is the beneficiary's own account, where the benefit is paid (422 "
        "`bank_account_invalid`). The claim is then the caller's: GET /api/v1/claims/{number} and the list of "
        "their claims show it (and nothing else of the policy). `Idempotency-Key` as for POST /api/v1/claims.",
    )
    async def file_death_claim(
        self, request: Request, data: DeathClaimRequest, idempotency_key: IdempotencyKey = None
    ) -> ClaimOut:
        user = request.scope["user"]
        claim = await beneficiary.file_death_claim(user, msgspec.to_builtins(data), idempotency_key or "")  # type: ignore[arg-type]
        return await claim_out(claim)
