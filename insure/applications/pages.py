"""Application pages (customer) and the underwriter's queue and decision pages."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from insure.applications import dividend_option, services
from insure.errors import DomainError, ValidationFailed
from insure.i18n import gettext
from insure.web.guards import role, signed_in
from insure.web.pages import Form, decision_form, form_again, page
from products import services as products
from products import underwriting

BENEFICIARY_ROWS = 3


def form_beneficiaries(form: dict[str, Any]) -> list[dict[str, Any]]:
    """The beneficiary rows of a form (b0_name, b0_relation, b0_share, …) that have a name."""
    return [
        {
            "name": form.get(f"b{i}_name", ""),
            "relation": form.get(f"b{i}_relation", ""),
            "share": form.get(f"b{i}_share", ""),
        }
        for i in range(BENEFICIARY_ROWS)
        if str(form.get(f"b{i}_name", "")).strip()
    ]


def application_fields(form: dict[str, Any], quote_id: str) -> dict[str, Any]:
    """The flat HTML form as the service's structure (the same one the API takes as JSON)."""
    answers = {k[len("answer_") :]: v for k, v in form.items() if k.startswith("answer_")}
    beneficiaries = form_beneficiaries(form)
    return {
        "quote_id": quote_id,
        "relation": form.get("relation", "self"),
        "insured": {"name": form.get("insured_name", ""), "id_number": form.get("insured_id_number", "")},
        "height_cm": form.get("height_cm", ""),
        "weight_kg": form.get("weight_kg", ""),
        "answers": answers,
        "beneficiaries": beneficiaries,
        "legal_heirs": form.get("legal_heirs") in ("on", "true"),
        "address": form.get("address", ""),
        "bank_account": form.get("bank_account", ""),
        "consent": form.get("consent") in ("on", "true"),
        "insured_consent": form.get("insured_consent") in ("on", "true"),
        "renewal_of": form.get("renewal_of", ""),
        "dividend_option": form.get("dividend_option", ""),
    }


async def _form_context(quote_id: str) -> dict[str, Any]:
    quote = await products.get_quote(quote_id)
    product = products.quoted_product(quote)
    return {
        "quote": quote,
        "product": product,
        "questions": underwriting.rules_for(product).questions,
        "rows": range(BENEFICIARY_ROWS),
        # participating cash-dividend products: (code, label, one plain sentence) per option offered
        "dividend_options": [(code, *dividend_option.OPTION_TEXT[code]) for code in dividend_option.offered(product)],
    }


class ApplicationPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/quotes/{quote_id:str}/apply")
    async def form(self, quote_id: str, renewal_of: str = "") -> Template:
        """The application form; ``renewal_of`` marks it as the renewal of that policy (checked on submit)."""
        start = {"relation": "self", "legal_heirs": "on", "renewal_of": renewal_of}
        ctx = await _form_context(quote_id)
        if ctx["dividend_options"]:
            start["dividend_option"] = ctx["product"].participation.default_option
        return page("applications/form.html", form=start, **ctx)

    @post("/quotes/{quote_id:str}/apply")
    async def apply(self, request: Request, quote_id: str, data: Form) -> Template | Redirect:
        fields = {k: str(v) for k, v in data.items()}
        try:
            app = await services.submit(request.scope["user"], application_fields(fields, quote_id))  # type: ignore[arg-type]
        except ValidationFailed as exc:
            return form_again("applications/form.html", fields, exc, **await _form_context(quote_id))
        except DomainError as exc:
            ctx = await _form_context(quote_id)
            return page(
                "applications/form.html",
                status_code=exc.status,
                form=fields,
                problem=gettext(exc.message, **exc.params),
                **ctx,
            )
        return Redirect(f"/applications/{app['number']}")

    @get("/applications/{number:str}")
    async def detail(self, request: Request, number: str) -> Template:
        app = await services.get_for(request.scope["user"], number)  # type: ignore[arg-type]
        return page("applications/detail.html", app=app, product=products.product(app["product_code"]))

    @post("/applications/{number:str}/accept")
    async def accept(self, request: Request, number: str) -> Redirect:
        app = await services.accept_terms(request.scope["user"], number)  # type: ignore[arg-type]
        return Redirect(f"/policies/{app['policy_number']}/pay")

    @get("/underwriting", guards=[role("underwriter", "admin")])
    async def queue(self, request: Request) -> Template:
        user = request.scope["user"]
        from insure.policies import reinstatement

        return page(
            "underwriting/queue.html",
            applications=await services.referred_queue(),
            reinstatements=await reinstatement.referred_queue(),
            authority_fen=user["authority_fen"],  # type: ignore[index]
        )

    @get("/underwriting/{number:str}", guards=[role("underwriter", "admin")])
    async def review(self, request: Request, number: str) -> Template:
        return page("underwriting/detail.html", **await self._review_context(request, number))

    @post("/underwriting/{number:str}", guards=[role("underwriter", "admin")])
    async def decide(self, request: Request, number: str, data: Form) -> Template | Redirect:
        return await decision_form(  # e.g. above authority, or the insured's cover now at a limit
            "underwriting/detail.html",
            data,
            lambda fields: services.decide(request.scope["user"], number, fields),  # type: ignore[arg-type]
            lambda: self._review_context(request, number),
            "/underwriting",
        )

    async def _review_context(self, request: Request, number: str) -> dict[str, Any]:
        app = await services.get_for(request.scope["user"], number)  # type: ignore[arg-type]
        product = products.quoted_product(await products.get_quote(app["quote_id"]))
        questions = {q.code: q for q in underwriting.rules_for(product).questions}
        return {
            "app": app,
            "product": product,
            "questions": questions,
            "others": await services.other_policies(app),
            "events": await services.events(app["id"]),
        }
