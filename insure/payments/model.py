"""Payment and refund lifecycles (pure): what the gateway's answers may do to a charge and to a refund."""

from __future__ import annotations

from enum import StrEnum

from insure.errors import N_
from insure.state_machine import lifecycle


class PaymentStatus(StrEnum):
    """A charge at the gateway: pending until its signed notification says how it ended."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


PAYMENT_TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.PENDING: frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.FAILED}),
    PaymentStatus.SUCCEEDED: frozenset(),
    PaymentStatus.FAILED: frozenset(),
}

PAYMENT = lifecycle(
    "payment",
    PaymentStatus,
    PAYMENT_TRANSITIONS,
    {PaymentStatus.PENDING},
    refusal=N_("This is not possible while the payment is %(status)s."),
)


class RefundStatus(StrEnum):
    """Money sent back through the gateway; booked only when the gateway confirms it."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"


REFUND_TRANSITIONS: dict[RefundStatus, frozenset[RefundStatus]] = {
    RefundStatus.PENDING: frozenset({RefundStatus.SUCCEEDED}),
    RefundStatus.SUCCEEDED: frozenset(),
}

REFUND = lifecycle(
    "refund",
    RefundStatus,
    REFUND_TRANSITIONS,
    {RefundStatus.PENDING},
    refusal=N_("This is not possible while the refund is %(status)s."),
)
