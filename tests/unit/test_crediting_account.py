"""Interest on accumulated dividends at each anniversary, withdrawals, option changes and the account a
policyholder reads, on the real test database (each test rolled back at its end)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from insure.accounts import account_service, crediting, interest, options, withdrawals
from insure.accounts.model import DEFAULT_ACCUMULATION_RATE, Bucket, DeclarationStatus
from insure.errors import Conflict, NotFound, ValidationFailed
from insure.events import AnniversaryReached, publish
from insure.ledger import entries
from insure.payments.payout_model import PayoutStatus
from insure.policies.tables import Endorsement, Policy
from tests.conftest import PG_ADMIN
from tests.unit.crediting_setup import accumulated, declared, dividend_payouts, gl, par_policy, plain_policy

pytestmark = pytest.mark.skipif(
    bool(PG_ADMIN), reason="PostgreSQL runs create the database for the integration stack; SQLite runs cover this"
)

ANNIVERSARY = date(2025, 3, 1)


async def _credited(policy: dict, fen: int, year: int = 1, **kw) -> dict:
    alloc = await declared(policy, fen, year=year, **kw)
    assert await crediting.credit_allocation(alloc["id"], alloc["anniversary"]) == "credited"
    return alloc


def _user(policy: dict, role: str = "customer") -> dict:
    return {"id": policy["customer"], "role": role}


def _code(exc: pytest.ExceptionInfo) -> str:
    error = exc.value
    return error.errors[0].code if isinstance(error, ValidationFailed) else error.code


# ------------------------------------------------------------------------------------------------ interest


def test_interest_is_posted_once_a_year_on_the_balance_at_the_latest_posted_rate(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("accumulate")
        await _credited(policy, 100_000, accumulation_rate="0.03")  # a posted declaration at 3 %
        control, expense = await gl(entries.DIVIDENDS_ACCUMULATED), await gl(entries.DIVIDEND_INTEREST)
        await publish(AnniversaryReached(policy["id"], 2))  # as the anniversaries job announces it
        assert await accumulated(policy) == 103_000
        assert await gl(entries.DIVIDENDS_ACCUMULATED) - control == 3_000
        assert await gl(entries.DIVIDEND_INTEREST) - expense == -3_000
        await publish(AnniversaryReached(policy["id"], 2))  # announced again: nothing more
        assert await accumulated(policy) == 103_000
        assert await interest.post_interest(policy["id"], 3) == 3_090  # compound: on last year's interest too
        history = await account_service.merged_history(policy["id"])
        assert [h["kind"] for h in history] == ["dividend", "dividend", "interest", "interest"]
        assert history[2]["on"] == date(2026, 3, 1) and "3 %" in history[2]["memo"]

    in_db(body)


def test_interest_before_any_declaration_is_at_the_default_rate_and_nothing_on_an_empty_account(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("accumulate", insurer_code="no_declaration_yet")
        assert await interest.accumulation_rate("no_declaration_yet") == DEFAULT_ACCUMULATION_RATE
        assert await interest.post_interest(policy["id"], 1) == 0  # nothing accumulated
        await _credited(policy, 40_000)
        assert await interest.accumulation_rate("no_declaration_yet") == Decimal("0.03")
        assert await interest.post_interest(policy["id"], 2) == 1_200

    in_db(body)


# --------------------------------------------------------------------------------------------- withdrawals


def test_a_withdrawal_pays_out_once_per_key_and_never_more_than_the_balance(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("accumulate")
        await _credited(policy, 50_000)
        user = _user(policy)
        control = await gl(entries.DIVIDENDS_ACCUMULATED)
        with pytest.raises(Conflict) as exc:
            await withdrawals.withdraw(user, policy["number"], "500.01", "key-too-much-1")
        assert _code(exc) == "insufficient_balance" and "500.00" in str(exc.value)
        first = await withdrawals.withdraw(user, policy["number"], "120.50", "key-withdraw-1")
        assert (first["amount"], first["accumulated"]) == (Decimal("120.50"), Decimal("379.50"))
        assert first["payout"]["status"] == PayoutStatus.PENDING and first["payout"]["reason"] == "dividend"
        again = await withdrawals.withdraw(user, policy["number"], "120.50", "key-withdraw-1")  # a retry
        assert again["payout"]["id"] == first["payout"]["id"]
        assert await accumulated(policy) == 37_950
        assert [p["amount_fen"] for p in await dividend_payouts(policy)] == [12_050]
        with pytest.raises(Conflict) as exc:
            await withdrawals.withdraw(user, policy["number"], "1.00", "key-withdraw-1")  # same key, other body
        assert _code(exc) == "idempotency_key_reused"
        assert await gl(entries.DIVIDENDS_ACCUMULATED) == control  # booked only when the gateway confirms

    in_db(body)


def test_a_withdrawal_refuses_bad_amounts_others_policies_and_policies_without_an_account(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("accumulate")
        await _credited(policy, 50_000)
        user = _user(policy)
        for bad in ("abc", "0", "-5", "1.234", "", "NaN"):
            with pytest.raises(ValidationFailed) as exc:
                await withdrawals.withdraw(user, policy["number"], bad, "key-bad-amount")
            assert _code(exc) == "amount_invalid", bad
        with pytest.raises(ValidationFailed) as exc:
            await withdrawals.withdraw(user, policy["number"], "1", "short")
        assert _code(exc) == "idempotency_key_invalid"
        other = await plain_policy()
        with pytest.raises(NotFound):
            await withdrawals.withdraw(_user(other), policy["number"], "1.00", "key-not-mine")
        with pytest.raises(Conflict) as exc:
            await withdrawals.withdraw(_user(other), other["number"], "1.00", "key-not-par")
        assert _code(exc) == "not_participating"
        assert await accumulated(policy) == 50_000

    in_db(body)


# ----------------------------------------------------------------------------------------- option changes


def test_an_option_change_is_an_endorsement_and_applies_from_the_next_credit(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("accumulate")
        user = _user(policy)
        await _credited(policy, 10_000, year=1)
        change = await options.change_option(user, policy["number"], "cash")
        assert (change["kind"], change["before"], change["after"]) == (
            "dividend_option",
            {"dividend_option": "accumulate"},
            {"dividend_option": "cash"},
        )
        assert await accumulated(policy) == 10_000  # what was credited before stays where it is
        await _credited(policy, 20_000, year=2)
        assert [p["amount_fen"] for p in await dividend_payouts(policy)] == [20_000]
        with pytest.raises(Conflict) as exc:
            await options.change_option(user, policy["number"], "cash")
        assert _code(exc) == "unchanged"
        for bad in ("bitcoin", ""):
            with pytest.raises(ValidationFailed) as exc:
                await options.change_option(user, policy["number"], bad)
            assert _code(exc) == "option_not_offered"
        with pytest.raises(NotFound):
            await options.change_option(_user(await plain_policy()), policy["number"], "accumulate")
        kinds = await Endorsement.select(Endorsement.kind).where(Endorsement.policy == policy["id"])
        assert [k["kind"] for k in kinds] == ["dividend_option"]

    in_db(body)


def test_no_option_can_be_chosen_where_the_product_offers_none(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("accumulate")
        plain = await plain_policy()  # personal accident: not participating
        with pytest.raises(Conflict) as exc:
            await options.change_option(_user(plain), plain["number"], "cash")
        assert _code(exc) == "not_participating"
        await Policy.update({Policy.status: "surrendered"}).where(Policy.id == policy["id"])
        with pytest.raises(Conflict) as exc:
            await options.change_option(_user(policy), policy["number"], "cash")
        assert _code(exc) == "policy_ended"

    in_db(body)


# ------------------------------------------------------------------------------------- the account read


def test_the_account_shows_values_history_and_each_declaration_to_its_owner_only(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("accumulate")
        await _credited(policy, 30_000, year=1)
        await options.change_option(_user(policy), policy["number"], "paid_up_additions")
        pending = await declared(policy, 99_999, year=2, status=DeclarationStatus.COMPUTING)
        seen = await account_service.account_for(_user(policy), policy["number"], on=date(2025, 6, 1))
        values = seen["values"]
        assert (values.accumulated, values.dividends_credited, values.years) == (
            Decimal("300.00"),
            Decimal("300.00"),
            1,
        )
        assert values.surrender_value == values.guaranteed_cash_value + Decimal("300.00")
        assert seen["option"] == "paid_up_additions" and "cash" in seen["options"]
        assert [h["kind"] for h in seen["history"]] == ["dividend", "dividend", "option_change"]
        assert seen["history"][-1]["before"] == "accumulate"
        [one] = seen["allocations"]  # the year still being computed is not shown
        assert (one["year"], one["dividend"], one["status"], one["option_applied"]) == (
            2025,
            Decimal("300.00"),
            "credited",
            "accumulate",
        )
        assert one["sources"]["interest"] == Decimal("300.00") and pending["id"] != one["id"]
        admin = await account_service.account_for({"id": -1, "role": "admin"}, policy["number"])
        assert admin["policy"]["id"] == policy["id"]
        with pytest.raises(NotFound):
            await account_service.account_for(_user(await plain_policy()), policy["number"])
        plain = await plain_policy()
        with pytest.raises(Conflict):
            await account_service.account_for(_user(plain), plain["number"])
        assert (await account_service.account_for(_user(policy), policy["number"]))["values"].pua_sum_insured == 0
        assert Bucket.ACCUMULATED == "accumulated"

    in_db(body)


def test_interest_comes_before_the_new_dividend_whoever_runs_first(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("accumulate")
        await _credited(policy, 100_000, year=1)  # at 3 %
        await _credited(policy, 50_000, year=2)  # credited before the 2nd anniversary was announced
        assert await accumulated(policy) == 153_000  # 3 % on the 1,000.00 only
        await publish(AnniversaryReached(policy["id"], 2))  # the anniversaries job comes after: nothing more
        assert await accumulated(policy) == 153_000

    in_db(body)


def test_interest_posted_after_the_new_dividend_is_still_on_the_balance_before_it(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("accumulate")
        await _credited(policy, 100_000, year=1)  # the 1st anniversary's interest: nothing was there before
        assert await accumulated(policy) == 100_000
        await publish(AnniversaryReached(policy["id"], 1))  # the announcement comes after the credit
        assert await accumulated(policy) == 100_000  # no interest on the dividend just credited

    in_db(body)


def test_a_policy_not_paid_yet_has_no_account_to_read_or_change(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("accumulate", status="pending_payment", effective_date=None)
        with pytest.raises(Conflict) as exc:
            await account_service.account_for(_user(policy), policy["number"])
        assert _code(exc) == "not_in_force"
        with pytest.raises(Conflict) as exc:
            await options.change_option(_user(policy), policy["number"], "cash")
        assert _code(exc) == "not_in_force"

    in_db(body)


def test_the_account_over_time_has_one_point_a_day_it_moved() -> None:
    history = [
        {"on": date(2025, 3, 1), "bucket": "accumulated", "amount_fen": 1_000},
        {"on": date(2025, 3, 1), "bucket": "dividends_credited", "amount_fen": 1_000},
        {"on": date(2025, 6, 1), "bucket": "", "amount_fen": 0},  # an option change
        {"on": date(2026, 3, 1), "bucket": "accumulated", "amount_fen": 30},
        {"on": date(2026, 4, 2), "bucket": "accumulated", "amount_fen": -500},
        {"on": date(2026, 4, 2), "bucket": "paid_out", "amount_fen": 500},
    ]
    points = account_service.balances_over_time(history)
    assert [(p["on"], p["accumulated"], p["paid_out"], p["dividends_credited"]) for p in points] == [
        (date(2025, 3, 1), 1_000, 0, 1_000),
        (date(2026, 3, 1), 1_030, 0, 1_000),
        (date(2026, 4, 2), 530, 500, 1_000),
    ]
