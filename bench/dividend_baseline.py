"""The hand-written SQL baseline of the dividend benchmark: the same per-policy dividends as the declaration engine,
computed and posted set-based.

1. ONE ``SELECT DISTINCT`` of the eligible policies' pricing keys (product, entry age, sex, smoker, terms, policy
   year t); for each key Python computes the unit values with the same actuarial functions as the engine
   (``insure.accounts.dividends``: reserve per 1 at the start and end of the year, q, q′ = ratio × q) into a
   temporary table — a few thousand rows.
2. ONE ``INSERT … SELECT`` computing every policy's three sources in NUMERIC (PostgreSQL; REAL on SQLite),
   each rounded half-up to the fen, the raw dividend, the fund's totals and payout, the scaled floor, the
   remainder, and the leftover fen to the largest remainders (a window function, ties to the smaller policy id),
   into ``bench_allocation`` (the shape of ``dividend_allocation``, its indexes, a basis JSON per row).
3. ONE ``UPDATE`` posting them (computed → declared).

On SQLite the arithmetic is binary floating point: a source whose exact value is a half fen could round the
other way, so the half-up is nudged by 1e-7 fen (the float error here is ~1e-8 fen). The benchmark compares every
row with the engine's, which is what makes this baseline honest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from insure.accounts import dividends
from products import services as product_services

VERSION = date(2026, 1, 1)


@dataclass(frozen=True)
class Inputs:
    declaration_id: int
    insurer_code: str
    year: int
    investment_yield: Decimal
    mortality_ratio: Decimal
    expense_ratio: Decimal
    policyholder_share: Decimal
    smoothing_transfer_fen: int


class Db:
    """The little a baseline needs from a connection, over asyncpg or sqlite3."""

    def __init__(self, conn: Any, postgres: bool) -> None:
        self.conn, self.postgres = conn, postgres

    async def execute(self, sql: str) -> None:
        if self.postgres:
            await self.conn.execute(sql)
        else:
            self.conn.execute(sql)

    async def fetch(self, sql: str) -> list[tuple]:
        if self.postgres:
            return [tuple(r) for r in await self.conn.fetch(sql)]
        return self.conn.execute(sql).fetchall()

    async def executemany(self, sql: str, rows: list[tuple]) -> None:
        if self.postgres:
            await self.conn.executemany(sql.replace("?", "${}").format(*range(1, sql.count("?") + 1)), rows)
        else:
            self.conn.executemany(sql, rows)


def cash_products(insurer: str) -> list[str]:
    """The insurer's cash-style participating products (the engine's eligibility)."""
    found = product_services.catalog().products(VERSION)
    return sorted(
        p.code
        for p in found
        if p.insurer_code == insurer and p.participation is not None and p.participation.style == "cash"
    )


def _sql_text(value: Decimal | str) -> str:
    return f"'{Decimal(value)}'"


def _age(pg: bool) -> str:
    if pg:
        return "extract(year from age(p.effective_date, p.insured_birth_date))::int"
    return (
        "(cast(strftime('%Y', p.effective_date) as int) - cast(strftime('%Y', p.insured_birth_date) as int)"
        " - (strftime('%m-%d', p.effective_date) < strftime('%m-%d', p.insured_birth_date)))"
    )


def _t(pg: bool, year: int) -> str:
    return (
        f"({year} - extract(year from p.effective_date)::int)"
        if pg
        else f"({year} - cast(strftime('%Y', p.effective_date) as int))"
    )


def _eligible(inp: Inputs, pg: bool) -> str:
    codes = ", ".join(f"'{c}'" for c in cash_products(inp.insurer_code))
    t = _t(pg, inp.year)
    return (
        f"p.insurer_code = '{inp.insurer_code}' AND p.product_code IN ({codes}) AND p.status = 'in_force'"
        f" AND {t} >= 1 AND (p.policy_term_years IS NULL OR {t} <= p.policy_term_years)"
    )


async def unit_values(db: Db, inp: Inputs) -> int:
    """Step 1: the distinct pricing keys and their unit values, in the temporary table ``bench_keys``."""
    pg = db.postgres
    keys = await db.fetch(
        f"SELECT DISTINCT p.product_code, {_age(pg)}, p.insured_sex, p.smoker, coalesce(p.policy_term_years, 0),"
        f" p.premium_term_years, {_t(pg, inp.year)} FROM policy p WHERE {_eligible(inp, pg)}"
    )
    num = "numeric" if pg else "real"
    await db.execute("DROP TABLE IF EXISTS bench_keys")
    await db.execute(
        f"CREATE TEMP TABLE bench_keys (product_code text, age int, sex text, smoker boolean, n int, k int, t int,"
        f" v0 {num}, v1 {num}, q {num}, qa {num}, i {num}, pct {num}, permille {num}, fee {num},"
        " PRIMARY KEY (product_code, age, sex, smoker, n, k, t))"
    )
    rows = []
    for code, age, sex, smoker, n, k, t in keys:
        product = product_services.product(code, on=VERSION)
        terms = dividends.policy_terms(
            product,
            birth_date=date(1990 - age, 1, 1),
            sex=sex,
            smoker=bool(smoker),
            effective=date(1990, 1, 1),
            policy_term_years=n or None,
            premium_term_years=k,
        )
        q = dividends.death_probability(terms, terms.rated_age + t - 1)
        loadings = product.pricing.loadings
        values = (
            dividends.unit_reserve(product, terms, t - 1),
            dividends.unit_reserve(product, terms, t),
            q,
            min(Decimal(1), inp.mortality_ratio * q),
            terms.basis.interest,
            loadings.percent_of_gross,
            loadings.per_mille_sum_insured,
            loadings.policy_fee,
        )
        # numbers as exact text for PostgreSQL's NUMERIC; floats for SQLite's REAL
        rows.append((code, age, sex, smoker, n, k, t, *(str(v) if pg else float(v) for v in values)))
    if pg:
        await db.conn.copy_records_to_table(
            "bench_keys",
            records=[(*r[:7], *(Decimal(v) for v in r[7:])) for r in rows],
        )
    else:
        await db.executemany(f"INSERT INTO bench_keys VALUES ({', '.join('?' * 15)})", rows)
    await db.execute("ANALYZE bench_keys")  # a temporary table has no statistics until asked
    return len(rows)


def _fen(expr: str, pg: bool) -> str:
    """Half-up (away from zero) to the fen, as integer fen."""
    if pg:
        return f"(round({expr}, 2) * 100)::bigint"
    return f"cast(round(({expr}) * 100 + (CASE WHEN ({expr}) >= 0 THEN 1e-7 ELSE -1e-7 END)) as integer)"


def allocation_sql(inp: Inputs, pg: bool) -> str:
    """Step 2: the one INSERT … SELECT."""
    ia, er = (_sql_text(v) for v in (inp.investment_yield, inp.expense_ratio))  # q′ is in bench_keys
    share = _sql_text(inp.policyholder_share)
    cast = "::numeric" if pg else ""
    t = _t(pg, inp.year)
    hundred = "100" if pg else "100.0"  # SQLite divides integers as integers
    s = f"(p.sum_insured_fen{cast} / {hundred})"
    paying = f"({t} <= p.premium_term_years)"
    g = f"(CASE WHEN {paying} THEN p.annual_premium_fen{cast} / {hundred} ELSE 0 END)"
    e = f"(CASE WHEN {paying} THEN k.pct * {g} + k.permille * {s} / 1000 + k.fee ELSE 0 END)"
    interest = f"({s} * k.v0 + {g} - {e}) * ({ia}{cast} - k.i)"
    mortality = f"(k.q - k.qa) * ({s} - {s} * k.v1)"
    expense = f"({e} - {er}{cast} * {e}) * (1 + {ia}{cast})"
    anniversary = (
        f"(p.effective_date + make_interval(years => {t}))::date"
        if pg
        else f"date(p.effective_date, '+' || {t} || ' years')"
    )
    join = (
        "k.product_code = p.product_code AND k.age = " + _age(pg) + " AND k.sex = p.insured_sex AND k.smoker = p.smoker"
        " AND k.n = coalesce(p.policy_term_years, 0) AND k.k = p.premium_term_years AND k.t = " + t
    )
    json = "json_build_object" if pg else "json_object"
    text = "::text" if pg else ""
    basis = (
        f"{json}('reserve_start', src.v0{text}, 'reserve_end', src.v1{text}, 'q', src.q{text},"
        f" 'q_actual', src.qa{text}, 'i', src.i{text}, 'i_actual', {ia}, 'premium', src.g{text},"
        f" 'expenses', src.e{text}, 'sum_insured', src.s{text})"
    )
    if pg:  # raw × payout passes 2^63 at a million policies: NUMERIC
        floor_fen = "div(raw_fen::numeric * payout, raw_total)::bigint"
        rem = "mod(raw_fen::numeric * payout, raw_total)::bigint"
    else:
        floor_fen, rem = "(raw_fen * payout) / raw_total", "(raw_fen * payout) % raw_total"
    return f"""
