"""What the customer's account page shows (`/policies/{number}/account`): the figures of ``values.account_values``,
the history, the notices, and the actual dividends year by year against the sale illustration (chart + table).

``compare_years``, ``actuals`` and ``history_rows`` are pure; ``account_context`` loads. The account is what
``account_service.account_for`` returns (the API reads the same), and no figure is computed a second way here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from insure.accounts import account_service, notices
from insure.accounts.account_service import OPTION_CHANGE
from insure.accounts.model import Bucket, DividendStyle
from insure.errors import N_, Conflict, NotFound
from insure.i18n import gettext
from insure.money import from_fen
from insure.policies.billing import policy_anniversary
from insure.web import charts
from products import services as products
from products.illustration import Year

# policy years shown beyond the ones completed, so the customer sees where the illustration was heading
YEARS_AHEAD = 5
MIN_YEARS_SHOWN = 10


@dataclass(frozen=True)
class YearRow:
    """One policy year: what the account got, against the illustration's low / medium / high scenarios."""

    year: int
    actual: Decimal | None  # the dividend (or bonus) credited for this year; None for years not reached
    accumulated: Decimal | None  # the accumulated dividends on the year's anniversary
    illustrated: dict[str, Decimal]  # scenario -> illustrated dividend
    illustrated_accumulated: dict[str, Decimal]  # scenario -> illustrated accumulated dividends


def compare_years(
    illustrated: tuple[Year, ...],
    actual: dict[int, Decimal],
    accumulated: dict[int, Decimal],
    completed: int,
) -> list[YearRow]:
    """The years to show: every completed one and a few ahead (at least ``MIN_YEARS_SHOWN``), within the
    illustration; actual figures only for years completed."""
    horizon = max(completed + YEARS_AHEAD, MIN_YEARS_SHOWN)
    by_year = {y.year: y for y in illustrated}
    last = min(horizon, max(by_year, default=completed)) if by_year else completed
    rows = []
    for t in range(1, max(last, completed) + 1):
        y = by_year.get(t)
        reached = t <= completed
        rows.append(
            YearRow(
                year=t,
                actual=actual.get(t, Decimal("0.00")) if reached else None,
                accumulated=accumulated.get(t, Decimal("0.00")) if reached else None,
                illustrated=dict(y.dividends) if y else {},
                illustrated_accumulated=dict(y.accumulated) if y else {},
            )
        )
    return rows


def chart_uri(rows: list[YearRow], width: int = 720, height: int = 360, *, bonus: bool = False) -> str:
    """The account over the policy years against the illustration (labels in the current language); a phone
    gets a narrower drawing (``width`` 400) so its labels stay readable when scaled to the screen. A
    reversionary-bonus policy shows the bonus added to its cover each year (it holds no cash dividends)."""
    if bonus:
        series: dict[str, list[Decimal | None]] = {gettext("Reversionary bonus added"): [r.actual for r in rows]}
        return charts.line_chart(
            gettext("Reversionary bonuses added to your cover (CNY)"),
            [str(r.year) for r in rows],
            series,
            width=width,
            height=height,
        )
    series = {
        gettext("Dividend credited"): [r.actual for r in rows],
        gettext("Accumulated dividends"): [r.accumulated for r in rows],
    }
    for scenario, label in (
        ("low", N_("Illustrated dividend, low")),
        ("medium", N_("Illustrated dividend, medium")),
        ("high", N_("Illustrated dividend, high")),
    ):
        if any(scenario in r.illustrated for r in rows):
            series[gettext(label)] = [r.illustrated.get(scenario) for r in rows]
    if any("medium" in r.illustrated_accumulated for r in rows):
        series[gettext("Illustrated accumulated, medium")] = [r.illustrated_accumulated.get("medium") for r in rows]
    return charts.line_chart(
        gettext("Your dividends against the illustration (CNY)"),
        [str(r.year) for r in rows],
        series,
        width=width,
        height=height,
    )


def history_rows(history: list[dict]) -> list[dict]:
    """The account service's merged history (entries and option changes, oldest first) in the page's words."""
    return [
        {
            "on": h["on"],
            "kind": h["kind"],
            "what": notices.ENTRY_NAMES.get(h["kind"], h["kind"]),
            "bucket": notices.BUCKET_NAMES.get(h["bucket"], h["bucket"]) if h["bucket"] else "",
            "amount": None if h["kind"] == OPTION_CHANGE else h["amount"],
            "option_from": h.get("before", ""),
            "option_to": h.get("after", ""),
        }
        for h in history
    ]


def actuals(
    allocations: list[dict], history: list[dict], effective: date, completed: int
) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """(dividend, or bonus added, credited per policy year; accumulated balance once year t's dividend is in).

    The balance of year t is read on the eve of anniversary t + 1: a declaration is often posted after the
    anniversary it is for, so year t's dividend reaches the account some time after anniversary t; the sale
    illustration's "accumulated" of year t likewise includes year t's dividend."""
    actual = {
        a["policy_year"]: a["bonus_sum_insured"] if a["bonus_sum_insured"] else a["dividend"]
        for a in allocations
        if a["status"] in notices.NOTICE_STATUSES
    }
    points = account_service.balances_over_time(history)  # the account after each day it moved
    accumulated = {}
    for t in range(1, completed + 1):
        eve = policy_anniversary(effective, t + 1) - timedelta(days=1)
        last = [p for p in points if p["on"] <= eve]
        accumulated[t] = from_fen(last[-1][Bucket.ACCUMULATED] if last else 0)
    return actual, accumulated


async def _illustration(policy: dict) -> tuple[Year, ...]:
    """The sale illustration's years (the quote the policy was sold on); () if it has none."""
    try:
        quote = await products.get_quote(policy["quote_id"])
        return products.illustration_for(quote)[1].years
    except NotFound:
        return ()


async def account_context(user: dict, number: str) -> dict[str, Any]:
    """Everything the account page shows, from the account service (404 for another's policy, 409
    ``not_participating`` for a policy with no account)."""
    account = await account_service.account_for(user, number)
    policy, values = account["policy"], account["values"]
    if policy["effective_date"] is None:
        raise Conflict(N_("This policy has no participating account yet."), code="not_participating")
    actual, accumulated = actuals(account["allocations"], account["history"], policy["effective_date"], values.years)
    rows = compare_years(await _illustration(policy), actual, accumulated, values.years)
    bonus = account["style"] == DividendStyle.REVERSIONARY_BONUS
    return {
        "policy": policy,
        "product": account["product"],
        "values": values,
        "option": account["option"],
        "options": account["options"],
        "bonus_style": bonus,
        "history": history_rows(account["history"]),
        "rows": rows,
        "chart": chart_uri(rows, bonus=bonus) if rows else "",
        "chart_phone": chart_uri(rows, width=400, height=420, bonus=bonus) if rows else "",
        "notices": await notices.notices_for_policy(policy),
        "idempotency_key": secrets.token_urlsafe(16),
        "option_names": notices.OPTION_NAMES,
        "statement": notices.STATEMENT,
        "done": "",
    }
