"""What the customer's account page shows (`/policies/{number}/account`): the figures of ``values.account_values``,
the history, the notices, and the actual dividends year by year against the sale illustration (chart + table).

``compare_years`` is pure; ``account_context`` loads. The account is read from the same modules the API reads
(values, balances, the option-change endorsements), and the figures are never computed a second way here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from insure import clock
from insure.accounts import notices
from insure.accounts.model import Bucket, DividendStyle
from insure.accounts.tables import AccountEntry, DividendAllocation
from insure.accounts.values import account_values
from insure.errors import N_, Conflict, NotFound
from insure.i18n import gettext
from insure.money import from_fen
from insure.policies.billing import policy_anniversary
from insure.policies.tables import Endorsement
from insure.tables_base import json_value
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


def chart_uri(rows: list[YearRow]) -> str:
    """The account over the policy years against the illustration (labels in the current language)."""
    series: dict[str, list[Decimal | None]] = {
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
        gettext("Your dividends against the illustration (CNY)"), [str(r.year) for r in rows], series
    )


def history_rows(entries: list[dict], option_changes: list[dict]) -> list[dict]:
    """Every entry and option change, oldest first, as the page lists them."""
    rows = [
        {
            "on": e["on"],
            "kind": e["kind"],
            "what": notices.ENTRY_NAMES.get(e["kind"], e["kind"]),
            "bucket": notices.BUCKET_NAMES.get(e["bucket"], e["bucket"]),
            "amount": from_fen(e["amount_fen"]),
            "memo": e["memo"],
            "sort": (e["on"], 0, e["id"]),
        }
        for e in entries
    ]
    for c in option_changes:
        before = (json_value(c["before"]) or {}).get("dividend_option", "")
        after = (json_value(c["after"]) or {}).get("dividend_option", "")
        on = clock.local(c["at"]).date()
        rows.append(
            {
                "on": on,
                "kind": "option_change",
                "what": notices.ENTRY_NAMES["option_change"],
                "bucket": "",
                "amount": None,
                "memo": "",
                "option_from": before,
                "option_to": after,
                "sort": (on, 1, c["id"]),
            }
        )
    return sorted(rows, key=lambda r: r["sort"])


async def _actuals(policy: dict, completed: int) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """(dividend or bonus credited per policy year, accumulated balance on each completed anniversary)."""
    allocations = await DividendAllocation.select().where(
        (DividendAllocation.policy == policy["id"])
        & DividendAllocation.status.is_in([str(s) for s in notices.NOTICE_STATUSES])
    )
    actual = {
        a["policy_year"]: from_fen(
            a["bonus_sum_fen"] if a["style"] == DividendStyle.REVERSIONARY_BONUS else a["dividend_fen"]
        )
        for a in allocations
    }
    entries = await AccountEntry.select(AccountEntry.on, AccountEntry.amount_fen).where(
        (AccountEntry.policy == policy["id"]) & (AccountEntry.bucket == Bucket.ACCUMULATED)
    )
    accumulated = {}
    for t in range(1, completed + 1):
        day: date = policy_anniversary(policy["effective_date"], t)
        accumulated[t] = from_fen(sum(e["amount_fen"] for e in entries if e["on"] <= day))
    return actual, accumulated


async def _illustration(policy: dict) -> tuple[Year, ...]:
    """The sale illustration's years (the quote the policy was sold on); () if it has none."""
    try:
        quote = await products.get_quote(policy["quote_id"])
        return products.illustration_for(quote)[1].years
    except NotFound:
        return ()


async def account_context(user: dict, number: str) -> dict[str, Any]:
    """Everything the account page shows; 404 for another's policy, 409 ``not_participating`` for a policy with
    no account."""
    policy = await notices.owned_policy(user, number)
    product = products.quoted_product(policy)
    if product.participation is None or policy["effective_date"] is None:
        raise Conflict(N_("This policy has no participating account."), code="not_participating")
    values = await account_values(policy, clock.today())
    entries = await AccountEntry.select().where(AccountEntry.policy == policy["id"]).order_by(AccountEntry.id)
    changes = await Endorsement.select().where(
        (Endorsement.policy == policy["id"]) & (Endorsement.kind == "dividend_option")
    )
    actual, accumulated = await _actuals(policy, values.years)
    rows = compare_years(await _illustration(policy), actual, accumulated, values.years)
    return {
        "policy": policy,
        "product": product,
        "values": values,
        "participation": product.participation,
        "option": policy["dividend_option"],
        "options": list(product.participation.options),
        "bonus_style": product.participation.style == DividendStyle.REVERSIONARY_BONUS,
        "history": history_rows(entries, changes),
        "rows": rows,
        "chart": chart_uri(rows) if rows else "",
        "notices": await notices.notices_for_policy(policy),
        "idempotency_key": secrets.token_urlsafe(16),
        "option_names": notices.OPTION_NAMES,
        "statement": notices.STATEMENT,
    }
