"""Claim pages: file a claim, watch it move, the adjuster's list of referred claims and their decision."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from claims import decisions, filing, services, workbench
from claims.api import decision_out, rules_of
from claims.model import DECISION_OUTCOMES, DENIAL_CODES
from insure import clock
from insure.errors import Conflict, ValidationFailed
from insure.policies import services as policies
from insure.policies.tables import Policy
from insure.tables_base import json_value
from insure.web.guards import role, signed_in
from insure.web.pages import Form, decision_form, form_again, page
from products import services as products


async def _claim_context(user: dict, number: str) -> dict[str, Any]:
    claim = await services.get_for(user, number)
    policy = await Policy.select().where(Policy.id == claim["policy"]).first()
    prod = products.quoted_product(policy)
    return {
        "claim": claim,
        "policy": policy,
        "coverage": next((c for c in prod.coverages if c.code == claim["coverage_code"]), None),
        "rules": rules_of(claim),
        "calculation": json_value(claim["calculation"]) or [],
        "payout": await services.payout_of(claim["id"]),  # None until the payment step has started it
        "events": await services.events(claim["id"], staff=user["role"] in ("adjuster", "admin")),
        **await _decision_context(user, claim),
        **await workbench.file_context(user, claim),  # the workbench: claim file, actions, the open question (H4)
    }


async def _decision_context(user: dict, claim: dict) -> dict[str, Any]:
    """The decision shown to everyone who may see the claim; for staff, the review figures and the form."""
    staff = user["role"] in ("adjuster", "admin")
    ctx: dict[str, Any] = {"decision": decision_out(claim), "staff": staff, "may_decide": False}
    if staff:
        ctx["may_decide"] = decisions.may_decide(user, claim)
        ctx["payable"] = await decisions.payable_of(claim)
        ctx["outcomes"] = DECISION_OUTCOMES if claim["status"] == "awaiting_approval" else DECISION_OUTCOMES[:2]
        ctx["denial_codes"] = DENIAL_CODES
    return ctx


async def _form_context(user: dict, number: str) -> dict[str, Any]:
    policy = await policies.get_for(user, number)
    return {"policy": policy, "product": products.quoted_product(policy)}


class ClaimPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/policies/{number:str}/claims/new")
    async def new_claim(self, request: Request, number: str) -> Template:
        ctx = await _form_context(request.scope["user"], number)  # type: ignore[arg-type]
        # a one-time token, the claim's idempotency key: a second submit of this form shows the first claim
        form = {"loss_date": clock.today().isoformat(), "request_token": secrets.token_urlsafe(16)}
        return page("claims/new.html", form=form, **ctx)

    @post("/policies/{number:str}/claims")
    async def file_claim(self, request: Request, number: str, data: Form) -> Template | Redirect:
        user = request.scope["user"]
        fields = {k: str(v) for k, v in data.items()}
        token = fields.get("request_token", "")
        try:
            claim = await filing.file_claim(user, number, fields, token)  # type: ignore[arg-type]
        except ValidationFailed as exc:
            return form_again("claims/new.html", fields, exc, **await _form_context(user, number))  # type: ignore[arg-type]
        except Conflict:  # the form was sent again, changed, after it filed a claim: that claim is the answer
            claim = await filing.claim_for_key(user, token)  # type: ignore[arg-type]
            if claim is None:
                raise
        return Redirect(f"/claims/{claim['number']}")

    @get("/claims/{number:str}")
    async def detail(self, request: Request, number: str) -> Template:
        return page("claims/detail.html", **await _claim_context(request.scope["user"], number))  # type: ignore[arg-type]

    @get("/claims/{number:str}/status")
    async def status_fragment(self, request: Request, number: str, seen: str = "") -> Template | Response:
        """htmx polls this every two seconds until the claim rests; a new status reloads the whole page."""
        ctx = await _claim_context(request.scope["user"], number)  # type: ignore[arg-type]
        if seen and seen != ctx["claim"]["status"]:
            return Response(b"", headers={"HX-Refresh": "true"})
        return page("claims/_status.html", **ctx)

    @post("/claims/{number:str}/decision", guards=[role("adjuster", "admin")])
    async def decide(self, request: Request, number: str, data: Form) -> Template | Redirect:
        user = request.scope["user"]
        return await decision_form(  # own policy or proposal, above authority, decided meanwhile: shown on the page
            "claims/detail.html",
            data,
            lambda fields: decisions.decide(user, number, fields),  # type: ignore[arg-type]
            lambda: _claim_context(user, number),  # type: ignore[arg-type]
            "/adjuster/claims",
        )
