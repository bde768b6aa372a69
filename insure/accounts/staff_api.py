"""The annual dividend declaration over the API, for actuaries and admins (docs/dividends.md): prepare, follow
the run, preview, approve (a second person), post, withdraw, reverse, and the declaration's history."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from insure.accounts import declarations
from insure.accounts.declaration_inputs import parse_declaration
from insure.accounts.preview import Preview
from insure.money import from_fen
from insure.openapi import BEARER_SECURITY, problems
from insure.text_input import Amount, Code, Reason, RequestBody
from insure.web.guards import role

AMOUNTS = (
    "smoothing_transfer",
    "interest_gain",
    "mortality_gain",
    "expense_gain",
    "distributable",
    "policyholder_entitlement",
    "bonus_cost",
    "payout",
    "raw_total",
)


class DeclarationRequest(RequestBody, kw_only=True):
    """The year's experience of one insurer's participating fund. Rates and ratios are fractions as decimal text
    ("0.045" is 4.5 %), at most 12 characters: ``investment_yield`` −0.5 to 0.5; ``mortality_ratio`` above 0 up
    to 5 and ``expense_ratio`` 0 to 5 (actual ÷ priced); ``policyholder_share`` 0.70 to 1 (default 0.70; less is
    refused with ``share_below_minimum``); ``smoothing_transfer`` CNY, + into the reserve, − released (default
    0); ``accumulation_rate`` 0 to 0.2 (default 0.025); ``bonus_rate`` 0 to 0.2 and ``terminal_bonus_rate`` 0 to 3
    (bonus products, default 0)."""

    insurer_code: Code
    year: int | Amount
    investment_yield: Amount
    mortality_ratio: Amount
    expense_ratio: Amount
    policyholder_share: Amount = ""
    smoothing_transfer: Amount = ""
    accumulation_rate: Amount = ""
    bonus_rate: Amount = ""
    terminal_bonus_rate: Amount = ""


class ReasonRequest(RequestBody, kw_only=True):
    reason: Reason


class ProgressOut(msgspec.Struct):
    phase: str
    done: int
    total: int
    per_second: float
    seconds_left: int | None
    status: str


class DeclarationOut(msgspec.Struct):
    number: str
    insurer_code: str
    year: int
    status: str
    investment_yield: str
    mortality_ratio: str
    expense_ratio: str
    policyholder_share: str
    accumulation_rate: str
    bonus_rate: str
    terminal_bonus_rate: str
    eligible_policies: int
    amounts: dict[str, str]  # CNY: the smoothing transfer, the surplus by source, entitlement, payout …
    prepared_at: str
    approved_at: str | None
    posted_at: str | None
    reversed_at: str | None
    reason: str
    progress: ProgressOut | None = None
    preview: dict[str, Any] | None = None  # once computed: insure.accounts.preview.Preview (amounts in CNY)


class EventOut(msgspec.Struct):
    from_status: str
    to_status: str
    actor: str
    reason: str
    at: str


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def declaration_out(row: dict, progress: dict | None = None, preview: Preview | None = None) -> DeclarationOut:
    fen = {name: row.get(f"{name}_fen", 0) for name in AMOUNTS}
    return DeclarationOut(
        number=row["number"],
        insurer_code=row["insurer_code"],
        year=row["year"],
        status=row["status"],
        investment_yield=row["investment_yield"],
        mortality_ratio=row["mortality_ratio"],
        expense_ratio=row["expense_ratio"],
        policyholder_share=row["policyholder_share"],
        accumulation_rate=row["accumulation_rate"],
        bonus_rate=row["bonus_rate"],
        terminal_bonus_rate=row["terminal_bonus_rate"],
        eligible_policies=row["eligible_policies"],
        amounts={name: str(from_fen(int(value or 0))) for name, value in fen.items()},
        prepared_at=row["prepared_at"].isoformat(),
        approved_at=_iso(row["approved_at"]),
        posted_at=_iso(row["posted_at"]),
        reversed_at=_iso(row["reversed_at"]),
        reason=row["reason"],
        progress=ProgressOut(**progress) if progress else None,
        preview=_jsonable(asdict(preview)) if preview else None,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)  # Decimal amounts and rates as exact text


class DeclarationsController(Controller):
    path = "/api/v1/admin/dividends"
    tags = ["dividends"]
    guards = [role("actuary", "admin")]
    security = BEARER_SECURITY

    @get(
        "/",
        summary="Dividend declarations",
        description="Every declaration of every insurer's participating fund, newest first. Actuaries and admins.",
    )
    async def list_all(self) -> list[DeclarationOut]:
        return [declaration_out(r) for r in await declarations.list_declarations()]

    @post(
        "/",
        responses=problems(409),
        status_code=HTTP_202_ACCEPTED,
        summary="Prepare a dividend declaration",
        description="Checks the inputs (422 with every field's problem: `not_a_number`, `out_of_range`, "
        "`share_below_minimum`, `unknown_insurer`, `year_invalid`, `too_long`; a smoothing release larger than the "
        "reserve: `smoothing_release_too_large`), then 409 `year_already_declared` when the insurer's year is "
        "held by another declaration and 409 `no_eligible_policies` when no policy has an anniversary in the year "
        "completing a policy year. Nothing is stored when refused. Otherwise answers 202 with the declaration "
        "(`computing`) and its `Location`; the workers compute every policy's dividend in chunks (follow "
        "`progress` on `GET`), then it is `prepared` with its preview.",
    )
    async def prepare(self, request: Request, data: DeclarationRequest) -> Response[DeclarationOut]:
        inputs = parse_declaration(msgspec.structs.asdict(data))
        row = await declarations.prepare(request.scope["user"], inputs)  # type: ignore[arg-type]
        body = declaration_out(row, await declarations.progress(row["number"]))
        return Response(body, status_code=HTTP_202_ACCEPTED, headers={"Location": f"{self.path}/{row['number']}"})

    @get(
        "/{number:str}",
        summary="One dividend declaration",
        description="The inputs, the figures, the run's `progress` (phase, done, total, rate, seconds left) and, "
        "once computed, the `preview`: surplus by source, entitlement, bonus cost, smoothing reserve before and "
        "after, payout, totals by product, the distribution in bands, the 10 largest and smallest dividends, the "
        "fund's results, and `problem` when it cannot be approved as computed. 404 `declaration_not_found`.",
    )
    async def get_one(self, number: str) -> DeclarationOut:
        row = await declarations.get(number)
        shown = await declarations.preview(number) if row["status"] != "computing" else None
        return declaration_out(row, await declarations.progress(number), shown)

    @post(
        "/{number:str}/approve",
        responses=problems(409),
        status_code=HTTP_200_OK,
        summary="Approve a prepared declaration",
        description="By a second person: 409 `preparer_cannot_approve` for the one who prepared it; 409 "
        "`illegal_transition` unless it is `prepared`; 409 `bonus_exceeds_share` (or `payout_negative`) when the "
        "computed figures cannot be declared.",
    )
    async def approve(self, request: Request, number: str) -> DeclarationOut:
        return declaration_out(await declarations.approve(request.scope["user"], number))  # type: ignore[arg-type]

    @post(
        "/{number:str}/post",
        responses=problems(409),
        status_code=HTTP_202_ACCEPTED,
        summary="Post an approved declaration",
        description="The workers mark every allocation declared in chunks, then book the payout, the smoothing "
        "transfer and the bonus cost and make it `posted` (follow `progress`). Asking again while it posts "
        "changes nothing; once posted: 409 `already_posted`, nothing is booked twice. 409 `illegal_transition` "
        "unless `approved`.",
    )
    async def post_it(self, request: Request, number: str) -> DeclarationOut:
        row = await declarations.post(request.scope["user"], number)  # type: ignore[arg-type]
        return declaration_out(row, await declarations.progress(number))

    @post(
        "/{number:str}/withdraw",
        responses=problems(409),
        status_code=HTTP_200_OK,
        summary="Withdraw a declaration not yet posted",
        description="While computing, prepared or approved (not while posting): nothing was booked; the year can "
        "be declared again. `reason` is recorded. 409 `illegal_transition` otherwise.",
    )
    async def withdraw(self, request: Request, number: str, data: ReasonRequest) -> DeclarationOut:
        return declaration_out(await declarations.withdraw(request.scope["user"], number, data.reason))  # type: ignore[arg-type]

    @post(
        "/{number:str}/reverse",
        responses=problems(409),
        status_code=HTTP_202_ACCEPTED,
        summary="Reverse a posted declaration",
        description="The workers reverse it in chunks: every allocation `reversed`, reversing account entries for "
        "dividends already credited, reversing journal entries; then `reversed` and the year may be declared "
        "again. Nothing is deleted. 409 `illegal_transition` unless `posted`.",
    )
    async def reverse(self, request: Request, number: str, data: ReasonRequest) -> DeclarationOut:
        row = await declarations.reverse(request.scope["user"], number, data.reason)  # type: ignore[arg-type]
        return declaration_out(row, await declarations.progress(number))

    @get(
        "/{number:str}/events",
        summary="A declaration's history",
        description="Every change of status, oldest first: who, when, from and to, and why.",
    )
    async def events(self, number: str) -> list[EventOut]:
        return [
            EventOut(e["from_status"], e["to_status"], e["actor"], e["reason"], e["at"].isoformat())
            for e in await declarations.history(number)
        ]


__all__ = ["DeclarationsController"]
