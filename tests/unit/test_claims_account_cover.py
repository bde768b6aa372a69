"""A death claim on a participating policy, on the test database (rolled back): given a policy of 100,000.00 with
paid-up additions of 300.00, reversionary bonuses of 200.00 and a posted declaration whose terminal bonus rate
is 0.5 (100.00 on the bonuses), when the claimant opens the claim form, the adjuster the claim file, a
beneficiary their death claim form, and the claim is assessed, then every one of them shows — and the assessment
pays — 100,600.00: the sum insured + additions + bonuses + terminal bonus, not the bare sum insured."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

from claims import beneficiary_web, facts, pages, workbench
from claims.coverage import compute_benefit
from claims.tables import Claim
from insure import clock
from insure.accounts.model import DeclarationStatus
from insure.accounts.tables import AccountEntry, Declaration
from tests.unit.conftest import InDb, bare_policy

EXPECTED = Decimal("100600.00")  # 100,000 + 300 additions + 200 bonuses + 100 terminal bonus


async def _policy() -> dict:
    today = clock.today()
    policy = await bare_policy(
        product_code="wl_par_huaxia",
        product_version="2026-01-01",
        insurer_code="huaxia_mutual",
        insured_sex="male",
        insured_birth_date=date(1985, 5, 5),
        effective_date=date(2026, 1, 1),  # the product's first version: assessment reads it
        sum_insured_fen=10_000_000,
        policy_term_years=None,
        premium_term_years=10,
        dividend_option="paid_up_additions",
    )
    await Declaration.insert(
        Declaration(
            number=f"DV-T-{secrets.token_hex(4)}",
            insurer_code="huaxia_mutual",
            year=today.year + 50,  # the latest posted declaration: its terminal rate is the one in force
            status=DeclarationStatus.POSTED,
            investment_yield="0.05",
            mortality_ratio="0.9",
            expense_ratio="0.9",
            accumulation_rate="0.03",
            terminal_bonus_rate="0.5",
            prepared_by=policy["customer"],
        )
    )
    for key, bucket, fen, kind in (
        ("pua", "pua_sum_insured", 30_000, "pua_purchase"),
        ("bonus", "bonus_sum_insured", 20_000, "bonus"),
    ):
        await AccountEntry.insert(
            AccountEntry(
                entry_key=f"{key}:{policy['id']}",
                policy=policy["id"],
                kind=kind,
                bucket=bucket,
                amount_fen=fen,
                on=clock.today(),
            )
        )
    return policy


def test_a_death_claim_shows_and_pays_the_sum_insured_with_the_accounts_extra_cover(in_db: InDb) -> None:
    async def body() -> None:
        policy = await _policy()
        today = clock.today()

        form = await pages.claim_context(policy, "death")
        assert form["limit"] == EXPECTED

        limits = {row["code"]: row for row in await workbench.limits_left(policy, today)}
        assert limits["death"]["limit_fen"] == 10_060_000 and limits["death"]["remaining_fen"] == 10_060_000

        beneficiary = await beneficiary_web._context(policy, Decimal(50), policy["insured_id_number"])
        assert [(c.code, amount) for c, _, amount in beneficiary["coverages"]] == [("death", EXPECTED / 2)]

        rows = await Claim.insert(
            Claim(
                number=f"CTEST{secrets.token_hex(4)}",
                policy=policy["id"],
                claimant=policy["customer"],
                coverage_code="death",
                loss_date=today,
                reported_on=today,
                description="the insured died",
                status="assessing",
            )
        ).returning(Claim.id)
        gathered = await facts.gather(rows[0]["id"])
        assert gathered is not None
        assert gathered.coverage.cover.limit == EXPECTED
        assert compute_benefit(gathered.coverage).payable == EXPECTED

    in_db(body)