INSERT INTO bench_allocation (alloc_key, declaration, policy, policy_year, anniversary, style, interest_fen,
    mortality_fen, expense_fen, raw_fen, remainder, dividend_fen, bonus_sum_fen, bonus_cost_fen, basis, status,
    option_applied, settled_fen)
WITH src AS (
    SELECT p.id AS policy_id, {t} AS t, {anniversary} AS anniversary,
        {_fen(interest, pg)} AS interest_fen, {_fen(mortality, pg)} AS mortality_fen, {
        _fen(expense, pg)
    } AS expense_fen,
        k.v0, k.v1, k.q, k.qa, k.i, {s} AS s, {g} AS g, {e} AS e
    FROM policy p JOIN bench_keys k ON {join}
    WHERE {_eligible(inp, pg)}
), raw AS (
    SELECT src.*, CASE WHEN interest_fen + mortality_fen + expense_fen > 0
        THEN interest_fen + mortality_fen + expense_fen ELSE 0 END AS raw_fen FROM src
), tot AS MATERIALIZED (  -- one row, computed once (not once per policy in a nested loop)
    SELECT sum(raw_fen) AS raw_total,
        {
        _fen(
            f"{share}{cast} * (CASE WHEN sum(interest_fen) + sum(mortality_fen) + sum(expense_fen) > 0"
            f" THEN sum(interest_fen) + sum(mortality_fen) + sum(expense_fen) ELSE 0 END){cast} / {hundred}",
            pg,
        )
    }
            - {inp.smoothing_transfer_fen} AS payout
    FROM raw
), scaled AS (
    SELECT raw.*, {floor_fen} AS floor_fen, {rem} AS rem,
        payout FROM raw, tot
), ranked AS (
    SELECT scaled.*, row_number() OVER (ORDER BY rem DESC, policy_id) AS rank,
        payout - sum(floor_fen) OVER () AS leftover FROM scaled
)
SELECT '{inp.declaration_id}b:' || policy_id, {inp.declaration_id}, policy_id, t, anniversary, 'cash', interest_fen,
    mortality_fen, expense_fen, raw_fen, rem, floor_fen + CASE WHEN rank <= leftover THEN 1 ELSE 0 END, 0, 0,
    {basis}, 'computed', '', 0
