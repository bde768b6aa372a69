"""The underwriter's side of reinstatement: referred health declarations of lapsed policies, over the API and as
pages beside the application queue. Decisions stay within the underwriter's authority and are audited."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK

from insure.applications import services as applications
from insure.money import from_fen
from insure.openapi import BEARER_SECURITY, problems
from insure.policies import premiums, reinstatement
from insure.policies.model import PolicyStatus
from insure.text_input import Reason, RequestBody, one_of
from insure.web.guards import role
from insure.web.pages import Form, decision_form, page
from products import services as products

STAFF = [role("underwriter", "admin")]


class ReviewOut(msgspec.Struct):
    number: str
    policy_number: str
    status: str
    answers: dict[str, bool]
    sum_insured: str
    declared_at: str
    decided_by: str
    decided_at: str | None
    reason: str


class ReinstatementDecision(RequestBody):
    outcome: one_of(reinstatement.DECISIONS)  # type: ignore[valid-type]
    reason: Reason


def review_out(row: dict, policy: dict) -> ReviewOut:
    return ReviewOut(
        row["number"],
        policy["number"],
        row["status"],
        row["answers"],
        str(from_fen(policy["sum_insured_fen"])),
        row["declared_at"].isoformat(),
        row["decided_by"],
        row["decided_at"].isoformat() if row["decided_at"] else None,
        row["reason"],
    )


class ReinstatementReviewController(Controller):
    path = "/api/v1/reinstatements"
    tags = ["applications and underwriting"]
    guards = STAFF
    security = BEARER_SECURITY

    @get("/", summary="Referred reinstatements waiting for an underwriter")
    async def queue(self) -> list[ReviewOut]:
        return [
            review_out(row, {"number": row["policy_number"], "sum_insured_fen": row["sum_insured_fen"]})
            for row in await reinstatement.referred_queue()  # the queue's rows carry the policy's facts
        ]

    @get("/{number:str}", summary="One reinstatement request with its health declaration")
    async def get_one(self, number: str) -> ReviewOut:
        return review_out(*await reinstatement.for_review(number))

    @post(
        "/{number:str}/decision",
        responses=problems(403, 409),
        status_code=HTTP_200_OK,
        summary="Underwriter's decision on a referred reinstatement",
        description="`outcome`: accept (the policyholder may pay the arrears within 30 days) or decline (the policy "
        "stays lapsed), with a `reason` (audited, and told to the policyholder on a decline). Only within the "
        "underwriter's authority (sum insured): above it 403 `above_authority`; never on one's own policy "
        "(403 `own_policy`); 409 `not_referred` when already decided.",
    )
    async def decide(self, request: Request, number: str, data: ReinstatementDecision) -> ReviewOut:
        row = await reinstatement.decide(request.scope["user"], number, msgspec.to_builtins(data))  # type: ignore[arg-type]
        return review_out(row, (await reinstatement.for_review(number))[1])


async def _context(number: str) -> dict[str, Any]:
    row, policy = await reinstatement.for_review(number)
    others = [p for p in await applications.other_policies(policy) if p["number"] != policy["number"]]
    return {
        "declaration": row,
        "policy": policy,
        "product": products.product(policy["product_code"]),
        "questions": {q.code: q for q in reinstatement.questions(policy)},
        "arrears": await premiums.arrears(policy) if policy["status"] == PolicyStatus.LAPSED else None,
        "others": others,
    }


class ReinstatementReviewPages(Controller):
    include_in_schema = False
    guards = STAFF

    @get("/underwriting/reinstatements/{number:str}")
    async def review(self, number: str) -> Template:
        return page("underwriting/reinstatement.html", **await _context(number))

    @post("/underwriting/reinstatements/{number:str}")
    async def decide(self, request: Request, number: str, data: Form) -> Template | Redirect:
        return await decision_form(
            "underwriting/reinstatement.html",
            data,
            lambda fields: reinstatement.decide(request.scope["user"], number, fields),  # type: ignore[arg-type]
            lambda: _context(number),
            "/underwriting",
        )
