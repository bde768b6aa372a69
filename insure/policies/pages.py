"""Customer pages for policies: buy from a quote, pay, watch it come into force, download the schedule."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import File, Redirect, Template

from claims import services as claims
from insure import clock
from insure.errors import Conflict, DomainError, ValidationFailed
from insure.i18n import gettext
from insure.payments import payouts
from insure.payments import services as payments
from insure.policies import endorsements, paying, premiums, reinstatement, renewals, schedule, services
from insure.policies.model import PolicyStatus
from insure.web.guards import signed_in
from insure.web.pages import Form, form_again, page
from products import services as products


async def _policy_context(user: dict, number: str) -> dict[str, Any]:
    policy = await services.get_for(user, number)
    pays = await payments.for_policy(policy["id"])
    document = await schedule.schedule_for(policy)
    # What the page shows; when it changes, the polling fragment asks htmx to reload the whole page, so the
    # dates, payments, history and the claim button appear together with the new status.
    seen = f"{policy['status']}.{pays[0]['status'] if pays else '-'}.{document['status'] if document else '-'}"
    next_due = await premiums.next_unpaid(policy["id"])
    return {
        "policy": policy,
        "next_due": next_due,
        "payable_now": policy["status"] == PolicyStatus.PENDING_PAYMENT
        or (
            policy["status"] == PolicyStatus.IN_FORCE
            and next_due is not None
            and next_due["due_date"] <= clock.today() + timedelta(days=premiums.NOTICE_DAYS)
        ),
        "free_look_until": services.free_look_until(policy),
        "today": clock.today(),
        "product": products.quoted_product(policy),
        "payments": pays,
        "document": document,
        "seen": seen,
    }


async def _reinstate_context(user: dict, number: str) -> dict[str, Any]:
    ctx = await _policy_context(user, number)
    premiums.check_reinstatable(ctx["policy"])
    ctx["arrears"] = await premiums.arrears(ctx["policy"])
    ctx["declaration"] = await reinstatement.current(ctx["policy"])
    ctx["declared"] = reinstatement.payable(ctx["declaration"])  # accepted: pay without declaring again
    ctx["questions"] = reinstatement.questions(ctx["policy"])
    ctx["idempotency_key"] = secrets.token_urlsafe(16)
    return ctx


async def _detail_context(user: dict, number: str) -> dict[str, Any]:
    """Everything the policy page shows: terms, what is due, the premium schedule, money in and out, history."""
    ctx = await _policy_context(user, number)
    policy = ctx["policy"]
    ctx["claims"] = await claims.list_for_claimant(user, policy["id"])
    ctx["events"] = await services.events(policy["id"])
    ctx["endorsements"] = await endorsements.history(policy["id"])
    ctx["instalments"] = await premiums.schedule_of(policy["id"])
    ctx["payouts"] = await payouts.payouts_for(policy["id"])
    ctx["refunds"] = await payments.refunds_for(policy["id"])
    ctx["can_surrender"] = (
        ctx["product"].pricing.method == "life_equivalence"
        and policy["status"] == PolicyStatus.IN_FORCE
        and not services.in_free_look(policy)
    )
    ctx["reinstate_problem"] = ""
    if policy["status"] == PolicyStatus.LAPSED:
        try:
            premiums.check_reinstatable(policy)
        except Conflict as exc:
            ctx["reinstate_problem"] = gettext(exc.message, **exc.params)
    ctx["renewal"] = None
    if policy["status"] == PolicyStatus.IN_FORCE and policy["renewal_quote_id"]:
        try:
            quote = await renewals.offer_for(policy)
            starts = policy["expiry_date"] + timedelta(days=1)
            ctx["renewal"] = {"quote": quote, "product": products.quoted_product(quote), "starts": starts}
        except Conflict:
            pass  # taken up, or the offer ran out (the billing run makes a new one while the policy runs)
    return ctx


async def policy_page_with_problem(user: dict, number: str, exc: DomainError) -> Template:
    """The policy page again, with why the action was refused (409 and the like)."""
    ctx = await _detail_context(user, number)
    return page("policies/detail.html", status_code=exc.status, problem=gettext(exc.message, **exc.params), **ctx)


class PolicyPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/policies")
    async def list_policies(self, request: Request) -> Template:
        rows = await services.list_for(request.scope["user"])  # type: ignore[arg-type]
        names = {code: products.product(code) for code in {p["product_code"] for p in rows}}
        return page("policies/list.html", policies=rows, products=names)

    @get("/policies/{number:str}")
    async def detail(self, request: Request, number: str) -> Template:
        return page("policies/detail.html", **await _detail_context(request.scope["user"], number))  # type: ignore[arg-type]

    @get("/policies/{number:str}/status")
    async def status_fragment(self, request: Request, number: str, seen: str = "") -> Template | Response:
        """htmx polls this until the policy is in force and its schedule is ready."""
        ctx = await _policy_context(request.scope["user"], number)  # type: ignore[arg-type]
        if seen and seen != ctx["seen"]:
            return Response(b"", headers={"HX-Refresh": "true"})
        return page("policies/_status.html", **ctx)

    @get("/policies/{number:str}/pay")
    async def pay_form(self, request: Request, number: str) -> Template | Redirect:
        ctx = await _policy_context(request.scope["user"], number)  # type: ignore[arg-type]
        if not ctx["payable_now"]:
            return Redirect(f"/policies/{number}")
        return page("policies/pay.html", idempotency_key=secrets.token_urlsafe(16), **ctx)

    @post("/policies/{number:str}/pay")
    async def pay(self, request: Request, number: str, data: Form) -> Template | Redirect:
        user = request.scope["user"]
        fields = {k: str(v) for k, v in data.items()}
        try:
            await paying.start(
                user,  # type: ignore[arg-type]
                number,
                fields.get("card_number", ""),
                fields.get("expiry", ""),
                fields.get("cvc", ""),
                fields.get("idempotency_key", ""),
            )
        except ValidationFailed as exc:
            ctx = await _policy_context(user, number)  # type: ignore[arg-type]
            return form_again("policies/pay.html", fields, exc, idempotency_key=secrets.token_urlsafe(16), **ctx)
        except Conflict:
            pass  # already paid or being paid: the policy page shows which
        return Redirect(f"/policies/{number}")

    @post("/policies/{number:str}/cancel")
    async def cancel(self, request: Request, number: str) -> Redirect | Template:
        """Free-look cancellation from the policy page (the form asks the customer to confirm)."""
        try:
            await services.cancel_in_free_look(request.scope["user"], number)  # type: ignore[arg-type]
        except Conflict as exc:
            return await policy_page_with_problem(request.scope["user"], number, exc)  # type: ignore[arg-type]
        return Redirect(f"/policies/{number}")

    @get("/policies/{number:str}/reinstate")
    async def reinstate_form(self, request: Request, number: str) -> Template:
        user = request.scope["user"]
        try:
            return page("policies/reinstate.html", **await _reinstate_context(user, number))  # type: ignore[arg-type]
        except Conflict as exc:  # not lapsed (any more), or past the two years: the policy page says why
            return await policy_page_with_problem(user, number, exc)  # type: ignore[arg-type]

    @post("/policies/{number:str}/reinstate")
    async def reinstate(self, request: Request, number: str, data: Form) -> Template | Redirect:
        """Declare and pay in one form; a "yes" goes to an underwriter and the page then says so."""
        user = request.scope["user"]
        fields = {k: str(v) for k, v in data.items()}
        answers = {k[len("answer_") :]: v for k, v in fields.items() if k.startswith("answer_")}
        try:
            ctx = await _reinstate_context(user, number)  # type: ignore[arg-type]
            declaration, _ = await reinstatement.reinstate(
                user,  # type: ignore[arg-type]
                number,
                None if ctx["declared"] else answers,
                fields,
                fields.get("idempotency_key", ""),
            )
        except (ValidationFailed, Conflict) as exc:
            try:
                ctx = await _reinstate_context(user, number)  # type: ignore[arg-type]
            except Conflict as gone:  # e.g. the first of two clicks already reinstated it
                return await policy_page_with_problem(user, number, gone)  # type: ignore[arg-type]
            if isinstance(exc, ValidationFailed):
                return form_again("policies/reinstate.html", fields, exc, **ctx)
            safe = {k: v for k, v in fields.items() if k not in ("card_number", "cvc")}
            return page(
                "policies/reinstate.html", status_code=409, form=safe, problem=gettext(exc.message, **exc.params), **ctx
            )
        if declaration["status"] == reinstatement.REFERRED:
            return Redirect(f"/policies/{number}/reinstate")
        return Redirect(f"/policies/{number}")

    @get("/policies/{number:str}/schedule.pdf")
    async def download_schedule(self, request: Request, number: str) -> File:
        policy = await services.get_for(request.scope["user"], number)  # type: ignore[arg-type]
        path = await schedule.ready_path(policy)
        return File(path=path, filename=f"{number}-policy-schedule.pdf", media_type="application/pdf")
