"""Refunds (back to the card that paid): once per payment and reason, never more than the payment nor of a
payment that did not succeed, booked (Dr premium refunds / Cr cash) only when the gateway confirms, once.

On the real test database, each test inside one transaction that is rolled back at its end."""

from __future__ import annotations

import secrets

import pytest

from insure.ledger import entries
from insure.ledger.tables import JournalLine
from insure.payments import services as payments
from insure.payments.model import PaymentStatus, RefundStatus
from insure.payments.tables import Payment, Refund
from tests.conftest import PG_ADMIN
from tests.unit.conftest import bare_policy

pytestmark = pytest.mark.skipif(
    bool(PG_ADMIN), reason="PostgreSQL runs create the database for the integration stack; SQLite runs cover this"
)


async def paid(amount_fen: int, status: str = PaymentStatus.SUCCEEDED) -> dict:
    policy = await bare_policy()
    rows = await Payment.insert(
        Payment(
            policy=policy["id"],
            payer=policy["customer"],
            amount_fen=amount_fen,
            status=status,
            gateway_ref="ch_" + secrets.token_hex(12),
            card_last4="4242",
            idempotency_key=f"test:{secrets.token_hex(8)}",
            request_hash="test",
        )
    ).returning(*Payment.all_columns())
    return rows[0]


async def refund_lines(refund_id: int) -> list[dict]:
    return await JournalLine.select(JournalLine.account.code, JournalLine.debit_fen, JournalLine.credit_fen).where(
        (JournalLine.entry.source_type == "refund") & (JournalLine.entry.source_id == refund_id)
    )


def test_a_refund_is_started_once_per_payment_and_reason_and_booked_once_on_confirmation(in_db) -> None:
    async def body() -> None:
        payment = await paid(120_000)
        first = await payments.start_refund(payment, 119_000, "free_look")
        again = await payments.start_refund(payment, 119_000, "free_look")
        assert again["id"] == first["id"]
        assert await Refund.count().where(Refund.payment == payment["id"]) == 1
        assert await refund_lines(first["id"]) == []  # nothing booked before the gateway confirms
        await payments.settle_refund(first["id"])
        await payments.settle_refund(first["id"])  # a repeated confirmation changes nothing
        lines = await refund_lines(first["id"])
        assert sorted((line["account.code"], line["debit_fen"], line["credit_fen"]) for line in lines) == sorted(
            [(entries.PREMIUM_REFUNDS, 119_000, 0), (entries.CASH_SANDBOX, 0, 119_000)]
        )
        settled = await Refund.select(Refund.status).where(Refund.id == first["id"]).first()
        assert settled["status"] == RefundStatus.SUCCEEDED

    in_db(body)


@pytest.mark.parametrize(
    ("amount", "status"),
    [(120_001, PaymentStatus.SUCCEEDED), (0, PaymentStatus.SUCCEEDED), (1_000, PaymentStatus.FAILED)],
)
def test_a_refund_never_exceeds_the_payment_nor_refunds_one_that_failed(in_db, amount: int, status: str) -> None:
    async def body() -> None:
        payment = await paid(120_000, status)
        with pytest.raises(ValueError):
            await payments.start_refund(payment, amount, "free_look")
        assert await Refund.count().where(Refund.payment == payment["id"]) == 0

    in_db(body)
