"""The adjuster's workbench pages: the queue (/adjuster/claims), the team (/adjuster/team) and the action forms
of the claim page (request information, the claimant's answer, reserve, take/reassign, reopen, notes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from claims import actions, decisions, workbench
from claims.pages import _claim_context
from claims.workbench_api import queue_filter
from claims.workbench_rules import OPEN_STATUSES, SORTS
from insure.errors import N_, Conflict, Forbidden, ValidationFailed
from insure.i18n import gettext
from insure.web.guards import role, signed_in
from insure.web.pages import Form, form_errors, page

STAFF = role("adjuster", "admin")


async def _act(
    request: Request,
    number: str,
    form_name: str,
    data: dict[str, Any],
    act: Callable[[dict, str, dict], Awaitable[object]],
    done: str | None = None,
) -> Template | Redirect:
    """Run one action posted from the claim page: success goes back to the claim (or ``done``); invalid fields
    show the page again (422) with the messages beside that form's fields (``<form>-<field>``); a refusal shows
    its message above the workbench."""
    user = request.scope["user"]
    fields = {k: str(v) for k, v in data.items()}
    try:
        await act(user, number, fields)  # type: ignore[arg-type]
    except ValidationFailed as exc:
        errors = {f"{form_name}-{k}": v for k, v in form_errors(exc).items()}
        form = {f"{form_name}-{k}": v for k, v in fields.items()}
        ctx = await _claim_context(user, number)  # type: ignore[arg-type]
        return page("claims/detail.html", status_code=422, wb_errors=errors, wb_form=form, **ctx)
    except (Forbidden, Conflict) as exc:
        ctx = await _claim_context(user, number)  # type: ignore[arg-type]
        problem = gettext(exc.message, **exc.params)
        return page("claims/detail.html", status_code=exc.status, wb_problem=problem, **ctx)
    return Redirect(done or f"/claims/{number}")


class WorkbenchPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/adjuster/claims", guards=[STAFF])
    async def queue(self, request: Request) -> Template:
        user = request.scope["user"]
        params = {k: v for k, v in request.query_params.items() if v}
        errors: dict[str, list[str]] = {}
        try:
            flt = queue_filter(params)
        except ValidationFailed as exc:
            errors, flt = form_errors(exc), queue_filter({})
        found = await workbench.queue(user, flt)  # type: ignore[arg-type]
        return page(
            "claims/queue.html",
            status_code=422 if errors else 200,
            form=params,
            errors=errors,
            mine=found["mine"],
            team=found["team"],
            approvals=await decisions.awaiting_approval_for(user),  # type: ignore[arg-type]
            statuses=OPEN_STATUSES,
            sorts=SORTS,
            manager=await workbench.is_manager(user),  # type: ignore[arg-type]
        )

    @get("/adjuster/team", guards=[STAFF])
    async def team(self, request: Request) -> Template:
        user = request.scope["user"]
        if not await workbench.is_manager(user):  # type: ignore[arg-type]
            raise Forbidden(N_("Only a claims manager can see the team."), code="not_a_manager")
        return page(
            "claims/team.html",
            mine_to_confirm=[c["number"] for c in await decisions.awaiting_approval_for(user)],  # type: ignore[arg-type]
            **await workbench.team(user),  # type: ignore[arg-type]
        )

    @post("/adjuster/claims/{number:str}/take", guards=[STAFF])
    async def take(self, request: Request, number: str) -> Template | Redirect:
        me = {"adjuster_id": str(request.scope["user"]["id"])}  # type: ignore[index]
        return await _act(request, number, "assign", me, actions.reassign)

    @post("/claims/{number:str}/information-requests", guards=[STAFF])
    async def ask(self, request: Request, number: str, data: Form) -> Template | Redirect:
        return await _act(request, number, "ask", data, actions.request_information)

    @post("/claims/{number:str}/answer")
    async def answer(self, request: Request, number: str, data: Form) -> Template | Redirect:
        return await _act(request, number, "answer", data, actions.answer_information)

    @post("/claims/{number:str}/reserve", guards=[STAFF])
    async def reserve(self, request: Request, number: str, data: Form) -> Template | Redirect:
        return await _act(request, number, "reserve", data, actions.set_reserve)

    @post("/claims/{number:str}/assignment", guards=[STAFF])
    async def assignment(self, request: Request, number: str, data: Form) -> Template | Redirect:
        return await _act(request, number, "assign", data, actions.reassign, "/adjuster/claims")

    @post("/claims/{number:str}/reopen", guards=[STAFF])
    async def reopen(self, request: Request, number: str, data: Form) -> Template | Redirect:
        return await _act(request, number, "reopen", data, actions.reopen)

    @post("/claims/{number:str}/notes", guards=[STAFF])
    async def note(self, request: Request, number: str, data: Form) -> Template | Redirect:
        return await _act(request, number, "note", data, actions.add_note)
