"""One policy's allocation of a declaration, as the run inserts it (phase 1 of ``declaration_run``): its
contribution by source from ``dividends.contribution``, the bonus for bonus-style products, the basis values
the notice shows, and its part of the fund's figures (``fund_results``); and the multi-row INSERT of a chunk."""

from __future__ import annotations

import functools
import json
from datetime import date
from decimal import Decimal
from typing import Any

from insure.accounts import dividends
from insure.accounts.declaration_sql import execute_rows, participating_products
from insure.accounts.model import DividendStyle
from insure.money import from_fen, quantize, to_fen
from insure.policies.billing import policy_anniversary


def experience(row: dict) -> dividends.Experience:
    return dividends.Experience(
        investment_yield=Decimal(row["investment_yield"]),
        mortality_ratio=Decimal(row["mortality_ratio"]),
        expense_ratio=Decimal(row["expense_ratio"]),
    )


@functools.lru_cache(maxsize=65536)
def short(value: str) -> str:
    """Basis values on the notice: 10 significant digits are plenty, and a million rows stay small."""
    number = Decimal(value)
    return str(number if number == 0 else +number.quantize(Decimal("1e-12")).normalize())


def allocation_row(row: dict, policy: dict, bonuses_fen: int, totals: dict[str, int]) -> tuple:
    """One policy's allocation as the INSERT's values (and its part of the fund's figures added to ``totals``)."""
    product = participating_products(row["insurer_code"])[(policy["product_code"], policy["product_version"])]
    terms = dividends.policy_terms(
        product,
        birth_date=_date(policy["insured_birth_date"]),
        sex=policy["insured_sex"] or "male",
        smoker=bool(policy["smoker"]),
        effective=_date(policy["effective_date"]),
        policy_term_years=policy["policy_term_years"],
        premium_term_years=policy["premium_term_years"],
    )
    effective = _date(policy["effective_date"])
    year = row["year"] - effective.year
    s_fen = int(policy["sum_insured_fen"])
    sum_insured = from_fen(s_fen)
    part = dividends.contribution(
        product, terms, year, sum_insured, from_fen(int(policy["annual_premium_fen"])), experience(row)
    )
    basis = {
        k: short(v) if k in {"reserve_start", "reserve_end", "q", "q_actual"} else v for k, v in part.basis.items()
    }
    style = product.participation.style if product.participation else DividendStyle.CASH
    bonus_sum = bonus_cost = 0
    if style == DividendStyle.REVERSIONARY_BONUS:
        bonus_sum = dividends.reversionary_bonus(Decimal(row["bonus_rate"]), s_fen, bonuses_fen)
        nsp = dividends.net_single_premium(product, terms, year)
        bonus_cost = dividends.value_of_cover(bonus_sum, nsp)
        basis["bonuses_before"] = str(from_fen(bonuses_fen))
        basis["nsp"] = short(str(nsp))
    premium, expenses = Decimal(basis["premium"]), Decimal(basis["expenses_actual"])
    totals["premiums_fen"] += to_fen(quantize(premium))
    totals["expenses_fen"] += to_fen(expenses)
    start = sum_insured * Decimal(part.basis["reserve_start"])
    totals["investment_income_fen"] += to_fen(
        quantize((start + premium - Decimal(basis["expenses"])) * Decimal(row["investment_yield"]))
    )
    totals["reserves_fen"] += to_fen(quantize(sum_insured * Decimal(part.basis["reserve_end"])))
    return (
        f"{row['id']}:{policy['id']}",
        row["id"],
        policy["id"],
        year,
        policy_anniversary(effective, year),
        str(style),
        part.interest_fen,
        part.mortality_fen,
        part.expense_fen,
        part.raw_fen,
        bonus_sum,
        bonus_cost,
        json.dumps(basis),
    )


def _date(value: Any) -> date:
    """A date column's value (SQLite hands raw queries ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


ALLOCATION_COLUMNS = (
    "alloc_key, declaration, policy, policy_year, anniversary, style, interest_fen, mortality_fen, expense_fen, "
    "raw_fen, bonus_sum_fen, bonus_cost_fen, basis, remainder, dividend_fen, status, option_applied, settled_fen"
)


async def insert_allocations(rows: list[tuple]) -> None:
    """The chunk's allocations, one prepared INSERT run for every row (the driver's executemany)."""
    one = "(" + ", ".join(["{}"] * 13) + ", 0, 0, 'computed', '', 0)"
    await execute_rows(
        f"INSERT INTO dividend_allocation ({ALLOCATION_COLUMNS}) VALUES {one} ON CONFLICT (alloc_key) DO NOTHING", rows
    )
