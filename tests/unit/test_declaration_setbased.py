"""The declaration run's two ways of computing the same allocations: on PostgreSQL the set-based SQL (pricing keys
valued in Python, the sources in NUMERIC), on SQLite (and for bonus-style products) exact Decimal per policy.
Given policies whose entry age sits on a birthday's edge (29 February, the birthday itself, the day before), no
sex recorded, a smoker, premiums already stopped, when a declaration runs, then every allocation — sources, raw,
anniversary, the notice's basis — and the fund's figures are what ``allocation_row`` computes policy by policy.
Run under INSURE_TEST_POSTGRES (CI's PostgreSQL pass) it checks the SQL; on SQLite, the cached Python path."""

from __future__ import annotations

import json
from datetime import date

from insure.accounts import declaration_run, declarations
from insure.accounts.declaration_allocations import allocation_row
from insure.accounts.tables import Declaration, DividendAllocation

from .conftest import bare_policy
from .test_declaration_run_db import INSURER, _staff, parse

CASES = [  # (birth, effective, sex, smoker, policy term, premium term)
    (date(1980, 2, 29), date(2026, 2, 28), "male", False, None, 20),  # the day before a leap-day birthday
    (date(1980, 2, 29), date(2026, 3, 1), "female", False, 20, 20),
    (date(1990, 6, 15), date(2026, 6, 15), "", False, None, 20),  # on the birthday; no sex: priced as male
    (date(1990, 6, 15), date(2026, 6, 14), "female", True, 30, 10),  # the day before; a smoker
    (date(1971, 12, 31), date(2010, 1, 1), "male", True, None, 5),  # premiums stopped years ago (t = 17 > k)
    (date(1985, 1, 1), date(2024, 2, 29), "male", False, 10, 10),  # a leap-day start: anniversary 28 February
]


async def _policies() -> list[dict]:
    made = []
    for k, (birth, effective, sex, smoker, n, kk) in enumerate(CASES):
        made.append(
            await bare_policy(
                insurer_code=INSURER,
                product_code="endow_par_huaxia" if n else "wl_par_huaxia",
                product_version="2026-01-01",
                insured_sex=sex,
                smoker=smoker,
                insured_birth_date=birth,
                effective_date=effective,
                policy_term_years=n,
                premium_term_years=kk,
                sum_insured_fen=12_345_678 * (k + 1),
                annual_premium_fen=345_671 * (k + 1),
                premium_fen=345_671 * (k + 1),
                dividend_option="cash",
            )
        )
    return made


def test_every_allocation_and_the_fund_figures_match_the_per_policy_computation(in_db):
    async def body():
        policies = await _policies()
        row = await declarations.prepare(await _staff(), parse())
        await declaration_run.run(row["id"])
        declared = await Declaration.select().where(Declaration.id == row["id"]).first()
        stored = {
            a["policy"]: a for a in await DividendAllocation.select().where(DividendAllocation.declaration == row["id"])
        }
        assert set(stored) == {p["id"] for p in policies}
        totals = dict.fromkeys(("premiums_fen", "expenses_fen", "investment_income_fen", "reserves_fen"), 0)
        for policy in policies:
            expected = allocation_row(declared, policy, 0, totals)
            got = stored[policy["id"]]
            assert (got["policy_year"], got["anniversary"], got["style"]) == expected[3:6], policy
            assert [got[k] for k in ("interest_fen", "mortality_fen", "expense_fen", "raw_fen")] == list(
                expected[6:10]
            ), policy
            basis = got["basis"] if isinstance(got["basis"], dict) else json.loads(got["basis"])
            assert basis == json.loads(expected[12]), policy
        figures = declared["fund_results"]
        figures = figures if isinstance(figures, dict) else json.loads(figures)
        for key, value in totals.items():
            assert figures[key] == value, key

    in_db(body)
