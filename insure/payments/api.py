"""Payment status and the sandbox gateway's webhook."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK

from insure.money import from_fen
from insure.openapi import BEARER_SECURITY, problems
from insure.payments import services
from insure.web.guards import signed_in


class PaymentOut(msgspec.Struct):
    id: str
    policy_number: str
    status: str
    amount: str
    currency: str
    card_last4: str
    failure_code: str | None


def payment_out(pay: dict, policy_number: str) -> PaymentOut:
    return PaymentOut(
        id=pay["gateway_ref"],
        policy_number=policy_number,
        status=pay["status"],
        amount=str(from_fen(pay["amount_fen"])),
        currency=pay["currency"],
        card_last4=pay["card_last4"],
        failure_code=pay["failure_code"],
    )


class NotificationAck(msgspec.Struct):
    payment_id: str
    status: str


class PaymentsController(Controller):
    path = "/api/v1/payments"
    tags = ["payments"]

    @get("/{payment_id:str}", guards=[signed_in], security=BEARER_SECURITY, summary="One payment's status")
    async def get_payment(self, request: Request, payment_id: str) -> PaymentOut:
        pay = await services.get_for(request.scope["user"], payment_id)  # type: ignore[arg-type]
        return payment_out(pay, await services.policy_number_of(pay))

    @post(
        "/sandbox/notifications",
        responses=problems(403, 404, 422),
        status_code=HTTP_200_OK,
        summary="Sandbox gateway webhook",
        description="The gateway posts the payment outcome here, signed with HMAC-SHA256 of the raw body in "
        "`X-Sandbox-Signature`. A bad signature is refused (403); a replay changes nothing.",
    )
    async def notification(
        self, request: Request, signature: Annotated[str, Parameter(header="X-Sandbox-Signature")]
    ) -> NotificationAck:
        pay = await services.apply_notification(await request.body(), signature)
        return NotificationAck(payment_id=pay["gateway_ref"], status=pay["status"])
