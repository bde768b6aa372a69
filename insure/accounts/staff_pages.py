"""The actuary's pages for the annual dividend declaration (红利宣告), /staff/dividends: the list, the form that
prepares one, and one declaration's page — its progress while the workers compute, then the preview and the
buttons to approve, post, withdraw or reverse. Every rule is the engine's (``declarations``); these handlers parse,
call one service and show its answer, or its refusal, on the same page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from insure import clock
from insure.accounts import declaration_inputs, declarations, staff_view
from insure.auth.tables import User
from insure.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed
from insure.i18n import get_locale, gettext
from insure.web.guards import role
from insure.web.pages import Form, form_again, form_errors, page

ACTIONS = ("approve", "post", "withdraw", "reverse")
NEEDS_CONFIRMATION = {"post", "reverse"}  # a box to tick: these book (or unbook) money for a whole fund
NEEDS_REASON = {"withdraw", "reverse"}


async def _names(ids: set[int]) -> dict[int, str]:
    """Staff names for the preparer and approver columns (one query for the whole list)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    rows = await User.select(User.id, User.name).where(User.id.is_in(list(ids)))
    return {row["id"]: row["name"] for row in rows}


def _person(names: dict[int, str], user_id: Any) -> str:
    if isinstance(user_id, dict):  # a service that already joined the user
        return str(user_id.get("name", ""))
    return names.get(user_id, "") if user_id else ""


async def _form_context(form: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "insurers": await declarations.insurers_with_funds(),
        "fields": staff_view.form_fields(declaration_inputs.FIELDS),
        "form": form if form is not None else staff_view.form_defaults(clock.today().year),
    }


async def _declaration_context(user: dict, number: str) -> dict[str, Any]:
    declaration = await declarations.get(number)
    names = await _names({declaration.get("prepared_by"), declaration.get("approved_by")} - {None})  # type: ignore[arg-type]
    progress = await declarations.progress(number)
    running = declaration["status"] == "computing" or str(progress.get("phase") or "") in ("posting", "reversing")
    preview = None
    if declaration["status"] != "computing":
        try:
            preview = await declarations.preview(number)
        except (Conflict, NotFound):  # withdrawn while computing: nothing to preview
            preview = None
    problem = preview.problem_message if preview is not None else ""  # why it cannot be approved, if anything
    insurers = await declarations.insurers_with_funds()
    return {
        "d": declaration,
        "insurer_name": staff_view.insurer_name(insurers, declaration["insurer_code"], get_locale()),
        "status_label": staff_view.status_label(declaration["status"]),
        "prepared_by": _person(names, declaration.get("prepared_by")),
        "approved_by": _person(names, declaration.get("approved_by")),
        "running": running,
        "progress": staff_view.progress_view(progress),
        "preview": preview,
        "preview_problem": gettext(problem) if problem else "",
        "chart": staff_view.distribution_chart(preview.bands) if preview is not None and preview.bands else "",
        "actions": staff_view.actions(declaration, user, gettext(problem) if problem else ""),
        "history": await declarations.history(number),
        "percent": staff_view.percent,
        "fund_rows": staff_view.fund_rows,
        "label_status": staff_view.status_label,
    }


