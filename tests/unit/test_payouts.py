"""The one payout path, on the real test database: a payout is made once per key, held without a bank account
and sent when one is given, booked (a balanced Dr expense / Cr cash) only when the gateway confirms, and the
confirmation publishes PayoutConfirmed exactly once, even when the settlement runs twice. A claim's payout moves
the claim to paid through that event.

Each test runs inside one transaction that is rolled back at its end, so nothing it writes stays behind (no
rows, no outbox messages for the integration stack's worker)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from claims import services as claims
from claims.model import ClaimStatus
from claims.tables import Claim, ClaimEvent
from insure import clock, events, tasks
from insure.auth.tables import User
from insure.ledger import entries
from insure.ledger.tables import JournalEntry, JournalLine
from insure.outbox import OutboxMessage
from insure.payments import payouts
from insure.payments.gateway import payout_gateway
from insure.payments.payout_model import PAYOUT, PayoutStatus, key_subject, payout_key
from insure.payments.tables import Payout
from insure.policies.tables import Policy
from insure.state import IllegalTransition, transition
from insure.state_tables import StateEvent
from tests.conftest import PG_ADMIN

pytestmark = pytest.mark.skipif(
    bool(PG_ADMIN), reason="PostgreSQL runs create the database for the integration stack; SQLite runs cover this"
)

ACCOUNT = "6222020200112233445"


@pytest.fixture()
def confirmed() -> Iterator[list[events.PayoutConfirmed]]:
    """Every PayoutConfirmed published while the test runs."""
    seen: list[events.PayoutConfirmed] = []

    async def record(event: events.PayoutConfirmed) -> None:
        seen.append(event)

    events.handles(events.PayoutConfirmed)(record)
    yield seen
    events._handlers[events.PayoutConfirmed].remove(record)


async def _policy(with_account: bool = True) -> dict:
    tag = secrets.token_hex(6)
    user = (
        await User.insert(User(email=f"payee-{tag}@example.test", password_hash="x", name="Payee")).returning(User.id)
    )[0]
    token = await payouts.vault_bank_account(ACCOUNT) if with_account else ""
    rows = await Policy.insert(
        Policy(
            number=f"PTEST{tag}".upper(),
            customer=user["id"],
            quote_id=f"q{tag}",
            insurer_code="test",
            product_code="pa_basic",
            product_version="2026-01-01",
            insured_name="Payee",
            insured_id_number=tag,
            insured_birth_date=date(1988, 3, 9),
            status="in_force",
            bank_account_last4=ACCOUNT[-4:] if with_account else "",
            bank_account_token=token,
        )
    ).returning(*Policy.all_columns())
    return rows[0]


async def _messages(payout_id: int) -> int:
    return await OutboxMessage.count().where(
        (OutboxMessage.task == payout_gateway().confirmation_task) & (OutboxMessage.payload == f"[{payout_id}]")
    )


async def _entry_lines(key: str) -> list[tuple[str, int, int]]:
    rows = await JournalLine.select(JournalLine.account.code, JournalLine.debit_fen, JournalLine.credit_fen).where(
        JournalLine.entry.idempotency_key == key
    )
    return sorted((r["account.code"], r["debit_fen"], r["credit_fen"]) for r in rows)


async def _history(payout_id: int) -> list[tuple[str, str]]:
    rows = (
        await StateEvent.select(StateEvent.from_status, StateEvent.to_status)
        .where((StateEvent.aggregate == "payout") & (StateEvent.record_id == payout_id))
        .order_by(StateEvent.id)
    )
    return [(r["from_status"], r["to_status"]) for r in rows]


async def _get(payout_id: int) -> dict:
    return await Payout.select().where(Payout.id == payout_id).first()


def test_the_payout_lifecycle_is_a_sound_graph_and_its_keys_name_their_subject() -> None:
    assert PAYOUT.problems() == []
    assert PAYOUT.terminal == {PayoutStatus.SUCCEEDED}
    assert PAYOUT.allows("on_hold", "pending") and PAYOUT.allows("failed", "pending")
    assert not PAYOUT.allows("succeeded", "pending") and not PAYOUT.allows("on_hold", "succeeded")
    assert payout_key("claim", 42) == "claim:42"
    assert key_subject("claim:42") == ("claim", 42) and key_subject("bonus") == ("bonus", None)


def test_a_payout_is_made_once_per_key(in_db) -> None:
    async def body() -> None:
        policy = await _policy()
        first = await payouts.start_payout(policy, 12_345, "surrender")
        again = await payouts.start_payout(policy, 99_999, "surrender")  # same key: the first payout
        assert first is not None and again is not None and again["id"] == first["id"]
        assert (first["payout_key"], first["status"], first["amount_fen"]) == (
            f"surrender:{policy['id']}",
            "pending",
            12_345,
        )
        assert await Payout.count().where(Payout.policy == policy["id"]) == 1
        assert await _messages(first["id"]) == 1  # sent to the gateway once
        assert await _history(first["id"]) == [("", "pending")]
        # another key on the same policy is another payout
        other = await payouts.start_payout(policy, 500, "claim", key="claim:123456789")
        assert other is not None and other["id"] != first["id"]
        assert await payouts.start_payout(policy, 0, "maturity") is None  # nothing owed, nothing paid

    in_db(body)


def test_held_without_an_account_and_resent_when_one_is_given(in_db, confirmed) -> None:
    async def body() -> None:
        policy = await _policy(with_account=False)
        held = await payouts.start_payout(policy, 80_000, "maturity")
        assert held is not None and held["status"] == payouts.ON_HOLD and held["account_token"] == ""
        assert await _messages(held["id"]) == 0  # nothing sent anywhere
        assert await payouts.payouts_awaiting_account(policy["id"])
        await payouts.settle_payout(held["id"])  # a stray confirmation changes nothing
        assert (await _get(held["id"]))["status"] == "on_hold" and confirmed == []
        assert await _entry_lines(f"payout:{held['id']}") == []

        token = await payouts.vault_bank_account("6217000011112222333")
        given = {**policy, "bank_account_token": token, "bank_account_last4": "2333"}
        assert await payouts.resend_payouts(given, actor="user:1") == 1
        sent = await _get(held["id"])
        assert (sent["status"], sent["account_token"], sent["account_last4"]) == ("pending", token, "2333")
        assert sent["gateway_ref"] != held["gateway_ref"]
        assert await _messages(held["id"]) == 1
        assert not await payouts.payouts_awaiting_account(policy["id"])
        assert await payouts.resend_payouts(given) == 0  # nothing left to send

        await payouts.settle_payout(held["id"])
        assert (await _get(held["id"]))["status"] == "succeeded"
        assert await _history(held["id"]) == [("", "on_hold"), ("on_hold", "pending"), ("pending", "succeeded")]

    in_db(body)


def test_a_transfer_the_bank_returns_is_failed_unbooked_and_sent_again_to_a_new_account(in_db, confirmed) -> None:
    async def body() -> None:
        policy = await _policy()
        unknown = {**policy, "bank_account_token": "ba_the_gateway_never_issued"}
        payout = await payouts.start_payout(unknown, 7_000, "surrender")
        await payouts.settle_payout(payout["id"])
        returned = await _get(payout["id"])
        assert returned["status"] == "failed" and returned["settled_at"] is not None
        assert await _entry_lines(f"payout:{payout['id']}") == [] and confirmed == []
        assert await payouts.payouts_awaiting_account(policy["id"])

        assert await payouts.resend_payouts(policy) == 1
        await payouts.settle_payout(payout["id"])
        assert (await _get(payout["id"]))["status"] == "succeeded"
        assert [e.payout_id for e in confirmed] == [payout["id"]]

    in_db(body)


def test_booked_only_when_the_gateway_confirms_as_one_balanced_entry(in_db) -> None:
    async def body() -> None:
        policy = await _policy()
        payout = await payouts.start_payout(policy, 250_000, "surrender")
        key = f"payout:{payout['id']}"
        assert await _entry_lines(key) == []  # sent is not paid: nothing booked yet
        await payouts.settle_payout(payout["id"])
        lines = await _entry_lines(key)
        assert lines == sorted([(entries.SURRENDER_VALUES, 250_000, 0), (entries.CASH_SANDBOX, 0, 250_000)])
        assert sum(d for _, d, _ in lines) == sum(c for _, _, c in lines)
        entry = await JournalEntry.select().where(JournalEntry.idempotency_key == key).first()
        assert (entry["source_type"], entry["source_id"]) == ("payout", payout["id"])
        assert payout["gateway_ref"] in entry["memo"]

    in_db(body)


def test_confirmation_publishes_payout_confirmed_exactly_once_when_settle_runs_twice(in_db, confirmed) -> None:
    async def body() -> None:
        policy = await _policy()
        payout = await payouts.start_payout(policy, 4_200, "maturity")
        await payouts.settle_payout(payout["id"])
        await payouts.settle_payout(payout["id"])  # a redelivered confirmation
        assert confirmed == [
            events.PayoutConfirmed(
                payout_id=payout["id"],
                payout_key=f"maturity:{policy['id']}",
                purpose="maturity",
                policy_id=policy["id"],
                amount_fen=4_200,
            )
        ]
        assert await JournalEntry.count().where(JournalEntry.idempotency_key == f"payout:{payout['id']}") == 1
        assert await _history(payout["id"]) == [("", "pending"), ("pending", "succeeded")]
        with pytest.raises(IllegalTransition):  # a confirmed payout is final
            await transition(Payout, payout["id"], "succeeded", "pending", machine=PAYOUT, actor="test")

    in_db(body)


def test_stuck_payouts_are_the_sent_ones_unconfirmed_for_too_long(in_db) -> None:
    async def body() -> None:
        policy = await _policy()
        late = await payouts.start_payout(policy, 100, "surrender")
        fresh = await payouts.start_payout(policy, 100, "maturity")
        long_ago = clock.now() - timedelta(hours=1)
        await Payout.update({Payout.created_at: long_ago}).where(Payout.id.is_in([late["id"], fresh["id"]]))
        await StateEvent.update({StateEvent.at: long_ago}).where(
            (StateEvent.aggregate == "payout") & (StateEvent.record_id == late["id"])
        )
        stuck = await payouts.stuck_payouts()
        assert late["id"] in stuck and fresh["id"] not in stuck  # fresh was (re)sent just now
        await payouts.settle_payout(late["id"])
        assert late["id"] not in await payouts.stuck_payouts()

    in_db(body)


def test_a_claim_is_paid_only_when_its_payout_is_confirmed_and_only_once(in_db, confirmed) -> None:
    async def body() -> None:
        policy = await _policy()
        rows = await Claim.insert(
            Claim(
                number=f"CTEST{secrets.token_hex(5)}".upper(),
                policy=policy["id"],
                claimant=policy["customer"],
                coverage_code="accidental_medical",
                loss_date=clock.today(),
                reported_on=clock.today(),
                description="a test claim",
                amount_fen=100_000,
                approved_fen=90_000,
                status=ClaimStatus.APPROVED,
            )
        ).returning(Claim.id)
        claim_id = rows[0]["id"]
        await claims.pay(claim_id)
        await claims.pay(claim_id)  # the step run again: still one payout
        payout = await claims.payout_of(claim_id)
        assert (payout["payout_key"], payout["status"], payout["amount_fen"]) == (
            f"claim:{claim_id}",
            "pending",
            90_000,
        )
        assert payout["account_last4"] == ACCOUNT[-4:] and payout["sent_at"] is not None
        claim = await Claim.select().where(Claim.id == claim_id).first()
        assert claim["status"] == "approved" and claim["paid_at"] is None  # sent is not paid
        # unconfirmed for too long: the reconciler asks the gateway again (and does not start a second payout)
        long_ago = clock.now() - timedelta(hours=1)
        await Claim.update({Claim.updated_at: long_ago}).where(Claim.id == claim_id)
        await Payout.update({Payout.created_at: long_ago}).where(Payout.id == payout["id"])
        await StateEvent.update({StateEvent.at: long_ago}).where(
            (StateEvent.aggregate == "payout") & (StateEvent.record_id == payout["id"])
        )
        assert (payout_gateway().confirmation_task, payout["id"]) in await claims.stuck()
        assert ("claims.pay", claim_id) not in await claims.stuck()
        assert (payout_gateway().confirmation_task, payout["id"]) in await tasks.stuck_work()

        await payouts.settle_payout(payout["id"])
        await payouts.settle_payout(payout["id"])
        claim = await Claim.select().where(Claim.id == claim_id).first()
        assert claim["status"] == "paid" and claim["paid_at"] is not None
        moves = await ClaimEvent.select(ClaimEvent.from_status, ClaimEvent.to_status).where(
            ClaimEvent.claim == claim_id
        )
        assert [(m["from_status"], m["to_status"]) for m in moves] == [("approved", "paid")]
        assert len(confirmed) == 1
        # booked against the claim, to claims paid, as the claim payment always was
        entry = await JournalEntry.select().where(JournalEntry.idempotency_key == f"payout:{payout['id']}").first()
        assert (entry["source_type"], entry["source_id"]) == ("claim", claim_id)
        assert await _entry_lines(f"payout:{payout['id']}") == sorted(
            [(entries.CLAIMS_PAID, 90_000, 0), (entries.CASH_SANDBOX, 0, 90_000)]
        )

    in_db(body)


def test_a_claim_on_a_policy_without_an_account_waits_with_its_payout_held(in_db) -> None:
    async def body() -> None:
        policy = await _policy(with_account=False)
        claim_id = (
            await Claim.insert(
                Claim(
                    number=f"CTEST{secrets.token_hex(5)}".upper(),
                    policy=policy["id"],
                    claimant=policy["customer"],
                    loss_date=clock.today(),
                    reported_on=clock.today(),
                    description="a test claim",
                    amount_fen=5_000,
                    approved_fen=5_000,
                    status=ClaimStatus.APPROVED,
                    updated_at=clock.now() - timedelta(hours=1),
                )
            ).returning(Claim.id)
        )[0]["id"]
        assert ("claims.pay", claim_id) in await claims.stuck()  # approved, payment step never ran
        await claims.pay(claim_id)
        payout = await claims.payout_of(claim_id)
        assert payout["status"] == "on_hold" and payout["sent_at"] is None
        assert (await Claim.select(Claim.status).where(Claim.id == claim_id).first())["status"] == "approved"
        assert [s for s in await claims.stuck() if s[1] in (claim_id, payout["id"])] == []  # waits for the customer

    in_db(body)
