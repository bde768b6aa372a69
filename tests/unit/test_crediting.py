"""Crediting a declared dividend to the policy account, on the real test database: each option's effect on the
account, the general ledger (the control account moves with the accounts' accumulated buckets), the instalments
and the payouts; a rerun changes nothing; a policy in grace keeps its dividend until it pays; a lapsed policy
forfeits it; a declaration not posted credits nothing.

Each test runs inside one transaction rolled back at its end (tests/unit/conftest.py ``in_db``)."""

from __future__ import annotations

from datetime import date

import pytest

from insure.accounts import crediting, dividends
from insure.accounts.model import AllocationStatus, Bucket, DeclarationStatus, EntryKind
from insure.accounts.tables import AccountEntry
from insure.accounts.values import terms_for
from insure.ledger import entries
from insure.outbox import OutboxMessage
from insure.payments import payouts
from insure.payments.model import PaymentStatus
from insure.payments.payout_model import PayoutStatus
from insure.payments.tables import Payment
from insure.policies import premiums
from insure.policies.model import InstalmentStatus, PolicyStatus
from insure.policies.tables import Instalment, Policy
from insure.state_tables import StateEvent
from products import services as products
from tests.conftest import PG_ADMIN
from tests.unit.crediting_setup import (
    EFFECTIVE,
    account,
    accumulated,
    allocation,
    declared,
    dividend_payouts,
    gl,
    instalments,
    par_policy,
)

pytestmark = pytest.mark.skipif(
    bool(PG_ADMIN), reason="PostgreSQL runs create the database for the integration stack; SQLite runs cover this"
)

ANNIVERSARY = date(2025, 3, 1)  # the first anniversary of EFFECTIVE
D = 123_456  # the dividend, fen


async def _notices(allocation_id: int) -> int:
    return await OutboxMessage.count().where(
        (OutboxMessage.task == crediting.NOTICE_TASK) & (OutboxMessage.payload == f"[{allocation_id}]")
    )


async def _entries(policy: dict) -> list[tuple[str, str, int]]:
    rows = await AccountEntry.select().where(AccountEntry.policy == policy["id"]).order_by(AccountEntry.id)
    return [(r["kind"], r["bucket"], r["amount_fen"]) for r in rows]


