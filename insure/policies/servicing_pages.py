"""Policy servicing pages (保全) for the policyholder: change details (endorsements), surrender, renewal.

Thin: each page calls the same service as the API, and shows the form again with the message on bad input."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from insure import clock
from insure.applications.model import needs_insured_consent
from insure.applications.pages import BENEFICIARY_ROWS, form_beneficiaries
from insure.errors import N_, Conflict, DomainError, NotFound, ValidationFailed
from insure.i18n import gettext
from insure.money import from_fen
from insure.payments import payouts
from insure.policies import endorsements, renewals, services
from insure.policies.model import PolicyStatus
from insure.web.guards import signed_in
from insure.web.pages import Form, form_again, page
from products import services as products


async def _owned(user: dict, number: str) -> dict:
    policy = await services.get_for(user, number)
    if policy["customer"] != user["id"]:  # an admin may look, but only the policyholder changes a policy
        raise NotFound(N_("No such policy."), code="policy_not_found")
    return policy


async def _changes_context(user: dict, number: str) -> dict[str, Any]:
    policy = await _owned(user, number)
    return {
        "policy": policy,
        "product": products.quoted_product(policy),
        "history": await endorsements.history(policy["id"]),
        "rows": range(BENEFICIARY_ROWS),
        "needs_consent": needs_insured_consent(policy["relation"], policy["insured_birth_date"], clock.today()),
        "open": policy["status"] in endorsements.OPEN,
        "owed": await payouts.payouts_awaiting_account(policy["id"]),
    }


def endorsement_fields(form: dict[str, str]) -> dict[str, Any]:
    """The flat form as the service's structure (the same the API takes as JSON)."""
    return {
        "kind": form.get("kind", ""),
        "address": form.get("address", ""),
        "mobile": form.get("mobile", ""),
        "email": form.get("email", ""),
        "bank_account": form.get("bank_account", ""),
        "beneficiaries": form_beneficiaries(form),
        "legal_heirs": form.get("legal_heirs") in ("on", "true"),
        "insured_consent": form.get("insured_consent") in ("on", "true"),
    }


async def _surrender_context(user: dict, number: str) -> dict[str, Any]:
    policy = await _owned(user, number)
    ctx: dict[str, Any] = {"policy": policy, "product": products.quoted_product(policy), "value": None}
    if policy["status"] == PolicyStatus.IN_FORCE and services.in_free_look(policy):
        ctx["problem"] = gettext("You are in the free-look period: cancel instead, for a full refund.")
        return ctx
    try:
        quote = await services.surrender_quote(policy)
        ctx["value"] = from_fen(quote.total_fen)
        ctx["parts"] = [(label, from_fen(fen)) for _, label, fen in quote.parts()]  # the breakdown, by part
        ctx["years"] = services.completed_policy_years(policy)
    except Conflict as exc:
        ctx["problem"] = gettext(exc.message, **exc.params)
    return ctx


class ServicingPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/policies/{number:str}/changes")
    async def changes(self, request: Request, number: str) -> Template:
        return page("policies/changes.html", **await _changes_context(request.scope["user"], number))  # type: ignore[arg-type]

    @post("/policies/{number:str}/changes")
    async def change(self, request: Request, number: str, data: Form) -> Template | Redirect:
        user = request.scope["user"]
        fields = {k: str(v) for k, v in data.items()}
        try:
            await endorsements.endorse(user, number, endorsement_fields(fields))  # type: ignore[arg-type]
        except ValidationFailed as exc:
            fields.pop("bank_account", None)
            ctx = await _changes_context(user, number)  # type: ignore[arg-type]
            return form_again("policies/changes.html", fields, exc, active=fields.get("kind"), **ctx)
        except Conflict as exc:
            ctx = await _changes_context(user, number)  # type: ignore[arg-type]
            return page("policies/changes.html", status_code=409, problem=gettext(exc.message, **exc.params), **ctx)
        return Redirect(f"/policies/{number}/changes?saved={fields.get('kind', '')}")

    @get("/policies/{number:str}/surrender")
    async def surrender_form(self, request: Request, number: str) -> Template:
        return page("policies/surrender.html", **await _surrender_context(request.scope["user"], number))  # type: ignore[arg-type]

    @post("/policies/{number:str}/surrender")
    async def surrender(self, request: Request, number: str, data: Form) -> Template | Redirect:
        user = request.scope["user"]
        if data.get("confirm") not in ("on", "true"):
            exc = ValidationFailed.one("confirm", "confirm_missing", N_("Tick the box to confirm the surrender."))
            return form_again("policies/surrender.html", {}, exc, **await _surrender_context(user, number))  # type: ignore[arg-type]
        try:
            await services.surrender(user, number)  # type: ignore[arg-type]
        except Conflict as exc:
            ctx = await _surrender_context(user, number)  # type: ignore[arg-type]
            ctx["problem"] = gettext(exc.message, **exc.params)
            return page("policies/surrender.html", status_code=409, **ctx)
        return Redirect(f"/policies/{number}")

    @post("/policies/{number:str}/renew")
    async def renew(self, request: Request, number: str) -> Redirect | Template:
        """Guaranteed renewable: the renewal policy awaits payment at once. Otherwise: the application form for
        the renewal offer (health declaration), marked as the renewal of this policy."""
        user = request.scope["user"]
        policy = await _owned(user, number)  # type: ignore[arg-type]
        try:
            quote = await renewals.offer_for(policy)
            if not products.quoted_product(quote).guaranteed_renewable:
                return Redirect(f"/quotes/{quote['public_id']}/apply?renewal_of={number}")
            result = await renewals.renew(user, number, {})  # type: ignore[arg-type]
        except DomainError as exc:
            from insure.policies.pages import policy_page_with_problem

            return await policy_page_with_problem(user, number, exc)  # type: ignore[arg-type]
        return Redirect(f"/policies/{result['policy']['number']}/pay")
