"""The declaration engine in one process against the database: prepare, run in tiny chunks, preview, approve by a
second person, post (twice: booked once), reverse. Given / when / then in each test's name."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

import pytest

from insure.accounts import declaration_posting, declaration_run, declarations
from insure.accounts.declaration_inputs import parse_declaration
from insure.accounts.tables import Declaration, DeclarationEvent, DividendAllocation
from insure.auth.tables import User
from insure.errors import Conflict, ValidationFailed
from insure.ledger import entries
from insure.ledger import services as ledger
from insure.money import to_fen

from .conftest import bare_policy

INSURER = "huaxia_mutual"


async def _staff(role: str = "actuary") -> dict:
    tag = secrets.token_hex(4)
    rows = await User.insert(
        User(email=f"act-{tag}@example.test", password_hash="x", name="Actuary", role=role)
    ).returning(User.id, User.email, User.role)
    return rows[0]


async def _policies(n: int) -> list[dict]:
    made = []
    for k in range(n):
        made.append(
            await bare_policy(
                insurer_code=INSURER,
                product_code="wl_par_huaxia" if k % 2 else "endow_par_huaxia",
                product_version="2026-01-01",
                insured_sex="male" if k % 3 else "female",
                insured_birth_date=date(1980 + k, 5, 1),
                effective_date=date(2026, 2, 1 + k),
                policy_term_years=None if k % 2 else 20,
                premium_term_years=20,
                sum_insured_fen=10_000_000 * (k + 1),
                annual_premium_fen=300_000 * (k + 1),
                premium_fen=300_000 * (k + 1),
                dividend_option="cash",
            )
        )
    return made


def _inputs(**changes: str) -> dict:
    return {
        "insurer_code": INSURER,
        "year": "2027",
        "investment_yield": "0.065",
        "mortality_ratio": "0.8",
        "expense_ratio": "0.9",
        "policyholder_share": "0.75",
        "smoothing_transfer": "0",
        **changes,
    }


def parse(**changes: str):
    return parse_declaration(_inputs(**changes), today=date(2027, 6, 1), insurers=frozenset({INSURER}))


@pytest.fixture(autouse=True)
def tiny_chunks(monkeypatch):
    monkeypatch.setenv("DIVIDEND_RUN_CHUNK", "2")


def test_a_declaration_runs_in_chunks_and_its_dividends_add_up_to_the_payout_exactly(in_db):
    async def body():
        policies = await _policies(5)
        preparer, approver = await _staff(), await _staff()
        row = await declarations.prepare(preparer, parse())
        assert row["status"] == "computing" and row["run_total"] == 5
        await declaration_run.run(row["id"])
        done = await declarations.get(row["number"])
        assert done["status"] == "prepared"
        allocs = await DividendAllocation.select().where(DividendAllocation.declaration == row["id"])
        assert sorted(a["policy"] for a in allocs) == sorted(p["id"] for p in policies)
        assert sum(a["dividend_fen"] for a in allocs) == done["payout_fen"] > 0
        assert done["payout_fen"] == to_fen(
            (Decimal("0.75") * Decimal(done["distributable_fen"]) / 100).quantize(Decimal("0.01"))
        )
        assert done["distributable_fen"] == sum(
            a["interest_fen"] + a["mortality_fen"] + a["expense_fen"] for a in allocs
        )
        shown = await declarations.preview(row["number"])
        assert shown.eligible == 5 and shown.problem == ""
        assert sum(count for _, count in shown.bands) == 5
        assert len(shown.largest) == 5 and shown.largest[0].dividend >= shown.largest[-1].dividend
        assert {p.code for p in shown.by_product} == {"wl_par_huaxia", "endow_par_huaxia"}
        # running it again changes nothing
        await declaration_run.run(row["id"], force=True)
        assert await DividendAllocation.count().where(DividendAllocation.declaration == row["id"]) == 5

        with pytest.raises(Conflict) as refused:
            await declarations.approve(preparer, row["number"])
        assert refused.value.code == "preparer_cannot_approve"
        await declarations.approve(approver, row["number"])
        with pytest.raises(Conflict) as again:
            await declarations.prepare(preparer, parse())
        assert again.value.code == "year_already_declared"

        await declarations.post(approver, row["number"])
        await declaration_posting.run_posting(row["id"])
        posted = await declarations.get(row["number"])
        assert posted["status"] == "posted"
        balance = await ledger.trial_balance()
        assert balance[entries.DIVIDENDS_DECLARED] == -posted["payout_fen"]
        with pytest.raises(Conflict) as twice:
            await declarations.post(approver, row["number"])
        assert twice.value.code == "already_posted"
        await declaration_posting.run_posting(row["id"])
        assert await ledger.trial_balance() == balance
        statuses = await DividendAllocation.select(DividendAllocation.status).where(
            DividendAllocation.declaration == row["id"]
        )
        assert {s["status"] for s in statuses} == {"declared"}

        await declarations.reverse(approver, row["number"], "wrong yield")
        await declaration_posting.run_reversal(row["id"])
        reversed_ = await declarations.get(row["number"])
        assert reversed_["status"] == "reversed"
        assert (await ledger.trial_balance()).get(entries.DIVIDENDS_DECLARED) == 0
        events = await declarations.history(row["number"])
        assert [e["to_status"] for e in events] == ["computing", "prepared", "approved", "posted", "reversed"]
        # the year is free again
        again_row = await declarations.prepare(preparer, parse())
        assert again_row["number"].endswith("-2")

    in_db(body)


def test_a_year_with_no_eligible_policy_is_refused_and_nothing_is_stored(in_db):
    async def body():
        await _policies(1)
        before = (await Declaration.count(), await DeclarationEvent.count())
        with pytest.raises(Conflict) as refused:
            await declarations.prepare(await _staff(), parse(year="2026"))
        assert refused.value.code == "no_eligible_policies"
        assert (await Declaration.count(), await DeclarationEvent.count()) == before

    in_db(body)


def test_releasing_more_than_the_smoothing_reserve_is_refused_on_that_field(in_db):
    async def body():
        await _policies(1)
        with pytest.raises(ValidationFailed) as refused:
            await declarations.prepare(await _staff(), parse(smoothing_transfer="-1"))
        assert [e.field for e in refused.value.errors] == ["smoothing_transfer"]

    in_db(body)
