"""The adjuster's workbench over the API: the queue, the supervisor's view, and the actions on a claim (request
information and the claimant's answer, reserve, assignment, reopen, notes). Thin: parse, call one service."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from claims import actions, services, workbench
from claims.api import ClaimOut, claim_out
from claims.workbench_rules import SORTS, QueueFilter
from insure.errors import N_, FieldError, Forbidden, ValidationFailed
from insure.money import from_fen, to_fen
from insure.openapi import BEARER_SECURITY, problems
from insure.text_input import (
    _FORBIDDEN,
    LIMITS,
    Amount,
    FreeText,
    Reason,
    RequestBody,
    bounded_int,
    parse_decimal,
    parse_int,
)
from insure.web.guards import role, signed_in

STAFF = role("adjuster", "admin")


class QueueRow(msgspec.Struct):
    """One claim in a queue: ``days_left`` on the 30-day decision clock (negative: overdue), ``urgency``
    (``on_time``, ``at_risk`` at 80 % of the window, ``overdue``) and ``why`` it was referred."""

    number: str
    status: str
    policy_number: str
    product_code: str
    insurer_code: str
    kind: str
    amount: str
    reserve: str
    fraud_score: int
    reported_on: str
    decide_by: str
    days_left: int
    urgency: str
    why: list[str]
    assigned_to: int | None


class QueueOut(msgspec.Struct):
    mine: list[QueueRow]
    team: list[QueueRow]  # unassigned claims of the kinds this adjuster handles: take one with POST …/assignment


class WorkloadOut(msgspec.Struct):
    adjuster_id: bounded_int(1, 2**31 - 1)  # type: ignore[valid-type]
    name: str
    open_claims: int
    overdue: int
    oldest_claim: str | None
    reserved: str


class TeamOut(msgspec.Struct):
    workload: list[WorkloadOut]
    unassigned: list[QueueRow]
    overdue: list[QueueRow]
    at_risk: list[QueueRow]
    approvals: list[QueueRow]  # approvals proposed above an adjuster's authority, waiting for a second person


class QuestionRequest(RequestBody):
    question: Reason


# the claimant's answer: some text that is not only spaces (the service collapses whitespace), at most 255
NON_BLANK = f"^[^{_FORBIDDEN}\t\n\r]*[^{_FORBIDDEN}\\s][^{_FORBIDDEN}\t\n\r]*$"
Answer = Annotated[str, msgspec.Meta(min_length=1, max_length=LIMITS["reason"], pattern=NON_BLANK)]


class AnswerRequest(RequestBody):
    answer: Answer


class ReserveRequest(RequestBody, kw_only=True):
    amount: Amount
    reason: Reason = ""


class AssignmentRequest(RequestBody, kw_only=True):
    adjuster_id: bounded_int(1, 2**31 - 1)  # type: ignore[valid-type]
    reason: Reason = ""


class ReopenRequest(RequestBody):
    reason: Reason


class NoteRequest(RequestBody):
    body: FreeText


class NoteOut(msgspec.Struct):
    id: int
    author: int
    author_name: str
    body: str
    at: str


def row_out(r: dict) -> QueueRow:
    return QueueRow(
        number=r["number"],
        status=r["status"],
        policy_number=r["policy_number"],
        product_code=r["product_code"],
        insurer_code=r["insurer_code"],
        kind=r["kind"],
        amount=str(from_fen(r["amount_fen"])),
        reserve=str(from_fen(r["reserve_fen"])),
        fraud_score=r["fraud_score"],
        reported_on=r["reported_on"].isoformat(),
        decide_by=r["decide_by"].isoformat(),
        days_left=r["days_left"],
        urgency=r["urgency"],
        why=r["why"],
        assigned_to=r["assigned_to"],
    )


def queue_filter(params: dict[str, Any]) -> QueueFilter:
    """The queue's filters from query parameters or a form; 422 naming a wrong one."""
    errors: list[FieldError] = []

    def fen(key: str) -> int | None:
        raw = str(params.get(key) or "").strip()
        if not raw:
            return None
        value = parse_decimal(raw, ge=Decimal(0), le=Decimal(10) ** 12, places=2)
        if value is None:
            errors.append(FieldError(key, "amount_invalid", N_("Enter an amount in CNY, e.g. 1200.50.")))
            return None
        return to_fen(value)

    def whole(key: str, ge: int, le: int) -> int | None:
        raw = str(params.get(key) or "").strip()
        if not raw:
            return None
        value = parse_int(raw, ge=ge, le=le)
        if value is None:
            errors.append(FieldError(key, "number_invalid", N_("Enter a whole number.")))
        return value

    sort = str(params.get("sort") or "urgency")
    if sort not in SORTS:
        errors.append(FieldError("sort", "sort_invalid", N_("Sort by urgency, amount, score or newest.")))
    flt = QueueFilter(
        status=str(params.get("status") or "")[:40],
        kind=str(params.get("kind") or "")[:40],
        product=str(params.get("product") or "")[:40],
        insurer=str(params.get("insurer") or "")[:40],
        min_fen=fen("min_amount"),
        max_fen=fen("max_amount"),
        min_score=whole("min_score", 0, 10**6),
        due_within=whole("due_within", -(10**4), 10**4),
        sort=sort,
    )
    if errors:
        raise ValidationFailed(errors)
    return flt