def test_accumulate_keeps_the_dividend_in_the_account_and_a_rerun_changes_nothing(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("accumulate")
        alloc = await declared(policy, D)
        control = await gl(entries.DIVIDENDS_ACCUMULATED)
        declared_before = await gl(entries.DIVIDENDS_DECLARED)

        assert await crediting.credit_allocation(alloc["id"], ANNIVERSARY - date.resolution) is None  # not yet
        assert await crediting.credit_allocation(alloc["id"], ANNIVERSARY) == "credited"
        after = await account(policy)
        assert after[Bucket.ACCUMULATED] == D and after[Bucket.DIVIDENDS_CREDITED] == D
        assert after[Bucket.PAID_OUT] == 0
        assert await gl(entries.DIVIDENDS_ACCUMULATED) - control == D  # control account = Σ accumulated
        assert await gl(entries.DIVIDENDS_DECLARED) - declared_before == -D
        credited = await allocation(alloc["id"])
        assert (credited["status"], credited["option_applied"]) == (AllocationStatus.CREDITED, "accumulate")
        assert credited["credited_at"] is not None
        assert await _notices(alloc["id"]) == 1
        history = await StateEvent.select().where(
            (StateEvent.aggregate == "dividend_allocation") & (StateEvent.record_id == alloc["id"])
        )
        assert [(h["from_status"], h["to_status"]) for h in history] == [("declared", "credited")]

        assert await crediting.credit_allocation(alloc["id"], ANNIVERSARY) is None  # a rerun
        assert await account(policy) == after
        assert await gl(entries.DIVIDENDS_ACCUMULATED) - control == D
        assert await _notices(alloc["id"]) == 1

    in_db(body)


def test_cash_pays_the_dividend_out_once_and_the_ledger_follows_when_the_gateway_confirms(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("cash")
        alloc = await declared(policy, D)
        control = await gl(entries.DIVIDENDS_ACCUMULATED)
        assert await crediting.credit_allocation(alloc["id"], ANNIVERSARY) == "credited"
        assert await crediting.credit_allocation(alloc["id"], ANNIVERSARY) is None
        after = await account(policy)
        assert (after[Bucket.ACCUMULATED], after[Bucket.PAID_OUT], after[Bucket.DIVIDENDS_CREDITED]) == (0, D, D)
        [payout] = await dividend_payouts(policy)
        assert (payout["payout_key"], payout["amount_fen"], payout["status"]) == (
            f"dividend:{alloc['id']}",
            D,
            PayoutStatus.PENDING,
        )
        # until the gateway confirms, the money is in flight: still in the control account
        assert await gl(entries.DIVIDENDS_ACCUMULATED) - control == D
        await payouts.settle_payout(payout["id"])
        assert await gl(entries.DIVIDENDS_ACCUMULATED) - control == 0 == after[Bucket.ACCUMULATED]
        assert (await allocation(alloc["id"]))["option_applied"] == "cash"

    in_db(body)


def test_cash_without_a_bank_account_holds_the_payout_until_one_is_given(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("cash", bank=False)
        alloc = await declared(policy, D)
        assert await crediting.credit_allocation(alloc["id"], ANNIVERSARY) == "credited"
        [payout] = await dividend_payouts(policy)
        assert payout["status"] == PayoutStatus.ON_HOLD and payout["amount_fen"] == D

    in_db(body)


def test_premium_offset_pays_the_next_instalments_and_leaves_the_excess_in_the_account(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("premium_offset", monthly=True)
        schedule = await instalments(policy, paid_until=ANNIVERSARY)  # 100,000 fen a month
        premium = policy["premium_fen"]
        control, written = await gl(entries.DIVIDENDS_ACCUMULATED), await gl(entries.PREMIUM_WRITTEN)
        alloc = await declared(policy, premium + premium // 2)  # one and a half premiums
        assert await crediting.credit_allocation(alloc["id"], ANNIVERSARY) == "credited"

        rows = {r["number"]: r for r in await premiums.schedule_of(policy["id"])}
        first, second, third = (rows[n] for n in (13, 14, 15))  # 13th: due on the anniversary itself
        assert (first["status"], first["offset_fen"], premiums.to_pay(first)) == (InstalmentStatus.PAID, premium, 0)
        assert first["payment_id"] is None  # paid by dividends: no card charge
        assert (second["status"], second["offset_fen"]) == (InstalmentStatus.DUE, premium // 2)
        assert premiums.to_pay(second) == premium - premium // 2  # what the next charge and notice ask for
        assert third["offset_fen"] == 0
        paid_by = await StateEvent.select(StateEvent.actor).where(
            (StateEvent.aggregate == "instalment") & (StateEvent.record_id == first["id"])
        )
        assert [p["actor"] for p in paid_by] == ["system:dividend_offset"]
        after = await account(policy)
        assert (after[Bucket.ACCUMULATED], after[Bucket.PAID_OUT]) == (0, premium + premium // 2)
        assert await gl(entries.PREMIUM_WRITTEN) - written == premium + premium // 2  # premium income
        assert await gl(entries.DIVIDENDS_ACCUMULATED) - control == 0
        assert len(schedule) == 36

    in_db(body)


def test_premium_offset_skips_an_instalment_a_card_charge_is_waiting_on(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("premium_offset", monthly=True)
        await instalments(policy, paid_until=ANNIVERSARY)
        rows = {r["number"]: r for r in await premiums.schedule_of(policy["id"])}
        await Payment.insert(
            Payment(
                policy=policy["id"],
                payer=policy["customer"],
                amount_fen=policy["premium_fen"],
                purpose="instalment",
                instalment_id=rows[13]["id"],
                status=PaymentStatus.PENDING,
                gateway_ref=f"test-{policy['id']}",
                card_last4="4242",
                idempotency_key=f"test-{policy['id']}",
                request_hash="x",
            )
        )
        alloc = await declared(policy, 1_000)
        await crediting.credit_allocation(alloc["id"], ANNIVERSARY)
        rows = {r["number"]: r for r in await premiums.schedule_of(policy["id"])}
        assert (rows[13]["offset_fen"], rows[14]["offset_fen"]) == (0, 1_000)  # never paid twice

    in_db(body)


def test_premium_offset_on_a_paid_up_policy_stays_accumulated(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("premium_offset", monthly=True)
        await instalments(policy, paid_until=date(2099, 1, 1))  # every premium paid
        alloc = await declared(policy, D)
        assert await crediting.credit_allocation(alloc["id"], ANNIVERSARY) == "credited"
        assert await accumulated(policy) == D

    in_db(body)


def test_paid_up_additions_buy_cover_at_the_net_single_premium_of_the_attained_age(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("paid_up_additions")
        alloc = await declared(policy, D)
        pua, control = await gl(entries.PAID_UP_ADDITIONS), await gl(entries.DIVIDENDS_ACCUMULATED)
        assert await crediting.credit_allocation(alloc["id"], ANNIVERSARY) == "credited"
        product = products.quoted_product(policy)
        nsp = dividends.net_single_premium(product, terms_for(policy, product), 1)
        assert 0 < nsp < 1
        after = await account(policy)
        assert after[Bucket.PUA_SUM_INSURED] == dividends.paid_up_addition(D, nsp) > D  # cover worth more than paid
        assert (after[Bucket.ACCUMULATED], after[Bucket.DIVIDENDS_CREDITED]) == (0, D)
        assert await gl(entries.PAID_UP_ADDITIONS) - pua == D
        assert await gl(entries.DIVIDENDS_ACCUMULATED) - control == 0

    in_db(body)


def test_a_reversionary_bonus_raises_the_cover_and_books_its_cost(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("")
        alloc = await declared(policy, 0, bonus_sum_fen=450_000, bonus_cost_fen=180_000)
        expense, liability = await gl(entries.BONUS_EXPENSE), await gl(entries.REVERSIONARY_BONUSES)
        assert await crediting.credit_allocation(alloc["id"], ANNIVERSARY) == "credited"
        after = await account(policy)
        assert after[Bucket.BONUS_SUM_INSURED] == 450_000 and after[Bucket.ACCUMULATED] == 0
        assert await gl(entries.BONUS_EXPENSE) - expense == -180_000  # an expense: debit-normal
        assert await gl(entries.REVERSIONARY_BONUSES) - liability == 180_000
        assert await _entries(policy) == [(EntryKind.BONUS, Bucket.BONUS_SUM_INSURED, 450_000)]

    in_db(body)


def test_a_debt_left_by_a_reversal_is_made_good_before_the_option_applies(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("cash")
        await AccountEntry.insert(
            AccountEntry(
                entry_key=f"test-reversal:{policy['id']}",
                policy=policy["id"],
                kind=EntryKind.REVERSAL,
                bucket=Bucket.ACCUMULATED,
                amount_fen=-20_000,
                on=EFFECTIVE,
            )
        )
        alloc = await declared(policy, 50_000)
        await crediting.credit_allocation(alloc["id"], ANNIVERSARY)
        [payout] = await dividend_payouts(policy)
        assert payout["amount_fen"] == 30_000
        assert await accumulated(policy) == 0

    in_db(body)


def test_a_policy_in_grace_keeps_its_dividend_until_it_pays(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("accumulate", monthly=True)
        schedule = await instalments(policy, paid_until=date(2025, 2, 1))  # the February premium is unpaid
        alloc = await declared(policy, D)
        assert await crediting.credit_allocation(alloc["id"], ANNIVERSARY) is None  # held
        assert (await allocation(alloc["id"]))["status"] == AllocationStatus.DECLARED
        assert await accumulated(policy) == 0
        overdue = [i["id"] for i in schedule if i["due_date"] < ANNIVERSARY and i["status"] == "due"]
        await premiums.mark_paid(overdue, None)
        assert await crediting.credit_held(policy["id"], ANNIVERSARY) == 1
        assert await accumulated(policy) == D
        assert await crediting.credit_held(policy["id"], ANNIVERSARY) == 0

    in_db(body)


def test_a_lapsed_policy_forfeits_its_dividend_and_an_ended_one_is_left_to_the_exits(in_db) -> None:
    async def body() -> None:
        lapsed = await par_policy("accumulate", status=PolicyStatus.LAPSED)
        alloc = await declared(lapsed, D)
        assert await crediting.credit_allocation(alloc["id"], ANNIVERSARY) == "forfeited"
        assert (await allocation(alloc["id"]))["status"] == AllocationStatus.FORFEITED
        assert await accumulated(lapsed) == 0
        surrendered = await par_policy("accumulate", status=PolicyStatus.SURRENDERED)
        alloc = await declared(surrendered, D)
        assert await crediting.credit_allocation(alloc["id"], ANNIVERSARY) is None
        assert (await allocation(alloc["id"]))["status"] == AllocationStatus.DECLARED

    in_db(body)


def test_nothing_is_credited_from_a_declaration_that_is_not_posted(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("accumulate")
        alloc = await declared(policy, D, status=DeclarationStatus.APPROVED)
        assert await crediting.credit_allocation(alloc["id"], ANNIVERSARY) is None
        assert await accumulated(policy) == 0

    in_db(body)


def test_the_option_in_force_at_crediting_applies(in_db) -> None:
    async def body() -> None:
        policy = await par_policy("accumulate")
        first = await declared(policy, 10_000, year=1)
        await crediting.credit_allocation(first["id"], ANNIVERSARY)
        await Policy.update({Policy.dividend_option: "cash"}).where(Policy.id == policy["id"])
        second = await declared(policy, 20_000, year=2)
        await crediting.credit_allocation(second["id"], date(2026, 3, 1))
        assert [(await allocation(a["id"]))["option_applied"] for a in (first, second)] == ["accumulate", "cash"]
        assert await accumulated(policy) == 10_300  # the first dividend stays, with a year's interest at 3 %
        assert [p["amount_fen"] for p in await dividend_payouts(policy)] == [20_000]
        assert await Instalment.count().where(Instalment.policy == policy["id"]) == 0

    in_db(body)


def test_credit_dividends_runs_daily_after_the_anniversaries_job_and_a_failed_row_can_be_retried() -> None:
    from insure import batch, work
    from insure.worker import celery_app

    names = [j.name for j in batch.jobs()]
    job = batch.get("credit_dividends")
    assert job.after == "anniversaries" and names.index("credit_dividends") > names.index("anniversaries")
    assert job.task in {e["task"] for e in celery_app.conf.beat_schedule.values()}
    assert job.kind in work.KIND_LABELS


def test_the_job_finds_declared_dividends_whose_anniversary_has_come(in_db) -> None:
    async def body() -> None:
        from insure import batch

        job = batch.get("credit_dividends")
        policy = await par_policy("accumulate")
        due = await declared(policy, D, year=1)
        later = await declared(policy, D, year=2)
        unposted = await declared(await par_policy("accumulate"), D, status=DeclarationStatus.APPROVED)
        found = await job.candidates(ANNIVERSARY, due["id"] - 1, 1000)
        assert due["id"] in found and later["id"] not in found and unposted["id"] not in found
        assert await job.row(due["id"], ANNIVERSARY) == "credited"
        assert due["id"] not in await job.candidates(ANNIVERSARY, due["id"] - 1, 1000)

    in_db(body)


def test_a_payment_ending_grace_credits_the_held_dividend_and_a_failure_never_undoes_the_payment(
    in_db, monkeypatch
) -> None:
    from insure import clock, events
    from insure.accounts import handlers

    async def body() -> None:
        policy = await par_policy("accumulate", monthly=True)
        schedule = await instalments(policy, paid_until=date(2025, 2, 1))
        alloc = await declared(policy, D)
        assert await crediting.credit_held(policy["id"], clock.today()) == 0  # in grace: held
        overdue = [i["id"] for i in schedule if i["due_date"] < clock.today() and i["status"] == "due"]
        await premiums.mark_paid(overdue, None)  # what the payment paid (the handler runs after)
        settled = events.PaymentSettled(1, policy["id"], "instalment", overdue[0], policy["premium_fen"])

        async def broken(policy_id: int, day: date | None = None) -> int:
            await AccountEntry.insert(
                AccountEntry(entry_key=f"half-done:{policy_id}", policy=policy_id, kind="dividend", bucket="x", on=day)
            )
            raise RuntimeError("a dividend that cannot be credited")

        monkeypatch.setattr(handlers.crediting, "credit_held", broken)
        await handlers.credit_held_dividends(settled)  # no exception: the payment's transaction goes on
        assert await _entries(policy) == []  # what the failed credit wrote is undone
        monkeypatch.undo()
        await handlers.credit_held_dividends(settled)
        assert await accumulated(policy) == D
        assert (await allocation(alloc["id"]))["status"] == AllocationStatus.CREDITED

    in_db(body)


def test_an_offset_on_a_premium_voided_by_the_end_of_the_policy_goes_back_to_the_account(in_db) -> None:
    async def body() -> None:
        from insure.accounts import applying
        from insure.policies.instalments import void_remaining

        policy = await par_policy("premium_offset", monthly=True)
        await instalments(policy, paid_until=ANNIVERSARY)
        alloc = await declared(policy, policy["premium_fen"] // 4)
        await crediting.credit_allocation(alloc["id"], ANNIVERSARY)
        assert await accumulated(policy) == 0
        control = await gl(entries.DIVIDENDS_ACCUMULATED)
        await void_remaining(policy["id"])  # surrendered: nothing more falls due
        assert await applying.return_unused_offsets(policy, ANNIVERSARY) == policy["premium_fen"] // 4
        assert await applying.return_unused_offsets(policy, ANNIVERSARY) == 0  # once
        assert await accumulated(policy) == policy["premium_fen"] // 4
        assert (await account(policy))[Bucket.PAID_OUT] == 0
        assert await gl(entries.DIVIDENDS_ACCUMULATED) - control == policy["premium_fen"] // 4

    in_db(body)
