"""The policyholder's pages of a participating policy: the account (figures, chart against the illustration,
history, withdraw and option forms) and the annual dividend notices (page and PDF).

Thin: the figures come from ``account_page`` and ``notices``; a withdrawal and an option change call the same
services as the API (insure.accounts.withdrawals / options). Customers only; another's policy answers 404.
"""

from __future__ import annotations

from decimal import Decimal

from litestar import Controller, Request, get, post
from litestar.response import File, Redirect, Template

from insure.accounts import account_page, notice_delivery, notices, options, withdrawals
from insure.errors import N_, Conflict, FieldError, ValidationFailed
from insure.i18n import gettext
from insure.text_input import TextRefused, clean, parse_decimal
from insure.web.guards import role
from insure.web.pages import Form, form_again, form_errors, page
from products import services as products

TEMPLATE = "accounts/account.html"
MAX_AMOUNT = Decimal("100000000")


def _withdraw_amount(form: dict[str, str]) -> tuple[Decimal, str]:
    """The amount and the idempotency key of the withdraw form; 422 at the field when unusable."""
    amount = parse_decimal(form.get("amount"), ge=Decimal("0.01"), le=MAX_AMOUNT, places=2)
    if amount is None:
        raise ValidationFailed.one(
            "amount", "amount_invalid", N_("Enter an amount in CNY of at least 0.01, with at most two decimals.")
        )
    try:
        key = clean(form.get("idempotency_key"), "public_id")
    except TextRefused:
        key = ""
    if not key:
        raise ValidationFailed.one("amount", "idempotency_key_missing", N_("Reload the page and try again."))
    return amount, key


async def _again(user: dict, number: str, form: dict[str, str], exc: Conflict | ValidationFailed) -> Template:
    """The account page again with the message at the field of the form it came from; nothing was changed."""
    ctx = await account_page.account_context(user, number)
    field = form["form"]
    if isinstance(exc, ValidationFailed):
        errors = ValidationFailed([FieldError(field, e.code, e.message, e.params) for e in exc.errors])
        return form_again(TEMPLATE, form, errors, **ctx)
    refused = ValidationFailed.one(field, exc.code, exc.message, **exc.params)
    return page(TEMPLATE, status_code=exc.status, form=form, errors=form_errors(refused), **ctx)


class AccountPages(Controller):
    path = "/policies"
    include_in_schema = False
    guards = [role("customer")]

    @get("/{number:str}/account")
    async def account(self, request: Request, number: str) -> Template:
        ctx = await account_page.account_context(request.scope["user"], number)  # type: ignore[arg-type]
        done = request.query_params.get("done", "")
        ctx["done"] = done if done in ("withdrawn", "option") else ""
        return page(TEMPLATE, **ctx)

    @post("/{number:str}/account/withdraw")
    async def withdraw(self, request: Request, number: str, data: Form) -> Template | Redirect:
        user = request.scope["user"]
        form = {k: str(v) for k, v in data.items()} | {"form": "amount"}
        try:
            amount, key = _withdraw_amount(form)
            await withdrawals.withdraw(user, number, amount, key)  # type: ignore[arg-type]
        except (ValidationFailed, Conflict) as exc:
            return await _again(user, number, form, exc)  # type: ignore[arg-type]
        return Redirect(f"/policies/{number}/account?done=withdrawn")

    @post("/{number:str}/account/option")
    async def change_option(self, request: Request, number: str, data: Form) -> Template | Redirect:
        user = request.scope["user"]
        form = {k: str(v) for k, v in data.items()} | {"form": "option"}
        try:
            try:
                option = clean(form.get("option"), "code")
            except TextRefused:
                option = ""
            if not option:
                raise ValidationFailed.one("option", "option_not_offered", N_("Choose one of the options offered."))
            await options.change_option(user, number, option)  # type: ignore[arg-type]
        except (ValidationFailed, Conflict) as exc:
            return await _again(user, number, form, exc)  # type: ignore[arg-type]
        return Redirect(f"/policies/{number}/account?done=option")

    @get("/{number:str}/dividend-notices/{name:str}")
    async def notice(self, request: Request, number: str, name: str) -> Template | File:
        """The notice of one declaration (its number), or its PDF (the number + ``.pdf``)."""
        user = request.scope["user"]
        wants_pdf = name.endswith(".pdf")
        declaration = name.removesuffix(".pdf")
        policy, notice, allocation_id = await notices.notice_for(user, number, declaration)  # type: ignore[arg-type]
        status = await notice_delivery.pdf_status(allocation_id)  # asks for the PDF the first time
        if wants_pdf and status == "ready":
            path = await notice_delivery.pdf_path(allocation_id)
            return File(path=path, filename=f"{number}-dividend-notice-{declaration}.pdf", media_type="application/pdf")
        return page(
            "accounts/notice.html",
            status_code=202 if wants_pdf else 200,
            policy=policy,
            notice=notice,
            pdf_status=status,
            statement=gettext(notices.STATEMENT),
            **notices.words(),
            product=products.quoted_product(policy),
        )
