"""The participating account at an exit, on the test database (rolled back): given an account with dividends,
paid-up additions and a dividend declared for the current year, when the policy is surrendered, then the quote is
account_values' surrender value + the days' interest + the pro-rata dividend, the account is emptied once, the
declared dividend is settled, and the exit's journal entry releases the control accounts."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import pytest

from insure import clock
from insure.accounts import exits
from insure.accounts.balances import balances
from insure.accounts.model import AllocationStatus, DeclarationStatus
from insure.accounts.tables import AccountEntry, Declaration, DividendAllocation
from insure.accounts.values import account_values
from insure.errors import Conflict
from insure.ledger.tables import JournalEntry, JournalLine
from insure.money import to_fen
from insure.policies.billing import policy_anniversary
from tests.unit.conftest import InDb, bare_policy


async def _participating(effective: date) -> dict:
    return await bare_policy(
        product_code="wl_par_huaxia",
        product_version="2026-01-01",
        insurer_code="huaxia_mutual",
        insured_sex="male",
        insured_birth_date=date(1985, 5, 5),
        effective_date=effective,
        sum_insured_fen=10_000_000,
        policy_term_years=None,
        premium_term_years=10,
        dividend_option="paid_up_additions",
        anniversaries_announced=2,
    )


async def _declaration(policy: dict, year: int) -> int:
    rows = await Declaration.insert(
        Declaration(
            number=f"DV-T-{secrets.token_hex(4)}",
            insurer_code="huaxia_mutual",
            year=year,
            status=DeclarationStatus.POSTED,
            investment_yield="0.05",
            mortality_ratio="0.9",
            expense_ratio="0.9",
            accumulation_rate="0.03",
            prepared_by=policy["customer"],
        )
    ).returning(Declaration.id)
    return rows[0]["id"]


async def _allocation(policy: dict, declaration: int, year: int, status: str, fen: int, option: str = "") -> int:
    rows = await DividendAllocation.insert(
        DividendAllocation(
            alloc_key=f"{declaration}:{policy['id']}:{year}",
            declaration=declaration,
            policy=policy["id"],
            policy_year=year,
            anniversary=policy_anniversary(policy["effective_date"], year),
            style="cash",
            dividend_fen=fen,
            status=status,
            option_applied=option,
        )
    ).returning(DividendAllocation.id)
    return rows[0]["id"]


async def _entry(policy: dict, key: str, bucket: str, fen: int, kind: str = "dividend") -> None:
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


async def _account(today: date) -> tuple[dict, int]:
    """A policy two years and 100 days old: 100.00 held, paid-up additions of 300.00 bought for 90.00, and
    70.00 declared for the third policy year (not yet credited)."""
    policy = await _participating(policy_anniversary(today, -2) - timedelta(days=100))
    declaration = await _declaration(policy, today.year)
    await _allocation(policy, declaration, 2, AllocationStatus.CREDITED, 9_000, "paid_up_additions")
    declared = await _allocation(policy, declaration, 3, AllocationStatus.DECLARED, 7_000)
    await _entry(policy, "acc", "accumulated", 10_000)
    await _entry(policy, "pua", "pua_sum_insured", 30_000, "pua_purchase")
    await _entry(policy, "credited", "dividends_credited", 19_000)
    return policy, declared


def test_a_surrender_pays_the_account_and_settles_it_once(in_db: InDb) -> None:
    async def body() -> None:
        today = clock.today()
        policy, declared = await _account(today)
        values = await account_values(policy, today)
        quote = await exits.exit_quote(policy, "surrender", today)

        last = policy_anniversary(policy["effective_date"], 2)
        year_days = (policy_anniversary(policy["effective_date"], 3) - last).days
        assert quote.interest_fen == round(10_000 * 0.03 * (today - last).days / year_days)
        assert quote.pro_rata_fen == round(7_000 * (today - last).days / year_days)
        assert quote.total_fen == to_fen(values.surrender_value) + quote.interest_fen + quote.pro_rata_fen
        assert quote.pua_book_fen == 9_000

        await exits.settle(policy, quote, "test")
        await exits.settle(policy, quote, "test")  # a retry changes nothing

        held = await balances(policy["id"])
        assert held["accumulated"] == 0 and held["pua_sum_insured"] == 0
        assert held["paid_out"] == quote.account_fen
        allocation = await DividendAllocation.select().where(DividendAllocation.id == declared).first()
        assert allocation["status"] == AllocationStatus.SETTLED
        assert allocation["settled_fen"] == quote.pro_rata_fen
        entry = await JournalEntry.select().where(JournalEntry.idempotency_key == f"account_exit:{policy['id']}")
        assert len(entry) == 1
        lines = await JournalLine.select().where(JournalLine.entry == entry[0]["id"])
        assert sum(x["debit_fen"] for x in lines) == sum(x["credit_fen"] for x in lines) > 0

    in_db(body)


def test_a_free_look_cancellation_is_refused_when_the_account_is_not_empty(in_db: InDb) -> None:
    async def body() -> None:
        today = clock.today()
        empty = await _participating(today - timedelta(days=5))
        await exits.check_empty_for_free_look(empty)  # the usual case: nothing to reverse
        policy, _ = await _account(today)
        with pytest.raises(Conflict) as refused:
            await exits.check_empty_for_free_look(policy)
        assert refused.value.code == "account_not_empty"

    in_db(body)


def test_a_lapse_forfeits_the_dividend_declared_and_not_yet_credited(in_db: InDb) -> None:
    async def body() -> None:
        policy, declared = await _account(clock.today())
        assert await exits.forfeit_declared(policy["id"], "test") == 1
        allocation = await DividendAllocation.select().where(DividendAllocation.id == declared).first()
        assert allocation["status"] == AllocationStatus.FORFEITED
        assert await exits.forfeit_declared(policy["id"], "test") == 0

    in_db(body)


def test_the_death_cover_adds_the_paid_up_additions(in_db: InDb) -> None:
    async def body() -> None:
        policy, _ = await _account(clock.today())
        death = type("Cover", (), {"benefit": "death"})()
        medical = type("Cover", (), {"benefit": "medical"})()
        assert await exits.extra_cover(policy, death, clock.today()) == 300  # 300.00 of additions, no bonus
        assert await exits.extra_cover(policy, medical, clock.today()) == 0

    in_db(body)


def test_at_maturity_the_additions_pay_their_sum_insured_and_the_dividends_held_come_too(in_db: InDb) -> None:
    async def body() -> None:
        matures = clock.today()
        policy = await bare_policy(
            product_code="endow_par_huaxia",
            product_version="2026-01-01",
            insurer_code="huaxia_mutual",
            insured_sex="female",
            insured_birth_date=date(1980, 2, 2),
            effective_date=policy_anniversary(matures, -10),
            sum_insured_fen=10_000_000,
            policy_term_years=10,
            premium_term_years=10,
            anniversaries_announced=10,  # the last year's interest was posted at the maturity anniversary
        )
        await _entry(policy, "acc", "accumulated", 10_000)
        await _entry(policy, "pua", "pua_sum_insured", 30_000, "pua_purchase")
        quote = await exits.exit_quote(policy, "maturity", on=matures, base_fen=0)
        assert quote.pua_value_fen == 30_000  # at the end of an endowment, paid-up cover is worth its sum insured
        assert quote.interest_fen == 0
        assert quote.total_fen == 40_000

    in_db(body)


def test_a_paid_death_claim_settles_the_account_and_pays_the_dividends_held_to_the_policyholder(in_db: InDb) -> None:
    from claims.tables import Claim
    from insure.accounts.exit_handlers import settle_account_on_death
    from insure.events import PayoutConfirmed
    from insure.payments.tables import Payout

    async def body() -> None:
        today = clock.today()
        policy, declared = await _account(today)
        rows = await Claim.insert(
            Claim(
                number=f"CTEST{secrets.token_hex(4)}",
                policy=policy["id"],
                claimant=policy["customer"],
                coverage_code="death",
                loss_date=today,
                reported_on=today,
                description="the insured died",
                status="approved",
            )
        ).returning(Claim.id)
        event = PayoutConfirmed(
            payout_id=0, payout_key=f"claim:{rows[0]['id']}", purpose="claim", policy_id=policy["id"], amount_fen=1
        )
        await settle_account_on_death(event)
        held = await balances(policy["id"])
        assert held["accumulated"] == 0 and held["pua_sum_insured"] == 0  # the claim paid the additions' cover
        payout = await Payout.select().where(Payout.payout_key == f"death_account:{policy['id']}").first()
        allocation = await DividendAllocation.select().where(DividendAllocation.id == declared).first()
        assert payout["amount_fen"] > 10_000  # 100.00 held + the days' interest + this year's pro-rata dividend
        last = policy_anniversary(policy["effective_date"], 2)
        year_days = (policy_anniversary(policy["effective_date"], 3) - last).days
        interest = round(10_000 * 0.03 * (today - last).days / year_days)
        assert allocation["status"] == AllocationStatus.SETTLED and allocation["settled_fen"] > 0
        assert payout["amount_fen"] == 10_000 + interest + allocation["settled_fen"]
        assert payout["reason"] == "claim"  # booked like the claim: the exit entry moved it onto the account
        await settle_account_on_death(event)  # a second confirmation changes nothing
        assert await Payout.count().where(Payout.payout_key == f"death_account:{policy['id']}") == 1

    in_db(body)