class DeclarationPages(Controller):
    path = "/staff/dividends"
    include_in_schema = False
    guards = [role("actuary", "admin")]

    @get("/", summary="Dividend declarations", description="Every declaration, newest first, for actuaries.")
    async def list_page(self) -> Template:
        found = await declarations.list_declarations()
        names = await _names({d.get("prepared_by") for d in found} | {d.get("approved_by") for d in found} - {None})  # type: ignore[operator]
        insurers = await declarations.insurers_with_funds()
        rows = [
            {
                **d,
                "insurer_name": staff_view.insurer_name(insurers, d["insurer_code"], get_locale()),
                "status_label": staff_view.status_label(d["status"]),
                "preparer": _person(names, d.get("prepared_by")),
                "approver": _person(names, d.get("approved_by")),
            }
            for d in found
        ]
        return page("accounts/staff/list.html", declarations=rows)

    @get("/new", summary="New declaration form", description="The experience and rates of a year's declaration.")
    async def new_form(self) -> Template:
        return page("accounts/staff/new.html", **await _form_context())

    @post(
        "/new",
        summary="Prepare a declaration",
        description="Checks the inputs and starts the computation; bad input shows the form again, nothing stored.",
    )
    async def prepare(self, request: Request, data: Form) -> Template | Redirect:
        fields = {k: str(v).strip() for k, v in data.items() if k != "_csrf_token"}
        try:
            parsed = declaration_inputs.parse_declaration(fields)
            created = await declarations.prepare(request.scope["user"], parsed)  # type: ignore[arg-type]
        except ValidationFailed as exc:
            ctx = await _form_context(fields)
            ctx.pop("form")
            return form_again("accounts/staff/new.html", fields, exc, **ctx)
        except (Conflict, Forbidden) as exc:  # the year already declared, no eligible policies: above the form
            problem = gettext(exc.message, **exc.params)
            return page(
                "accounts/staff/new.html", status_code=exc.status, problem=problem, **await _form_context(fields)
            )
        return Redirect(f"/staff/dividends/{created['number']}")

    @get(
        "/{number:str}",
        summary="One declaration",
        description="Its progress while computing, then the preview, the buttons its status allows and its history.",
    )
    async def detail(self, request: Request, number: str) -> Template:
        ctx = await _declaration_context(request.scope["user"], number)  # type: ignore[arg-type]
        return page("accounts/staff/detail.html", **ctx)

    @get(
        "/{number:str}/progress",
        summary="Progress of a declaration's run",
        description="The progress bar alone, polled by the page every 2 s; once the run is over the page reloads.",
    )
    async def progress_fragment(self, request: Request, number: str) -> Template | Response:
        declaration = await declarations.get(number)
        progress = await declarations.progress(number)
        running = declaration["status"] == "computing" or str(progress.get("phase") or "") in ("posting", "reversing")
        if not running:
            # the preview and the buttons appear together: htmx reloads the whole page
            return Response(b"", headers={"HX-Refresh": "true"})
        return page("accounts/staff/_progress.html", d=declaration, progress=staff_view.progress_view(progress))

    @post(
        "/{number:str}/{action:str}",
        summary="Approve, post, withdraw or reverse",
        description="One button of the declaration page; a refusal shows the page again with the reason (409).",
    )
    async def act(self, request: Request, number: str, action: str, data: Form) -> Template | Redirect:
        if action not in ACTIONS:
            raise NotFound(N_("There is no such action."), code="unknown_action")
        user = request.scope["user"]
        fields = {k: str(v).strip() for k, v in data.items() if k != "_csrf_token"}
        try:
            await _check_form(action, fields)
            await _SERVICES[action](user, number, fields)  # type: ignore[arg-type]
        except ValidationFailed as exc:
            errors = {f"{action}-{k}": v for k, v in form_errors(exc).items()}
            form = {f"{action}-{k}": v for k, v in fields.items()}
            ctx = await _declaration_context(user, number)  # type: ignore[arg-type]
            return page("accounts/staff/detail.html", status_code=422, errors=errors, form=form, **ctx)
        except (Conflict, Forbidden) as exc:
            ctx = await _declaration_context(user, number)  # type: ignore[arg-type]
            problem = gettext(exc.message, **exc.params)
            return page("accounts/staff/detail.html", status_code=exc.status, problem=problem, **ctx)
        return Redirect(f"/staff/dividends/{number}")


async def _check_form(action: str, fields: dict[str, str]) -> None:
    """The page's own questions before a button reaches the engine: the box ticked, a reason given."""
    if action in NEEDS_CONFIRMATION and fields.get("confirm") not in ("on", "true", "yes"):
        raise ValidationFailed.one("confirm", "not_confirmed", N_("Tick the box to confirm."))
    if action in NEEDS_REASON and not fields.get("reason"):
        raise ValidationFailed.one("reason", "required", N_("Say why, in a few words."))


Service = Callable[[dict, str, dict[str, str]], Awaitable[object]]
_SERVICES: dict[str, Service] = {
    "approve": lambda user, number, _: declarations.approve(user, number),
    "post": lambda user, number, _: declarations.post(user, number),
    "withdraw": lambda user, number, f: declarations.withdraw(user, number, f["reason"]),
    "reverse": lambda user, number, f: declarations.reverse(user, number, f["reason"]),
}
