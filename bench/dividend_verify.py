"""The dividend benchmark's baseline run and its verification: the hand-written SQL baseline
(bench/dividend_baseline.py) run on the bench's database, the engine's allocations compared with it row by row,
and a per-policy reference computed from the pure formulas (insure/accounts/dividends.py). Used by
bench/dividend_bench.py."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dividend_baseline

INPUTS = {  # the declaration the bench makes (Chang'an Life's fund)
    "insurer_code": "changan_life",
    "investment_yield": "0.052",
    "mortality_ratio": "0.82",
    "expense_ratio": "0.91",
    "policyholder_share": "0.75",
    "smoothing_transfer": "0",
    "accumulation_rate": "0.03",
    "bonus_rate": "0",
    "terminal_bonus_rate": "0",
}


# ------------------------------------------------------------------------------- baseline and verification


async def connect(kind: str) -> dividend_baseline.Db:
    import dividend_baseline

    from insure.settings import get_settings

    settings = get_settings()
    if kind == "postgres":
        import asyncpg

        return dividend_baseline.Db(await asyncpg.connect(settings.database_url), True)
    import sqlite3

    return dividend_baseline.Db(sqlite3.connect(str(settings.sqlite_path)), False)


def inputs(declaration_id: int, year: int) -> dividend_baseline.Inputs:
    import dividend_baseline

    return dividend_baseline.Inputs(
        declaration_id=declaration_id,
        insurer_code=INPUTS["insurer_code"],
        year=year,
        investment_yield=Decimal(INPUTS["investment_yield"]),
        mortality_ratio=Decimal(INPUTS["mortality_ratio"]),
        expense_ratio=Decimal(INPUTS["expense_ratio"]),
        policyholder_share=Decimal(INPUTS["policyholder_share"]),
        smoothing_transfer_fen=int(Decimal(INPUTS["smoothing_transfer"]) * 100),
    )


async def baseline(kind: str, declaration_id: int, year: int) -> dict:
    import dividend_baseline

    db = await connect(kind)
    await dividend_baseline.prepare_table(db)
    result = await dividend_baseline.run(db, inputs(declaration_id, year))
    await (db.conn.close() if db.postgres else asyncio.sleep(0))
    if not db.postgres:
        db.conn.close()
    return result


COMPARED = ("interest_fen", "mortality_fen", "expense_fen", "raw_fen", "dividend_fen")


async def compare(kind: str, declaration_id: int, table: str = "dividend_allocation") -> dict:
    """Row by row: the engine's allocations (of this declaration) against bench_allocation."""
    db = await connect(kind)
    differ = " OR ".join(f"a.{c} <> b.{c}" for c in COMPARED)
    ((engine_rows, engine_sum),) = await db.fetch(
        f"SELECT count(*), coalesce(sum(dividend_fen), 0) FROM {table} WHERE declaration = {declaration_id}"
    )
    ((base_rows, base_sum),) = await db.fetch("SELECT count(*), coalesce(sum(dividend_fen), 0) FROM bench_allocation")
    ((matched, different),) = await db.fetch(
        f"SELECT count(*), coalesce(sum(CASE WHEN {differ} THEN 1 ELSE 0 END), 0) FROM {table} a"
        f" JOIN bench_allocation b ON b.policy = a.policy WHERE a.declaration = {declaration_id}"
    )
    samples = await db.fetch(
        f"SELECT a.policy, {', '.join(f'a.{c}, b.{c}' for c in COMPARED)} FROM {table} a"
        f" JOIN bench_allocation b ON b.policy = a.policy WHERE a.declaration = {declaration_id} AND ({differ}) LIMIT 5"
    )
    await (db.conn.close() if db.postgres else asyncio.sleep(0))
    if not db.postgres:
        db.conn.close()
    equal = engine_rows == base_rows == matched and different == 0 and engine_sum == base_sum
    return {
        "engine_rows": engine_rows,
        "baseline_rows": base_rows,
        "matched": matched,
        "different": int(different),
        "engine_sum_fen": int(engine_sum),
        "baseline_sum_fen": int(base_sum),
        "equal": equal,
        "samples": [[int(v) for v in s] for s in samples],
    }


async def reference(kind: str, year: int) -> dict:
    """The same dividends policy by policy in Python with the shared arithmetic (dividends.contribution and
    scale_to_payout), written to ``bench_reference``: a check of the baseline that needs no engine."""
    import dividend_baseline

    from insure.accounts import dividends
    from insure.money import quantize, to_fen
    from insure.policies.billing import policy_anniversary
    from products import services as product_services

    db = await connect(kind)
    inp = inputs(0, year)
    codes = ", ".join(f"'{c}'" for c in dividend_baseline.cash_products(inp.insurer_code))
    rows = await db.fetch(
        "SELECT id, product_code, insured_birth_date, insured_sex, smoker, effective_date, policy_term_years,"
        " premium_term_years, sum_insured_fen, annual_premium_fen FROM policy"
        f" WHERE insurer_code = '{inp.insurer_code}'"
        f" AND product_code IN ({codes}) AND status = 'in_force'"
    )
    experience = dividends.Experience(inp.investment_yield, inp.mortality_ratio, inp.expense_ratio)
    out, sums = [], [0, 0, 0]
    for pid, code, birth, sex, smoker, effective, n, k, s_fen, g_fen in rows:
        birth, effective = (v if isinstance(v, date) else date.fromisoformat(v) for v in (birth, effective))
        t = year - effective.year
        if t < 1 or (n is not None and t > n) or policy_anniversary(effective, t).year != year:
            continue
        product = product_services.product(code, on=dividend_baseline.VERSION)
        terms = dividends.policy_terms(
            product,
            birth_date=birth,
            sex=sex,
            smoker=bool(smoker),
            effective=effective,
            policy_term_years=n,
            premium_term_years=k,
        )
        c = dividends.contribution(product, terms, t, Decimal(s_fen) / 100, Decimal(g_fen) / 100, experience)
        out.append((pid, c.interest_fen, c.mortality_fen, c.expense_fen, c.raw_fen))
        sums = [sums[0] + c.interest_fen, sums[1] + c.mortality_fen, sums[2] + c.expense_fen]
    distributable = Decimal(max(0, sum(sums))) / 100
    payout = to_fen(quantize(inp.policyholder_share * distributable)) - inp.smoothing_transfer_fen
    scaled = dividends.scale_to_payout([(r[0], r[4]) for r in out], payout)
    await db.execute("DROP TABLE IF EXISTS bench_reference")
    await db.execute(
        "CREATE TABLE bench_reference (policy int, declaration int, interest_fen bigint, mortality_fen bigint,"
        " expense_fen bigint, raw_fen bigint, dividend_fen bigint)"
    )
    await db.executemany("INSERT INTO bench_reference VALUES (?, 0, ?, ?, ?, ?, ?)", [(*r, scaled[r[0]]) for r in out])
    if not db.postgres:
        db.conn.commit()
        db.conn.close()
    else:
        await db.conn.close()
    return {"rows": len(out), "payout_fen": payout}


# ------------------------------------------------------------------------------------------------- main
