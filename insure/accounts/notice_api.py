"""The annual dividend notices over the API: the list of a policy's notices and one notice's figures."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, get

from insure.accounts import notice_delivery, notices
from insure.openapi import BEARER_SECURITY, problems
from insure.web.guards import role


class NoticeSummary(msgspec.Struct):
    """One notice: the declaration it belongs to and the policy's dividend (amounts in CNY as strings)."""

    declaration_number: str
    year: int  # the declaration's year
    policy_year: int
    anniversary: str
    style: str  # cash | reversionary_bonus
    dividend: str
    bonus_sum: str
    option_applied: str  # cash | premium_offset | accumulate | paid_up_additions | "" (bonus style)
    url: str  # the page; its PDF is the same path + ".pdf"


class FundOut(msgspec.Struct):
    """The fund's year: experience, surplus by source and what was distributed (rates as fractions)."""

    insurer_code: str
    year: int
    eligible_policies: int
    investment_yield: str
    mortality_ratio: str
    expense_ratio: str
    interest_gain: str
    mortality_gain: str
    expense_gain: str
    distributable: str
    policyholder_share: str
    entitlement: str
    bonus_cost: str
    smoothing_transfer: str
    payout: str
    accumulation_rate: str
    bonus_rate: str
    terminal_bonus_rate: str
    results: dict[str, str]


class NoticeOut(msgspec.Struct):
    """A notice's figures: the policy's dividend, its three sources and the values used, the option applied, the
    account before and after the credit (by bucket), the fund, and the non-guaranteed statement."""

    policy_number: str
    declaration_number: str
    product_code: str
    product_version: str
    style: str
    policy_year: int
    anniversary: str
    status: str
    option_applied: str
    credited_at: str | None
    dividend: str
    contribution: str
    sources: dict[str, str]  # interest, mortality, expense
    bonus_sum: str
    settled: str
    basis: dict[str, str]  # reserve_start, reserve_end (per 1), q, q_actual, i, i_actual, premium, expenses, …
    fund: FundOut
    before: dict[str, str]  # accumulated, pua_sum_insured, bonus_sum_insured, dividends_credited, paid_out
    after: dict[str, str]
    statement: str
    url: str


def summary(notice: notices.Notice) -> NoticeSummary:
    return NoticeSummary(
        declaration_number=notice.declaration_number,
        year=notice.fund.year,
        policy_year=notice.policy_year,
        anniversary=notice.anniversary.isoformat(),
        style=notice.style,
        dividend=str(notice.dividend),
        bonus_sum=str(notice.bonus_sum),
        option_applied=notice.option_applied,
        url=notice_delivery.page_url(notice),
    )


def notice_out(notice: notices.Notice) -> NoticeOut:
    data = notice.as_json()
    return msgspec.convert({**data, "statement": notices.STATEMENT, "url": notice_delivery.page_url(notice)}, NoticeOut)


class NoticeController(Controller):
    path = "/api/v1/policies"
    tags = ["accounts"]
    guards = [role("customer")]
    security = BEARER_SECURITY

    @get(
        "/{number:str}/dividend-notices",
        responses=problems(404),
        summary="List the policy's annual dividend notices",
        description="One notice per declaration whose dividend reached the policy account (credited, or settled "
        "with an exit), oldest policy year first. For the policyholder only: another's policy answers 404 "
        "`policy_not_found`.",
    )
    async def list_notices(self, request: Request, number: str) -> list[NoticeSummary]:
        return [summary(n) for n in await notices.list_for(request.scope["user"], number)]  # type: ignore[arg-type]

    @get(
        "/{number:str}/dividend-notices/{declaration:str}",
        responses=problems(404),
        summary="One annual dividend notice (红利通知书): its figures",
        description="The fund's results and the share distributed, the policy's dividend with its three sources "
        "(interest, mortality, expense) and the values used, the option applied, the account before and after the "
        "credit, and the statement that dividends are not guaranteed. The page at `url` shows the same; its PDF "
        "(both languages) is `url` + `.pdf`. 404 `notice_not_found` when the policy has no notice of that "
        "declaration; another's policy answers 404 `policy_not_found`.",
    )
    async def get_notice(self, request: Request, number: str, declaration: str) -> NoticeOut:
        _, notice, _ = await notices.notice_for(request.scope["user"], number, declaration)  # type: ignore[arg-type]
        return notice_out(notice)
