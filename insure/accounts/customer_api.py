"""The policy account API for policyholders: the account of a participating policy, withdrawals of accumulated
dividends and changes of the dividend option. Thin: each route calls one service (insure.accounts.*)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from insure.accounts import account_service, options, withdrawals
from insure.accounts.model import DividendOption
from insure.idempotency import KEY_RE
from insure.openapi import BEARER_SECURITY, problems
from insure.text_input import RequestBody, one_of
from insure.web.guards import role

IdempotencyKey = Annotated[str, Parameter(header="Idempotency-Key", schema_extra={"pattern": KEY_RE.pattern})]


class ValuesOut(msgspec.Struct):
    """Amounts in CNY as decimal strings, on `on` (today)."""

    on: str
    completed_policy_years: int
    sum_insured: str
    reserve: str
    guaranteed_cash_value: str
    accumulated: str
    dividends_credited: str
    paid_out: str
    pua_sum_insured: str
    pua_cash_value: str
    bonus_sum_insured: str
    bonus_cash_value: str
    terminal_bonus: str
    death_benefit: str
    surrender_value: str


class HistoryLineOut(msgspec.Struct):
    kind: str  # an entry kind (dividend, interest, cash_paid, premium_offset, …) or option_change
    amount: str  # signed, CNY
    bucket: str  # accumulated, pua_sum_insured, … ("" for an option change)
    on: str
    memo: str
    before: str | None = None  # an option change: the option before and after
    after: str | None = None


class SourcesOut(msgspec.Struct):
    interest: str
    mortality: str
    expense: str


class AllocationOut(msgspec.Struct):
    year: int
    declaration: str
    policy_year: int
    anniversary: str
    dividend: str
    sources: SourcesOut
    bonus_sum_insured: str
    status: str
    option_applied: str


class AccountOut(msgspec.Struct):
    policy: str
    product_code: str
    style: str  # cash | reversionary_bonus
    option: str  # the option the next cash dividend is applied by ("" for bonus products)
    options: list[str]
    values: ValuesOut
    history: list[HistoryLineOut]
    allocations: list[AllocationOut]


# A positive amount of yuan with at most two decimals ("123.45"): every amount the schema admits is one the service
# takes (or refuses for the account's state, 409), so the document tells a client the whole rule.
WithdrawalAmount = Annotated[
    str, msgspec.Meta(max_length=14, pattern=r"^(?:[1-9][0-9]{0,10}(?:\.[0-9]{1,2})?|0\.(?:[1-9][0-9]?|0[1-9]))$")
]


class WithdrawalRequest(RequestBody):
    amount: WithdrawalAmount  # CNY, e.g. "123.45"


class PayoutOut(msgspec.Struct):
    status: str  # pending | on_hold (no bank account known) | succeeded | failed
    reference: str
    account_last4: str


class WithdrawalOut(msgspec.Struct):
    policy: str
    amount: str
    on: str
    accumulated: str  # what is left in the account
    payout: PayoutOut | None


class OptionRequest(RequestBody):
    option: one_of(DividendOption)  # type: ignore[valid-type]


class OptionChangeOut(msgspec.Struct):
    policy: str
    before: str
    after: str
    at: str


def _s(amount: Decimal) -> str:
    return str(amount)


def _iso(value: date | datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def account_out(account: dict) -> AccountOut:
    v = account["values"]
    return AccountOut(
        policy=account["policy"]["number"],
        product_code=account["policy"]["product_code"],
        style=account["style"],
        option=account["option"],
        options=account["options"],
        values=ValuesOut(
            on=v.on.isoformat(),
            completed_policy_years=v.years,
            **{
                name: _s(getattr(v, name))
                for name in (
                    "sum_insured",
                    "reserve",
                    "guaranteed_cash_value",
                    "accumulated",
                    "dividends_credited",
                    "paid_out",
                    "pua_sum_insured",
                    "pua_cash_value",
                    "bonus_sum_insured",
                    "bonus_cash_value",
                    "terminal_bonus",
                    "death_benefit",
                    "surrender_value",
                )
            },
        ),
        history=[
            HistoryLineOut(
                h["kind"], _s(h["amount"]), h["bucket"], _iso(h["on"]), h["memo"], h.get("before"), h.get("after")
            )
            for h in account["history"]
        ],
        allocations=[
            AllocationOut(
                a["year"],
                a["declaration"],
                a["policy_year"],
                _iso(a["anniversary"]),
                _s(a["dividend"]),
                SourcesOut(**{k: _s(x) for k, x in a["sources"].items()}),
                _s(a["bonus_sum_insured"]),
                a["status"],
                a["option_applied"],
            )
            for a in account["allocations"]
        ],
    )


def withdrawal_out(w: dict) -> WithdrawalOut:
    p = w["payout"]
    return WithdrawalOut(
        w["policy"],
        _s(w["amount"]),
        _iso(w["on"]),
        _s(w["accumulated"]),
        PayoutOut(p["status"], p["gateway_ref"], p["account_last4"]) if p else None,
    )


def option_change_out(number: str, row: dict) -> OptionChangeOut:
    return OptionChangeOut(
        number,
        (row["before"] or {}).get("dividend_option", ""),
        (row["after"] or {}).get("dividend_option", ""),
        _iso(row["at"]),
    )


class AccountController(Controller):
    path = "/api/v1/policies"
    tags = ["policy accounts"]
    guards = [role("customer")]
    security = BEARER_SECURITY

    @get(
        "/{number:str}/account",
        responses=problems(409),
        summary="The policy account of a participating policy",
        description="Today's guaranteed cash value and reserve, the dividends credited, the accumulated dividends "
        "with their interest, paid-up additions and reversionary bonuses (sum insured and cash value), the "
        "terminal bonus, the total death benefit and surrender value; the dividend option in force and those "
        "offered; the history of every credit, interest posting, payment, withdrawal and option change (oldest "
        "first); the dividend of each posted declaration with its three sources. 409 `not_participating` for a "
        "policy without an account, `not_in_force` before the first premium is paid; another customer's policy "
        "answers 404.",
    )
    async def account(self, request: Request, number: str) -> AccountOut:
        return account_out(await account_service.account_for(request.scope["user"], number))  # type: ignore[arg-type]

    @post(
        "/{number:str}/account/withdrawals",
        responses=problems(409),
        status_code=HTTP_201_CREATED,
        summary="Withdraw accumulated dividends",
        description="Pays the amount (CNY, at most two decimals) of the accumulated dividends to the policy's bank "
        "account through the gateway (asynchronously: the payout is `pending` until the gateway confirms, "
        "`on_hold` while no bank account is known). The `Idempotency-Key` header is required: a retry with the "
        "same key returns the first withdrawal and pays once; the same key with another request is rejected "
        "(`idempotency_key_reused`). 422 `amount_invalid`; 409 `insufficient_balance` (more than the accumulated "
        "dividends), `not_participating`, `policy_not_in_force`.",
    )
    async def withdraw(
        self, request: Request, number: str, data: WithdrawalRequest, idempotency_key: IdempotencyKey
    ) -> WithdrawalOut:
        user = request.scope["user"]
        return withdrawal_out(await withdrawals.withdraw(user, number, data.amount, idempotency_key))  # type: ignore[arg-type]

    @put(
        "/{number:str}/dividend-option",
        responses=problems(409),
        status_code=HTTP_200_OK,
        summary="Change how dividends are applied",
        description="An endorsement (kept in the policy's history with the option before and after) that takes "
        "effect from the next dividend credited: `cash` (paid to the bank account), `premium_offset` (pays the "
        "next premiums; any excess stays in the account), `accumulate` (left at the declared accumulation rate), "
        "`paid_up_additions` (buys paid-up cover). 422 `option_not_offered` for an option the product does not "
        "offer (reversionary bonus products offer none); 409 `unchanged`, `not_participating`, `policy_ended`.",
    )
    async def change_option(self, request: Request, number: str, data: OptionRequest) -> OptionChangeOut:
        row = await options.change_option(request.scope["user"], number, data.option)  # type: ignore[arg-type]
        return option_change_out(number, row)

    @get(
        "/{number:str}/dividend-option/history",
        summary="Every change of the dividend option",
        description="Oldest first, with the option before and after and when it was changed. Another customer's "
        "policy answers 404; 409 `not_participating`.",
        responses=problems(409),
    )
    async def option_history(self, request: Request, number: str) -> list[OptionChangeOut]:
        policy, _ = await account_service.participating_for(request.scope["user"], number)  # type: ignore[arg-type]
        return [option_change_out(number, row) for row in await options.option_history(policy["id"])]
