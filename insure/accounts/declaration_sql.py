"""The SQL the declaration run shares: which policies are eligible, and dialect differences (SQLite/PostgreSQL).

Eligibility (docs/dividends.md): a policy of one of the insurer's participating products, in force, whose
anniversary in the year Y completes policy year t = Y − (year of its effective date) ≥ 1, and for a policy with
a term, t ≤ n. Counting and chunking use the same condition, so the progress total is exact.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from datetime import date
from functools import cache

from insure.db import engine
from insure.policies.model import PolicyStatus
from products.catalog import Product

_PLACEHOLDER = re.compile(r"\{\}")


def postgres() -> bool:
    return engine().engine_type == "postgres"


def year_of(column: str) -> str:
    """The calendar year of a date column as an integer expression."""
    if postgres():
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"CAST(strftime('%Y', {column}) AS INTEGER)"


@cache
def _participating_versions(insurer_code: str) -> dict[tuple[str, str], Product]:
    from products.services import catalog

    found: dict[tuple[str, str], Product] = {}
    for code in list(catalog()._versions):  # every version: a fund keeps the policies sold on older ones
        for product in catalog().versions(code):
            if product.insurer_code == insurer_code and product.participation is not None:
                found[(product.code, product.version)] = product
    return found


def participating_products(insurer_code: str) -> dict[tuple[str, str], Product]:
    """(code, version) → product, for every participating product version of the insurer."""
    return _participating_versions(insurer_code)


def eligible_where(
    insurer_code: str, year: int, versions: list[tuple[str, str]] | None = None
) -> tuple[str, list[object]]:
    """The WHERE clause (with ``{}`` placeholders) and its values for the eligible policies: only product versions
    the catalog knows as participating (a policy of a version missing from the catalog could not be valued);
    ``versions`` narrows them further (the set-based path takes some, the Python path the others)."""
    chosen = sorted(participating_products(insurer_code)) if versions is None else sorted(versions)
    chosen = chosen or [("", "")]
    pairs = " OR ".join("(product_code = {} AND product_version = {})" for _ in chosen)
    start = year_of("effective_date")
    clause = (
        "insurer_code = {} AND status = {} AND effective_date IS NOT NULL AND effective_date < {} "
        f"AND ({pairs}) AND (policy_term_years IS NULL OR policy_term_years >= {{}} - {start})"
    )
    values = [value for pair in chosen for value in pair]
    return clause, [insurer_code, PolicyStatus.IN_FORCE.value, date(year, 1, 1), *values, year]


POLICY_COLUMNS = (
    "id, product_code, product_version, insured_birth_date, insured_sex, smoker, effective_date, "
    "policy_term_years, premium_term_years, sum_insured_fen, annual_premium_fen"
)


def numbered(sql: str) -> str:
    """``{}`` placeholders as PostgreSQL's ``$1, $2, …``."""
    numbers = itertools.count(1)
    return _PLACEHOLDER.sub(lambda _: f"${next(numbers)}", sql)


def _connection():
    current = engine().current_transaction.get()
    if current is None:
        raise RuntimeError("the declaration's bulk statements run inside insure.db.transaction()")
    return current.connection


async def execute_count(sql: str, args: Sequence[object]) -> int:
    """Run one statement (``{}`` placeholders) in the current transaction; the number of rows it changed (no
    RETURNING: a million ids need not travel back)."""
    connection = _connection()
    if postgres():
        status = await connection.execute(numbered(sql), *args)
        return int(status.rsplit(" ", 1)[-1]) if status and status.rsplit(" ", 1)[-1].isdigit() else 0
    cursor = await connection.execute(sql.replace("{}", "?"), tuple(args))
    return max(0, cursor.rowcount)


async def execute_rows(sql: str, rows: Sequence[Sequence[object]]) -> None:
    """One statement (``{}`` placeholders) for each of ``rows`` in the current transaction: the driver's
    executemany (one prepared statement, no SQL text per row)."""
    if not rows:
        return
    connection = _connection()
    if postgres():
        await connection.executemany(numbered(sql), rows)
    else:
        await connection.executemany(sql.replace("{}", "?"), [tuple(r) for r in rows])


async def fetch_rows(sql: str, args: Sequence[object]) -> list[dict]:
    """A PostgreSQL query with ``$n`` placeholders, in the current transaction, as dicts."""
    return [dict(r) for r in await _connection().fetch(sql, *args)]


async def execute_many_values(sql: str, args: Sequence[object]) -> None:
    """Run one statement carrying thousands of values (``{}`` placeholders) on the current transaction's
    connection. Piccolo's QueryString takes ~60 µs a row to compile a 2,000-row INSERT; the drivers take the SQL
    with their own placeholders at once. Only inside ``insure.db.transaction()``."""
    connection = _connection()
    if postgres():
        await connection.execute(numbered(sql), *args)
    else:
        await connection.execute(sql.replace("{}", "?"), tuple(args))
