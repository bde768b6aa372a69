"""The declaration engine in one process against the database: prepare, run in tiny chunks, preview, approve by a
second person, post (twice: booked once), reverse. Given / when / then in each test's name."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

import pytest

from insure.accounts import declaration_allocations, declaration_posting, declaration_run, declarations, fund_results
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
        declared_before = (await ledger.trial_balance()).get(entries.DIVIDENDS_DECLARED, 0)  # other tests' books
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
        assert balance[entries.DIVIDENDS_DECLARED] - declared_before == -posted["payout_fen"]
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
        assert (await ledger.trial_balance()).get(entries.DIVIDENDS_DECLARED) == declared_before
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


def test_a_reversal_takes_back_what_crediting_added_once_even_if_run_twice(in_db):
    from insure import clock
    from insure.accounts.balances import balances
    from insure.accounts.tables import AccountEntry

    async def body():
        books_before = await ledger.trial_balance()  # the suite's database may hold other tests' books
        policies = await _policies(3)
        preparer, approver = await _staff(), await _staff("admin")
        row = await declarations.prepare(preparer, parse(smoothing_transfer="10"))
        await declaration_run.run(row["id"])
        await declarations.approve(approver, row["number"])
        await declarations.post(approver, row["number"])
        await declaration_posting.run_posting(row["id"])
        # given one allocation credited as crediting does it: the dividend into the account, and half of it
        # then buying paid-up additions (account entries and the matching journal entries)
        alloc = (
            await DividendAllocation.select()
            .where((DividendAllocation.declaration == row["id"]) & (DividendAllocation.dividend_fen > 0))
            .first()
        )
        d, half = alloc["dividend_fen"], alloc["dividend_fen"] // 2
        common = {"policy": alloc["policy"], "declaration_id": row["id"], "allocation_id": alloc["id"]}
        made = [
            ("dividend", "accumulated", d),
            ("dividend", "dividends_credited", d),
            ("pua_purchase", "accumulated", -half),
            ("pua_purchase", "pua_sum_insured", half * 7),
        ]
        await AccountEntry.insert(
            *[
                AccountEntry(
                    entry_key=f"test:{alloc['id']}:{n}", kind=k, bucket=b, amount_fen=a, on=clock.today(), **common
                )
                for n, (k, b, a) in enumerate(made)
            ]
        )
        await DividendAllocation.update({DividendAllocation.status: "credited"}).where(
            DividendAllocation.id == alloc["id"]
        )
        await ledger.post(
            "test:credit",
            "credit",
            "test",
            1,
            entries.transfer(entries.DIVIDENDS_DECLARED, entries.DIVIDENDS_ACCUMULATED, d),
        )
        await ledger.post(
            "test:pua",
            "pua",
            "test",
            1,
            entries.transfer(entries.DIVIDENDS_ACCUMULATED, entries.PAID_UP_ADDITIONS, half),
        )
        # when the declaration is reversed (and the reversal run again)
        await declarations.reverse(approver, row["number"], "wrong")
        await declaration_posting.run_reversal(row["id"])
        await declaration_posting.run_reversal(row["id"], force=True)
        # then the account is back to nothing, once, and so are the control accounts
        held = await balances(alloc["policy"])
        assert held == dict.fromkeys(held, 0)
        assert (
            await AccountEntry.count().where(
                (AccountEntry.kind == "reversal") & (AccountEntry.declaration_id == row["id"])
            )
            == 4
        )
        books = await ledger.trial_balance()
        for account in (
            entries.DIVIDENDS_DECLARED,
            entries.DIVIDENDS_ACCUMULATED,
            entries.PAID_UP_ADDITIONS,
            entries.SMOOTHING_RESERVE,
            entries.POLICYHOLDER_DIVIDENDS,
        ):
            assert books.get(account, 0) == books_before.get(account, 0), account
        assert len(policies) == 3

    in_db(body)


def test_a_smoothing_transfer_larger_than_the_share_leaves_it_prepared_with_the_problem_and_unapprovable(in_db):
    async def body():
        await _policies(2)
        row = await declarations.prepare(await _staff(), parse(smoothing_transfer="100000000"))
        await declaration_run.run(row["id"])
        shown = await declarations.preview(row["number"])
        assert shown.status == "prepared" and shown.problem == "payout_negative" and shown.payout < 0
        with pytest.raises(Conflict) as refused:
            await declarations.approve(await _staff(), row["number"])
        assert refused.value.code == "payout_negative"
        withdrawn = await declarations.withdraw(await _staff(), row["number"], "smoothing typed in fen")
        assert withdrawn["status"] == "withdrawn"

    in_db(body)


@pytest.fixture()
def bonus_style(monkeypatch):
    """The fund's whole-life product as a reversionary-bonus product (the catalog has none yet)."""
    import dataclasses

    from insure.accounts import declaration_sql

    real = declaration_sql.participating_products(INSURER)
    changed = {
        key: dataclasses.replace(
            product, participation=dataclasses.replace(product.participation, style="reversionary_bonus")
        )
        if key[0] == "wl_par_huaxia"
        else product
        for key, product in real.items()
    }
    monkeypatch.setattr(declaration_sql, "participating_products", lambda insurer: changed)
    monkeypatch.setattr(declaration_run, "participating_products", lambda insurer: changed)
    monkeypatch.setattr(declaration_allocations, "participating_products", lambda insurer: changed)


