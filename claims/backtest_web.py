"""The backtest for administrators: GET/POST /api/v1/admin/claims/backtest and the page /staff/claims/backtest.

Both run the current rule set, a file of claims/rulesets or a pasted (or uploaded) candidate over the historic
claims and answer which decisions would change. Nothing is changed by a backtest.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK

from claims.backtest import Report, candidate_from, run
from claims.ruleset import Ruleset, RulesetError, available, current
from insure.errors import N_, FieldError, ValidationFailed
from insure.i18n import gettext
from insure.openapi import BEARER_SECURITY, problems
from insure.text_input import SAFE_PATTERN, SAFE_PATTERN_MULTILINE, RequestBody
from insure.web.guards import role
from insure.web.pages import page

MAX_RULES = 64 * 1024  # a rule set is a few kilobytes
RulesText = Annotated[str, msgspec.Meta(max_length=MAX_RULES, pattern=SAFE_PATTERN_MULTILINE)]
# a file of claims/rulesets ("" for none); the OpenAPI document lists them, the service checks again (422)
RULESET_NAMES = ("", *available())
RulesetName = Annotated[
    str, msgspec.Meta(max_length=60, pattern=SAFE_PATTERN, extra_json_schema={"extra": {"enum": list(RULESET_NAMES)}})
]


class BacktestRequest(RequestBody, kw_only=True):
    """A candidate rule set: ``rules`` (TOML text, as in claims/rulesets; docs/claims-rules.md) or ``ruleset``
    (the name of a file in claims/rulesets). Neither: the rule set in force against itself."""

    rules: RulesText = ""
    ruleset: RulesetName = ""


class SideOut(msgspec.Struct):
    version: str
    straight_through: int
    straight_through_rate_percent: str
    referred: int
    automatic_payout: str


class BacktestRowOut(msgspec.Struct):
    number: str
    kind: str
    product_code: str
    recorded_status: str
    current_outcome: str
    candidate_outcome: str
    current_score: int
    candidate_score: int
    current_payable: str
    candidate_payable: str
    payout_difference: str
    changed: bool
    candidate_reasons: list[str]


class BacktestOut(msgspec.Struct):
    """``current``: the rule set in force; ``candidate``: the one tried. ``rows``: the claims whose automated
    decision (outcome or amount) would change (every claim with ``all=true``)."""

    claims: int
    current: SideOut
    candidate: SideOut
    changed: int
    payout_difference: str
    rows: list[BacktestRowOut]


def _out(report: Report, every_claim: bool) -> BacktestOut:
    return msgspec.convert(report.as_dict(every_claim=every_claim), BacktestOut)


def _candidate(field: str, **source: Any) -> Ruleset:
    try:
        return candidate_from(**source)
    except RulesetError as exc:
        raise ValidationFailed(
            [
                FieldError(
                    field, "ruleset_invalid", N_("The rule set cannot be used: %(problem)s"), {"problem": str(exc)}
                )
            ]
        ) from exc


DESCRIPTION = (
    "Runs the rule set in force and a candidate over every claim the automation has assessed, from the facts as "
    "recorded, and answers the straight-through count and rate, the referrals and the automatic payout under each, "
    "and claim by claim the decisions that would change. Changes nothing. A candidate that cannot be used: 422 "
    "`ruleset_invalid` naming the file's field at fault in the message."
)


class BacktestController(Controller):
    path = "/api/v1/admin/claims/backtest"
    tags = ["admin"]
    guards = [role("admin")]
    security = BEARER_SECURITY

    @get(
        "/",
        responses=problems(422),
        summary="Backtest a rule set of claims/rulesets",
        description=DESCRIPTION + " `ruleset`: a file of claims/rulesets (none: the rule set in force).",
    )
    async def backtest_file(
        self,
        ruleset: Annotated[
            str, Parameter(query="ruleset", max_length=60, required=False, schema_extra={"enum": list(RULESET_NAMES)})
        ] = "",
        every_claim: Annotated[bool, Parameter(query="all", required=False)] = False,
    ) -> BacktestOut:
        return _out(await run(_candidate("ruleset", name=ruleset)), every_claim)

    @post(
        "/",
        status_code=HTTP_200_OK,
        responses=problems(413),
        summary="Backtest a candidate rule set",
        description=DESCRIPTION + " Body: `rules` (the TOML text) or `ruleset` (a file of claims/rulesets).",
    )
    async def backtest_candidate(
        self, data: BacktestRequest, every_claim: Annotated[bool, Parameter(query="all", required=False)] = False
    ) -> BacktestOut:
        field = "rules" if data.rules.strip() else "ruleset"
        return _out(await run(_candidate(field, text=data.rules, name=data.ruleset)), every_claim)


Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


async def _page(report: Report | None = None, status_code: int = 200, **context: Any) -> Template:
    return page(
        "staff/claims_backtest.html",
        status_code=status_code,
        report=report,
        files=available(),
        in_force=current().version,
        **context,
    )


class BacktestPages(Controller):
    include_in_schema = False
    guards = [role("admin")]

    @get("/staff/claims/backtest")
    async def backtest_page(self, ruleset: str = "", every_claim: bool = False) -> Template:
        """The form; with ``?ruleset=<file>`` also the report for that file."""
        if not ruleset:
            return await _page(form={})
        try:
            candidate = candidate_from(name=ruleset)
        except RulesetError as exc:
            return await _page(status_code=422, problem=str(exc), form={"ruleset": ruleset})
        return await _page(await run(candidate), form={"ruleset": ruleset}, every_claim=every_claim)

    @post("/staff/claims/backtest", status_code=HTTP_200_OK)
    async def backtest_post(self, data: Multipart) -> Template:
        """A pasted or uploaded candidate (or a file chosen from the list)."""
        upload = data.get("upload")
        text = str(data.get("rules") or "")
        if isinstance(upload, UploadFile) and upload.filename:
            raw = await upload.read()
            if len(raw) > MAX_RULES:
                return await _page(
                    status_code=422,
                    problem=gettext(N_("The file is larger than %(max)s bytes."), max=MAX_RULES),
                    form={},
                )
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                return await _page(status_code=422, problem=gettext(N_("The file is not UTF-8 text.")), form={})
        name = str(data.get("ruleset") or "")
        form = {"rules": text, "ruleset": name}
        try:
            candidate = candidate_from(text=text, name=name)
        except RulesetError as exc:
            return await _page(status_code=422, problem=str(exc), form=form)
        return await _page(await run(candidate), form=form, every_claim=bool(data.get("all")))
