"""The SQL the declaration run shares: which policies are eligible, and dialect differences (SQLite/PostgreSQL).

Eligibility (docs/dividends.md): a policy of one of the insurer's participating products, in force, whose
anniversary in the year Y completes policy year t = Y − (year of its effective date) ≥ 1, and for a policy with
a term, t ≤ n. Counting and chunking use the same condition, so the progress total is exact.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from insure.db import engine
from insure.policies.model import PolicyStatus
from products.catalog import Product


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


def eligible_where(insurer_code: str, year: int) -> tuple[str, list[object]]:
    """The WHERE clause (with ``{}`` placeholders) and its values for the eligible policies."""
    codes = sorted({code for code, _ in participating_products(insurer_code)}) or [""]
    start = year_of("effective_date")
    clause = (
        "insurer_code = {} AND status = {} AND effective_date IS NOT NULL AND effective_date < {} "
        f"AND product_code IN ({', '.join('{}' for _ in codes)}) "
        f"AND (policy_term_years IS NULL OR policy_term_years >= {{}} - {start})"
    )
    return clause, [insurer_code, PolicyStatus.IN_FORCE.value, date(year, 1, 1), *codes, year]


POLICY_COLUMNS = (
    "id, product_code, product_version, insured_birth_date, insured_sex, smoker, effective_date, "
    "policy_term_years, premium_term_years, sum_insured_fen, annual_premium_fen"
)
