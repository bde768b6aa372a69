"""Phase 1 of the declaration run on PostgreSQL, set-based (docs/dividends.md "The annual declaration").

A chunk of policy ids (``after`` < id ≤ ``last``) costs two statements, whatever its size:

1. ``SELECT DISTINCT`` of the chunk's pricing keys: product version, entry age (last birthday, exactly as
   ``products.rating_model.age_last_birthday``), sex, smoker, n, k and the policy year t. Python values each key
   with the shared arithmetic (``dividends.policy_terms``, ``unit_reserve`` at t−1 and t, ``death_probability``,
   q′ = ratio × q) — cached per process, so a million policies cost a few thousand valuations.
2. ONE ``INSERT INTO dividend_allocation … SELECT … FROM policy JOIN unnest(<the keys' values>) … ON CONFLICT
   (alloc_key) DO NOTHING`` computing the three sources in exact NUMERIC, each rounded half-up to the fen (as
   ``insure.money.quantize``: PostgreSQL's ``round(numeric, 2)`` rounds half away from zero), the raw dividend,
   the anniversary and the notice's basis JSON; the same statement returns the chunk's part of the fund's
   figures. The caller runs it in the chunk's transaction together with the progress (resumable).

The keys travel as arrays (no table): a worker killed mid-run leaves nothing to clean up, and the next runner
values the keys again (from the cache, or in a second). Products whose key SQL cannot compute (an age on the
nearest birthday) and bonus-style products (they need each policy's bonuses so far) keep the Python path.
"""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal

from insure.accounts import (
    declaration_sql,  # its participating_products looked up at call time (tests replace it)
    dividends,
)
from insure.accounts.declaration_allocations import short
from insure.accounts.declaration_sql import eligible_where, fetch_rows
from insure.accounts.model import DividendStyle
from insure.accounts.tables import DividendAllocation

# age last birthday on the effective date: years apart, one less before the birthday's month and day
AGE = (
    "(CAST(EXTRACT(YEAR FROM effective_date) AS INTEGER) - CAST(EXTRACT(YEAR FROM insured_birth_date) AS INTEGER)"
    " - CASE WHEN (EXTRACT(MONTH FROM effective_date), EXTRACT(DAY FROM effective_date))"
    " < (EXTRACT(MONTH FROM insured_birth_date), EXTRACT(DAY FROM insured_birth_date)) THEN 1 ELSE 0 END)"
)
SEX = "COALESCE(NULLIF(insured_sex, ''), 'male')"  # the Python path's ``insured_sex or "male"``
SMOKER = "COALESCE(smoker, FALSE)"
TERM = "COALESCE(policy_term_years, 0)"  # 0: whole of life


def year_t(year: int) -> str:
    return f"({int(year)} - CAST(EXTRACT(YEAR FROM effective_date) AS INTEGER))"


def set_based_versions(insurer_code: str) -> list[tuple[str, str]]:
    """The product versions whose policies the SQL values: cash style, age at the last birthday."""
    return sorted(
        key
        for key, product in declaration_sql.participating_products(insurer_code).items()
        if product.age_basis != "nearest_birthday"
        and (product.participation is None or product.participation.style == DividendStyle.CASH)
    )


@functools.lru_cache(maxsize=65536)
def unit_values(
    insurer_code: str, code: str, version: str, age: int, sex: str, smoker: bool, n: int, k: int, t: int, ratio: str
) -> tuple[Decimal, ...]:
    """(V(t−1), V(t), q, q′, i, % of gross, ‰ of S, policy fee) of one pricing key, by the shared arithmetic."""
    product = declaration_sql.participating_products(insurer_code)[(code, version)]
    terms = dividends.policy_terms(
        product,
        birth_date=date(2000 - age, 1, 1),  # any dates with this age at the last birthday
        sex=sex,
        smoker=smoker,
        effective=date(2000, 1, 1),
        policy_term_years=n or None,
        premium_term_years=k,
    )
    q = dividends.death_probability(terms, terms.rated_age + t - 1)
    loadings = product.pricing.loadings
    return (
        dividends.unit_reserve(product, terms, t - 1),
        dividends.unit_reserve(product, terms, t),
        q,
        min(dividends.ONE, Decimal(ratio) * q),  # as ``dividends.contribution``: the default context
        terms.basis.interest,
        loadings.percent_of_gross,
        loadings.per_mille_sum_insured,
        loadings.policy_fee,
    )


async def chunk_keys(row: dict, after: int, last: int, versions: list[tuple[str, str]]) -> list[tuple]:
    where, args = eligible_where(row["insurer_code"], row["year"], versions)
    found = await DividendAllocation.raw(
        f"SELECT DISTINCT product_code AS c, product_version AS v, {AGE} AS a, {SEX} AS s, {SMOKER} AS sm, "
        f"{TERM} AS n, premium_term_years AS k, {year_t(row['year'])} AS t FROM policy "
        f"WHERE {where} AND id > {{}} AND id <= {{}}",
        *args,
        after,
        last,
    )
    return [(r["c"], r["v"], int(r["a"]), r["s"], bool(r["sm"]), int(r["n"]), int(r["k"]), int(r["t"])) for r in found]


_KEY_TYPES = ("text", "text", "int", "text", "bool", "int", "int", "int")
_VALUE_NAMES = ("v0", "v1", "q", "qa", "i", "pct", "permille", "fee")
_TEXT_NAMES = ("v0s", "v1s", "qs", "qas", "i_text")


