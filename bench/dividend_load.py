"""Bulk loader for the dividend benchmark: N participating policies in force, fast (fixture data, not measured as
business code). PostgreSQL: COPY (asyncpg ``copy_records_to_table``) in chunks; SQLite: ``executemany`` in big
transactions on the database file.

The mix (deterministic from ``seed``): Chang'an Life's two cash-style participating products, whole life (60 %:
single, 10- or 20-year premiums) and endowment (40 %: 10 or 20 years, single or level premiums); entry ages 0–60,
both sexes, 15 % smokers, sums insured 20,000–2,000,000 CNY; effective dates spread over the past years so that
each policy's anniversary in the declaration year ends a policy year t ≥ 1 (t ≤ n for endowments). The annual
premium is the product's gross premium (equivalence principle, its loadings). Each policy picks one of the four
dividend options. About 5 % of the rows are noise the declaration must leave out: 3 % of another insurer's fund
(Huaxia Mutual's participating whole life) and 2 % lapsed. One customer owns every policy.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache

from insure.accounts import dividends
from insure.policies.billing import policy_anniversary
from products import services as product_services
from products.catalog import Product
from products.life_pricing import net_premium_per_unit

VERSION = "2026-01-01"
INSURER = "changan_life"
OPTIONS = ("cash", "premium_offset", "accumulate", "paid_up_additions")
CHUNK = 50_000

COLUMNS = (
    "number",
    "customer",
    "quote_id",
    "application_number",
    "insurer_code",
    "product_code",
    "product_version",
    "channel",
    "insured_name",
    "insured_id_number",
    "insured_birth_date",
    "insured_sex",
    "smoker",
    "occupation_class",
    "sum_insured_fen",
    "premium_fen",
    "annual_premium_fen",
    "payments_per_year",
    "policy_term_years",
    "premium_term_years",
    "status",
    "effective_date",
    "expiry_date",
    "issued_at",
    "delivered_at",
    "anniversaries_announced",
    "next_anniversary",
    "dividend_option",
)


@cache
def _product(code: str) -> Product:
    return product_services.product(code, on=date.fromisoformat(VERSION))


@cache
def annual_premium_fen(code: str, age: int, sex: str, smoker: bool, n: int | None, k: int, sum_fen: int) -> int:
    """The gross annual premium (fen) the product's pricing asks for this risk: (S·P + per mille·S + fee) / (1 − %)."""
    product = _product(code)
    # policy_terms wants dates: any pair giving this entry age
    terms = dividends.policy_terms(
        product,
        birth_date=date(1990 - age, 1, 1),
        sex=sex,
        smoker=smoker,
        effective=date(1990, 1, 1),
        policy_term_years=n,
        premium_term_years=k,
    )
    loadings = product.pricing.loadings
    s = Decimal(sum_fen) / 100
    gross = (
        s * net_premium_per_unit(product, terms) + loadings.per_mille_sum_insured * s / 1000 + loadings.policy_fee
    ) / (1 - loadings.percent_of_gross)
    return int((gross * 100).to_integral_value())


def policy_rows(n: int, *, year: int, customer_id: int, today: date, seed: int = 11) -> Iterator[tuple]:
    """The N policy rows in COLUMNS order (Python values: dates, datetimes, bools)."""
    rng = random.Random(seed)
    for i in range(n):
        noise = rng.random()
        code = "wl_par_changan" if rng.random() < 0.6 else "endow_par_changan"
        status = "in_force"
        if noise < 0.03:
            code = "wl_par_huaxia"
        elif noise < 0.05:
            status = "lapsed"
        whole_life = code.startswith("wl_")
        age = rng.randint(0, 60)
        sex = "male" if rng.random() < 0.5 else "female"
        smoker = rng.random() < 0.15
        sum_fen = rng.choice((20, 50, 100, 200, 300, 500, 800, 1000, 2000)) * 1000_00 + rng.randint(0, 10) * 1000_00
        if whole_life:
            term = None
            k = rng.choice((1, 10, 20))
            t = rng.randint(1, 20)
        else:
            term = rng.choice((10, 20))
            k = rng.choice((1, term))
            t = rng.randint(1, term)
        effective = date(year - t, rng.randint(1, 12), rng.randint(1, 28))
        birth = date(effective.year - age, effective.month, effective.day) - timedelta(days=rng.randint(0, 360))
        premium = annual_premium_fen(code, age, sex, smoker, term, k, sum_fen)
        done = sum(1 for y in range(1, t + 2) if policy_anniversary(effective, y) <= today)
        issued = datetime(effective.year, effective.month, effective.day, 9, tzinfo=UTC)
        yield (
            f"PDV{i:09d}",
            customer_id,
            f"QDV{i:09d}",
            f"ADV{i:09d}",
            "huaxia_mutual" if code.endswith("huaxia") else INSURER,
            code,
            VERSION,
            "direct",
            f"Insured {i}",
            f"{i:018d}",
            birth,
            sex,
            smoker,
            1,
            sum_fen,
            premium,
            premium,
            1,
            term,
            k,
            status,
            effective,
            policy_anniversary(effective, term) if term else None,
            issued,
            issued,
            done,
            policy_anniversary(effective, done + 1),
            rng.choice(OPTIONS),
        )


def chunks(rows: Iterator[tuple], size: int = CHUNK) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def load_postgres(dsn: str, n: int, *, year: int, customer_id: int, today: date) -> None:
    """COPY the rows into ``policy``, a chunk at a time (memory stays flat)."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        for batch in chunks(policy_rows(n, year=year, customer_id=customer_id, today=today)):
            await conn.copy_records_to_table("policy", records=batch, columns=list(COLUMNS))
        await conn.execute("ANALYZE policy")
    finally:
        await conn.close()


def _sqlite_value(value: object) -> object:
    """Values as Piccolo's SQLite engine stores them (ISO text for dates and times, 0/1 for booleans)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def load_sqlite(path: str, n: int, *, year: int, customer_id: int, today: date) -> None:
    """executemany in one transaction per chunk."""
    import sqlite3

    sql = f"INSERT INTO policy ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA synchronous=OFF")
        for batch in chunks(policy_rows(n, year=year, customer_id=customer_id, today=today)):
            conn.executemany(sql, [tuple(_sqlite_value(v) for v in row) for row in batch])
            conn.commit()
        conn.execute("ANALYZE")