def test_bonus_style_policies_get_a_bonus_valued_at_the_net_single_premium_and_no_cash(in_db, bonus_style):
    from insure.accounts import dividends
    from insure.accounts.declaration_sql import participating_products

    async def body():
        policies = await _policies(4)  # odd ones are whole life: bonus style here
        row = await declarations.prepare(await _staff(), parse(bonus_rate="0.001"))
        await declaration_run.run(row["id"])
        done = await declarations.get(row["number"])
        allocs = {
            a["policy"]: a for a in await DividendAllocation.select().where(DividendAllocation.declaration == row["id"])
        }
        bonus = [allocs[p["id"]] for p in policies if p["product_code"] == "wl_par_huaxia"]
        assert len(bonus) == 2
        for a in bonus:
            policy = next(p for p in policies if p["id"] == a["policy"])
            assert a["style"] == "reversionary_bonus" and a["dividend_fen"] == 0
            assert a["bonus_sum_fen"] == dividends.reversionary_bonus(Decimal("0.001"), policy["sum_insured_fen"], 0)
            product = participating_products(INSURER)[("wl_par_huaxia", "2026-01-01")]
            from insure.accounts.values import terms_for

            nsp = dividends.net_single_premium(product, terms_for(policy, product), a["policy_year"])
            assert a["bonus_cost_fen"] == dividends.value_of_cover(a["bonus_sum_fen"], nsp)
        assert done["bonus_cost_fen"] == sum(a["bonus_cost_fen"] for a in bonus)
        assert done["payout_fen"] == done["policyholder_entitlement_fen"] - done["bonus_cost_fen"] > 0
        cash = [a for a in allocs.values() if a["style"] == "cash"]
        assert sum(a["dividend_fen"] for a in cash) == done["payout_fen"]

        # a bonus rate costing more than the policyholders' share: prepared, shown, not approvable
        await declarations.withdraw(await _staff(), row["number"], "try a higher rate")
        dear = await declarations.prepare(await _staff(), parse(bonus_rate="0.2"))
        await declaration_run.run(dear["id"])
        shown = await declarations.preview(dear["number"])
        assert shown.problem == "bonus_exceeds_share" and shown.bonus_cost > shown.entitlement
        with pytest.raises(Conflict) as refused:
            await declarations.approve(await _staff(), dear["number"])
        assert refused.value.code == "bonus_exceeds_share"

    in_db(body)


def test_the_fund_results_add_up_the_eligible_policies_figures(in_db):
    async def body():
        ledger_before = await fund_results.ledger_results(INSURER, 2027)
        policies = await _policies(3)
        row = await declarations.prepare(await _staff(), parse())
        await declaration_run.run(row["id"])
        shown = await declarations.preview(row["number"])
        figures = shown.fund_results
        assert set(figures) == {"premiums", "premiums_written", "benefits", "expenses", "investment_income", "reserves"}
        # G of each policy year (premiums are paid for 20 years): the policies' annual premiums
        assert figures["premiums"] == sum(Decimal(p["annual_premium_fen"]) for p in policies) / 100
        assert figures["expenses"] > 0 and figures["reserves"] > 0 and figures["investment_income"] > 0
        # bare policies book nothing: the ledger's figures are those the fund had before them (the suite's
        # database may hold other tests' policies of the insurer)
        assert (figures["premiums_written"], figures["benefits"]) == (
            Decimal(ledger_before["ledger_premiums_fen"]) / 100,
            Decimal(ledger_before["ledger_benefits_fen"]) / 100,
        )

    in_db(body)


def test_the_reconciler_hands_a_stalled_run_to_a_worker_and_leaves_a_live_one_alone(in_db, monkeypatch):
    from datetime import timedelta

    from insure import clock

    async def body():
        await _policies(2)
        row = await declarations.prepare(await _staff(), parse())
        assert ("dividends.run", row["id"]) not in await declaration_run.stalled()  # just prepared
        await Declaration.update(
            {Declaration.run_phase: "contribution", Declaration.run_updated_at: clock.real_now() - timedelta(hours=1)}
        ).where(Declaration.id == row["id"])
        assert ("dividends.run", row["id"]) in await declaration_run.stalled()
        # a runner finding it touched a moment ago leaves it to whoever is running it
        await Declaration.update({Declaration.run_updated_at: clock.real_now()}).where(Declaration.id == row["id"])
        assert (await declaration_run.run(row["id"]))["state"] == "busy"
        assert (await declaration_run.run(row["id"], force=True))["status"] == "prepared"

    in_db(body)