def _insert_sql(row: dict, versions: list[tuple[str, str]]) -> tuple[str, list[object]]:
    """The chunk's INSERT … SELECT; its first 21 parameters are the keys' arrays, then the constants."""
    where, args = eligible_where(row["insurer_code"], row["year"], versions)
    arrays = [*_KEY_TYPES, *["numeric"] * len(_VALUE_NAMES), *["text"] * len(_TEXT_NAMES)]
    names = ("code", "version", "age", "sex", "smoker", "n", "kk", "t", *_VALUE_NAMES, *_TEXT_NAMES)
    unnest = ", ".join(f"{{}}::{kind}[]" for kind in arrays)
    ia, er, decl, ia_text, after, last = ("{}::numeric", "{}::numeric", "{}::bigint", "{}::text", "{}", "{}")
    t = year_t(row["year"])
    sql = f"""
WITH k AS (SELECT * FROM unnest({unnest}) AS k({", ".join(names)})),
p AS (
    SELECT id, effective_date, sum_insured_fen, annual_premium_fen, {AGE} AS age, {SEX} AS sex, {SMOKER} AS smoker,
        {TERM} AS n, premium_term_years AS kk, {t} AS t, product_code AS code, product_version AS version
    FROM policy WHERE {where} AND id > {after} AND id <= {last}
),
v AS (
    SELECT p.id, p.t, p.effective_date, p.sum_insured_fen, k.v0, k.v1, k.q, k.qa, k.i, k.v0s, k.v1s, k.qs, k.qas,
        k.i_text, p.sum_insured_fen * 0.01 AS s, p.t <= p.kk AS paying,
        CASE WHEN p.t <= p.kk THEN p.annual_premium_fen * 0.01 ELSE 0 END AS g,
        CASE WHEN p.t <= p.kk THEN k.pct * (p.annual_premium_fen * 0.01)
            + k.permille * (p.sum_insured_fen * 0.01) * 0.001 + k.fee ELSE 0 END AS e
    FROM p JOIN k USING (code, version, age, sex, smoker, n, kk, t)
),
src AS (
    SELECT v.*,
        (round((s * v0 + g - e) * ({ia} - i), 2) * 100)::bigint AS interest_fen,
        (round((q - qa) * (s - s * v1), 2) * 100)::bigint AS mortality_fen,
        (round((e - {er} * e) * (1 + {ia}), 2) * 100)::bigint AS expense_fen,
        round(e, 2) AS e2, round({er} * e, 2) AS ea2
    FROM v
),
ins AS (
    INSERT INTO dividend_allocation (alloc_key, declaration, policy, policy_year, anniversary, style, interest_fen,
        mortality_fen, expense_fen, raw_fen, bonus_sum_fen, bonus_cost_fen, basis, remainder, dividend_fen, status,
        option_applied, settled_fen)
    SELECT {decl}::text || ':' || id::text, {decl}, id, t, (effective_date + make_interval(years => t))::date,
        'cash', interest_fen, mortality_fen, expense_fen, GREATEST(0, interest_fen + mortality_fen + expense_fen),
        0, 0,
        json_build_object('reserve_start', v0s, 'reserve_end', v1s, 'q', qs, 'q_actual', qas, 'i', i_text,
            'i_actual', {ia_text}, 'premium', CASE WHEN paying THEN g::text ELSE '0' END,
            'expenses', e2::text, 'expenses_actual', ea2::text, 'sum_insured', s::text),
        0, 0, 'computed', '', 0
    FROM src
    ON CONFLICT (alloc_key) DO NOTHING
)
SELECT COUNT(*) AS n, COALESCE(SUM(g), 0) * 100 AS premiums_fen, COALESCE(SUM(ea2), 0) * 100 AS expenses_fen,
    COALESCE(SUM(round((s * v0 + g - e2) * {ia}, 2)), 0) * 100 AS investment_income_fen,
    COALESCE(SUM(round(s * v1, 2)), 0) * 100 AS reserves_fen
FROM src
"""
    return sql, args


async def insert_chunk(row: dict, after: int, last: int) -> dict[str, int]:
    """The set-based allocations of the chunk's cash-style policies; the chunk's part of the fund's figures."""
    from insure.accounts.declaration_sql import numbered

    versions = set_based_versions(row["insurer_code"])
    if not versions:
        return {}
    keys = await chunk_keys(row, after, last, versions)
    if not keys:
        return {}
    ratio = str(row["mortality_ratio"])
    columns: list[list[object]] = [[] for _ in range(len(_KEY_TYPES) + len(_VALUE_NAMES) + len(_TEXT_NAMES))]
    for key in keys:
        values = unit_values(row["insurer_code"], *key, ratio)
        texts = (*(short(str(v)) for v in values[:4]), str(values[4]))
        for column, value in zip(columns, (*key, *values, *texts), strict=True):
            column.append(value)
    sql, where_args = _insert_sql(row, versions)
    ia = Decimal(row["investment_yield"])
    args = _ordered_args(sql, columns, where_args, after, last, row, ia)
    found = await fetch_rows(numbered(sql), args)
    return {
        name: int(found[0][name]) for name in ("premiums_fen", "expenses_fen", "investment_income_fen", "reserves_fen")
    }


def _ordered_args(
    sql: str, columns: list[list[object]], where_args: list[object], after: int, last: int, row: dict, ia: Decimal
) -> list[object]:
    """The values of the statement's ``{}`` placeholders, in the order they appear in its text."""
    # src: (ia − i), er, ia   |  ins: decl, ia_text, decl  |  final SELECT: ia
    er = Decimal(row["expense_ratio"])
    tail = [ia, er, ia, er, row["id"], row["id"], str(Decimal(row["investment_yield"])), ia]
    args = [*columns, *where_args, after, last, *tail]
    if sql.count("{}") != len(args):  # pragma: no cover - a guard against editing one without the other
        raise AssertionError(f"{sql.count('{}')} placeholders, {len(args)} values")
    return args