Text40 = Annotated[str | None, Parameter(required=False, max_length=40)]
AmountParam = Annotated[str | None, Parameter(required=False, pattern=r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]


class WorkbenchController(Controller):
    path = "/api/v1"
    tags = ["claims workbench"]
    guards = [signed_in]
    security = BEARER_SECURITY

    @get(
        "/adjuster/claims",
        guards=[STAFF],
        responses=problems(403, 422),
        summary="The adjuster's queue",
        description="`mine`: open claims assigned to the caller; `team`: unassigned claims of the kinds the caller "
        "handles (ClaimsStaff skills). Filters: `status`, `kind` (benefit kind), `product`, `insurer`, "
        "`min_amount`/`max_amount` (CNY), `min_score` (fraud score at least), `due_within` (days left at most). "
        "`sort`: `urgency` (fewest days left first; the default), `amount`, `score`, `newest`. 422 naming a wrong "
        "filter.",
    )
    async def queue(
        self,
        request: Request,
        status: Text40 = None,
        kind: Text40 = None,
        product: Text40 = None,
        insurer: Text40 = None,
        min_amount: AmountParam = None,
        max_amount: AmountParam = None,
        min_score: Annotated[int | None, Parameter(required=False, ge=0, le=10**6)] = None,
        due_within: Annotated[int | None, Parameter(required=False, ge=-(10**4), le=10**4)] = None,
        sort: Annotated[str | None, Parameter(required=False, pattern=f"^({'|'.join(SORTS)})$")] = None,
    ) -> QueueOut:
        flt = queue_filter(dict(request.query_params))
        found = await workbench.queue(request.scope["user"], flt)  # type: ignore[arg-type]
        return QueueOut(mine=[row_out(r) for r in found["mine"]], team=[row_out(r) for r in found["team"]])

    @get(
        "/adjuster/team",
        guards=[STAFF],
        responses=problems(403),
        summary="The claims team, for its manager",
        description="Claims managers (ClaimsStaff.manager) and admins: workload per adjuster (open claims, overdue, "
        "the oldest, the amount reserved), the unassigned claims, and the claims overdue or at risk (80 % of the "
        "30-day decision window used), and every approval waiting for a second person. 403 `not_a_manager` for others.",
    )
    async def team(self, request: Request) -> TeamOut:
        user = request.scope["user"]
        if not await workbench.is_manager(user):  # type: ignore[arg-type]
            raise Forbidden(N_("Only a claims manager can see the team."), code="not_a_manager")
        found = await workbench.team(user)  # type: ignore[arg-type]
        return TeamOut(
            workload=[
                WorkloadOut(
                    w["id"],
                    w["name"],
                    w["open"],
                    w["overdue"],
                    w["oldest"]["number"] if w["oldest"] else None,
                    str(from_fen(w["reserved_fen"])),
                )
                for w in found["workload"]
            ],
            unassigned=[row_out(r) for r in found["unassigned"]],
            overdue=[row_out(r) for r in found["overdue"]],
            at_risk=[row_out(r) for r in found["at_risk"]],
            approvals=[row_out(r) for r in found["approvals"]],
        )

    @post(
        "/claims/{number:str}/information-requests",
        guards=[STAFF],
        status_code=HTTP_200_OK,
        responses=problems(403, 404, 409),
        summary="Ask the claimant for more information",
        description="A `referred` claim held by the caller (or any, for a claims manager or admin) moves to "
        "`info_requested`; the `question` (5 to 255 characters) is shown to the claimant, and the decision clock "
        "pauses until they answer. 403 `own_policy`; 409 for a claim in another status.",
    )
    async def request_information(self, request: Request, number: str, data: QuestionRequest) -> ClaimOut:
        user = request.scope["user"]
        claim = await actions.request_information(user, number, msgspec.to_builtins(data))  # type: ignore[arg-type]
        return await claim_out(claim, user)  # type: ignore[arg-type]

    @post(
        "/claims/{number:str}/information-requests/answer",
        status_code=HTTP_200_OK,
        responses=problems(404, 409),
        summary="The claimant answers a request for information",
        description="The claimant of an `info_requested` claim answers (2 to 255 characters; documents are uploaded "
        "to the claim as usual); the claim goes back to its adjuster (`referred`) and the days the question was "
        "open are added to `paused_days`. 404 for anyone else; 409 when no question is open.",
    )
    async def answer(self, request: Request, number: str, data: AnswerRequest) -> ClaimOut:
        user = request.scope["user"]
        claim = await actions.answer_information(user, number, msgspec.to_builtins(data))  # type: ignore[arg-type]
        return await claim_out(claim, user)  # type: ignore[arg-type]

    @put(
        "/claims/{number:str}/reserve",
        guards=[STAFF],
        responses=problems(403, 404, 409),
        summary="Set or change the case reserve",
        description="`amount` in CNY (0 or more, 2 decimals): the estimate held for the claim. Each change is one "
        "balanced ledger entry (liability:case_reserves against expense:change_in_case_reserves); the reserve is "
        "released when the claim is paid or denied. For an open or approved claim held by the caller.",
    )
    async def reserve(self, request: Request, number: str, data: ReserveRequest) -> ClaimOut:
        user = request.scope["user"]
        claim = await actions.set_reserve(user, number, msgspec.to_builtins(data))  # type: ignore[arg-type]
        return await claim_out(claim, user)  # type: ignore[arg-type]

    @post(
        "/claims/{number:str}/assignment",
        guards=[STAFF],
        status_code=HTTP_200_OK,
        responses=problems(403, 404, 409),
        summary="Take or reassign a claim",
        description="`adjuster_id`: an active adjuster. An adjuster takes an unassigned claim from the queue (their "
        "own id; no reason needed) or hands over one they hold; a claims manager or admin reassigns any open claim. "
        "A `reason` (5 to 255 characters) is kept in the history. 403 `not_a_manager` for someone else's claim; "
        "403 `own_policy` when the claim is on the target's own policy.",
    )
    async def assignment(self, request: Request, number: str, data: AssignmentRequest) -> ClaimOut:
        user = request.scope["user"]
        claim = await actions.reassign(user, number, msgspec.to_builtins(data))  # type: ignore[arg-type]
        return await claim_out(claim, user)  # type: ignore[arg-type]

    @post(
        "/claims/{number:str}/reopen",
        guards=[STAFF],
        status_code=HTTP_200_OK,
        responses=problems(403, 404, 409),
        summary="Reopen a denied claim",
        description="Within 180 days of the denial (claims.model.REOPEN_WINDOW_DAYS), with a `reason` (5 to 255 "
        "characters): `denied` -> `referred`, back to its adjuster. 409 `reopen_window_passed` after the window.",
    )
    async def reopen(self, request: Request, number: str, data: ReopenRequest) -> ClaimOut:
        user = request.scope["user"]
        claim = await actions.reopen(user, number, msgspec.to_builtins(data))  # type: ignore[arg-type]
        return await claim_out(claim, user)  # type: ignore[arg-type]

    @get(
        "/claims/{number:str}/notes",
        guards=[STAFF],
        responses=problems(403, 404),
        summary="The claim's internal notes",
        description="Staff only; never shown to the claimant.",
    )
    async def notes(self, request: Request, number: str) -> list[NoteOut]:
        claim = await services.get_for(request.scope["user"], number)  # type: ignore[arg-type]
        return [_note_out(n) for n in await workbench.notes(claim["id"])]

    @post(
        "/claims/{number:str}/notes",
        guards=[STAFF],
        status_code=HTTP_201_CREATED,
        responses=problems(403, 404),
        summary="Add an internal note",
        description="`body`: 2 to 2000 characters. Staff holding the claim (or taking it from the queue).",
    )
    async def add_note(self, request: Request, number: str, data: NoteRequest) -> NoteOut:
        note = await actions.add_note(request.scope["user"], number, msgspec.to_builtins(data))  # type: ignore[arg-type]
        return _note_out(note)


def _note_out(n: dict) -> NoteOut:
    return NoteOut(n["id"], n["author"], n["author_name"], n["body"], n["at"].isoformat())