FROM ranked src
"""


async def prepare_table(db: Db) -> None:
    """``bench_allocation``: dividend_allocation's columns, defaults and indexes (not its foreign keys)."""
    await db.execute("DROP TABLE IF EXISTS bench_allocation")
    if db.postgres:
        await db.execute(
            "CREATE TABLE bench_allocation (LIKE dividend_allocation INCLUDING DEFAULTS INCLUDING INDEXES)"
        )
        return
    ddl = (await db.fetch("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'dividend_allocation'"))[0][0]
    await db.execute(
        ddl.replace("dividend_allocation", "bench_allocation", 1).replace(
            '"dividend_allocation"', '"bench_allocation"', 1
        )
    )
    for (sql,) in await db.fetch(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'dividend_allocation' AND sql IS NOT NULL"
    ):
        await db.execute(sql.replace("dividend_allocation", "bench_allocation"))


async def run(db: Db, inp: Inputs) -> dict[str, float | int]:
    """Compute and post: returns the key count and the payout the SQL found."""
    import time

    started = time.perf_counter()
    keys = await unit_values(db, inp)
    unit_s = time.perf_counter() - started
    await db.execute(allocation_sql(inp, db.postgres))
    computed = time.perf_counter()
    await db.execute(f"UPDATE bench_allocation SET status = 'declared' WHERE declaration = {inp.declaration_id}")
    if not db.postgres:
        db.conn.commit()
    done = time.perf_counter()
    ((count, total),) = await db.fetch("SELECT count(*), coalesce(sum(dividend_fen), 0) FROM bench_allocation")
    return {
        "keys": keys,
        "unit_values_s": unit_s,
        "rows": count,
        "payout_fen": int(total),
        "compute_s": computed - started,
        "post_s": done - computed,
        "total_s": done - started,
    }
