"""Claim pages: file a claim, watch it move, the adjuster's list of referred claims and their decision."""

from __future__ import annotations

import re
import secrets
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from claims import decisions, exclusions, explained, filing, services, workbench
from claims.api import decision_out, rules_of, with_exclusion
from claims.document_pages import documents_context
from claims.invoices import INVOICE_FIELDS, MAX_INVOICES
from claims.kinds import claimable, kind_of
from claims.limits import policy_cover_limit
from claims.model import DECISION_OUTCOMES, DENIAL_CODES
from insure import clock
from insure.errors import Conflict, ValidationFailed
from insure.policies import services as policies
from insure.policies.tables import Policy
from insure.tables_base import json_value
from insure.text_input import parse_int
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
        "documents": await documents_context(user, claim),  # the checklist and the upload form (issue 10, H2)
        "invoices": await filing.invoices_of(claim["id"]),  # an expense claim's invoices (claims/_intake.html)
        **await _decision_context(user, claim),
        # the date they will hear by, what is awaited, the letter, the timeline; staff: the deadlines (H5)
        **await explained.explain(claim, explained.coverage_of(policy, claim), staff=user["role"] != "customer"),
        **await workbench.file_context(user, claim),  # the workbench: claim file, actions, the open question (H4)
    }


async def _decision_context(user: dict, claim: dict) -> dict[str, Any]:
    """The decision shown to everyone who may see the claim; for staff, the review figures and the form."""
    staff = user["role"] in ("adjuster", "admin")
    decision = await with_exclusion(decision_out(claim), claim)
    ctx: dict[str, Any] = {"decision": decision, "staff": staff, "may_decide": False}
    if staff:
        ctx["may_decide"] = decisions.may_decide(user, claim)
        ctx["payable"] = await decisions.payable_of(claim)
        ctx["outcomes"] = DECISION_OUTCOMES if claim["status"] == "awaiting_approval" else DECISION_OUTCOMES[:2]
        ctx["denial_codes"] = DENIAL_CODES
        ctx["exclusions"] = await exclusions.exclusions_of(claim)  # a denial may cite one (its code and wording)
    return ctx


INVOICE_INPUT = re.compile(r"invoices\[([0-9]{1,2})\]\.(" + "|".join(INVOICE_FIELDS) + ")")


async def claim_context(policy: dict, coverage_code: str, rows: int = 1) -> dict[str, Any]:
    """The claim form of one benefit (its kind: the event's label, what it asks for, its limit with what a
    participating policy's account adds) or, with no benefit chosen yet, the list of benefits that can be
    claimed."""
    product = products.quoted_product(policy)
    offered = claimable(product.coverages)
    coverage = next((c for c in offered if c.code == coverage_code), None)
    if coverage is None and len(offered) == 1:
        coverage = offered[0]
    kind = kind_of(coverage) if coverage is not None else None
    limit = await policy_cover_limit(policy, coverage, clock.today()) if coverage is not None else None
    return {
        "policy": policy,
        "product": product,
        "offered": offered,
        "kinds": {c.code: kind_of(c) for c in offered},
        "coverage": coverage,
        "kind": kind,
        "limit": limit,
        "invoice_rows": range(max(1, min(rows, MAX_INVOICES))),
    }


async def _form_context(user: dict, number: str, coverage_code: str = "", rows: int = 1) -> dict[str, Any]:
    return await claim_context(await policies.get_for(user, number), coverage_code, rows)


def claim_fields(data: dict) -> tuple[dict[str, Any], dict[str, str]]:
    """The claim as the service reads it from the form (``invoices[i].<field>`` inputs become a list; rows left
    blank are dropped) and the form to show again, its invoice rows numbered from 0 in the same order."""
    fields = {k: str(v) for k, v in data.items() if not INVOICE_INPUT.fullmatch(k)}
    rows: dict[int, dict[str, str]] = {}
    for key, value in data.items():
        if match := INVOICE_INPUT.fullmatch(key):
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = str(value)
    filled = [rows[i] for i in sorted(rows) if any(v.strip() for v in rows[i].values())]
    form = dict(fields)
    for i, row in enumerate(filled):
        form.update({f"invoices[{i}].{k}": v for k, v in row.items()})
    claim: dict[str, Any] = {k: v for k, v in fields.items() if k != "amount"}
    if fields.get("amount", "").strip():
        claim["amount"] = fields["amount"]
    if rows:
        claim["invoices"] = filled
    return claim, form


def _edit_rows(form: dict[str, str], fields: dict[str, str], rows: int) -> tuple[dict[str, str], int] | None:
    """An invoice row added or removed with the form's buttons (no JavaScript needed): the form again, not filed."""
    if "add_invoice" in fields:
        return form, rows + 1
    remove = parse_int(fields.get("remove_invoice"), ge=0, le=MAX_INVOICES)
    if remove is None:
        return None
    kept: dict[str, str] = {k: v for k, v in form.items() if not INVOICE_INPUT.fullmatch(k)}
    for key, value in form.items():
        if (match := INVOICE_INPUT.fullmatch(key)) and int(match.group(1)) != remove:
            index = int(match.group(1))
            kept[f"invoices[{index - (index > remove)}].{match.group(2)}"] = value
    return kept, max(1, rows - 1)


class ClaimPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/policies/{number:str}/claims/new")
    async def new_claim(self, request: Request, number: str, coverage: str = "") -> Template:
        ctx = await _form_context(request.scope["user"], number, coverage[:40])  # type: ignore[arg-type]
        # a one-time token, the claim's idempotency key: a second submit of this form shows the first claim
        form = {"loss_date": clock.today().isoformat(), "request_token": secrets.token_urlsafe(16)}
        return page("claims/new.html", form=form, **ctx)

    @post("/policies/{number:str}/claims")
    async def file_claim(self, request: Request, number: str, data: Form) -> Template | Redirect:
        user = request.scope["user"]
        fields = {k: str(v) for k, v in data.items()}
        claim_data, form = claim_fields(data)
        token = fields.get("request_token", "")
        rows = sum(1 for k in form if k.endswith("].number"))
        if edited := _edit_rows(form, fields, rows):
            ctx = await _form_context(user, number, fields.get("coverage_code", ""), edited[1])  # type: ignore[arg-type]
            return page("claims/new.html", form=edited[0], **ctx)
        try:
            claim = await filing.file_claim(user, number, claim_data, token)  # type: ignore[arg-type]
        except ValidationFailed as exc:
            ctx = await _form_context(user, number, fields.get("coverage_code", ""), rows)  # type: ignore[arg-type]
            return form_again("claims/new.html", form, exc, **ctx)
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
