"""The payout gateway: the one thing that moves money out to a bank account, behind a small interface.

Insure talks to it in two moments. ``send_transfer`` asks it (inside the business transaction, so through the
outbox) to pay a payout to a tokenised account; later its confirmation arrives and ``transfer_outcome`` says
what became of the transfer, which ``insure.payments.payouts.settle_payout`` books. The built-in sandbox plays
a bank: it knows the accounts it tokenised and confirms transfers to them from a worker task. A real gateway
implements the same protocol (its webhook handler calls ``settle_payout`` with the payout it names).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from insure import clock, outbox
from insure.ledger import entries
from insure.payments.tables import SandboxBankAccount


@dataclass(frozen=True)
class TransferOutcome:
    """What the gateway says happened to a transfer."""

    succeeded: bool
    failure_code: str = ""


class PayoutGateway(Protocol):
    name: str  # named in ledger memos and actors, e.g. "sandbox"
    cash_account: str  # the ledger account the money leaves from
    confirmation_task: str  # the worker task that asks for a transfer's confirmation (the reconciler resends it)

    async def vault_bank_account(self, digits: str) -> str:
        """Hand an account number to the gateway; return its token (Insure keeps only the token and last 4)."""
        ...

    async def send_transfer(self, payout: dict) -> None:
        """Ask for ``payout['amount_fen']`` to go to ``payout['account_token']`` under our reference
        ``payout['gateway_ref']``; inside the caller's transaction, so the request leaves through the outbox."""
        ...

    async def transfer_outcome(self, payout: dict) -> TransferOutcome:
        """The gateway's answer about a sent transfer (the confirmation path)."""
        ...


class SandboxPayoutGateway:
    """The sandbox bank: transfers to accounts it tokenised succeed, any other token is returned."""

    name = "sandbox"
    cash_account = entries.CASH_SANDBOX
    confirmation_task = "payments.sandbox_payout"

    async def vault_bank_account(self, digits: str) -> str:
        token = "ba_" + secrets.token_hex(12)
        await SandboxBankAccount.insert(SandboxBankAccount(token=token, last4=digits[-4:], created_at=clock.now()))
        return token

    async def send_transfer(self, payout: dict) -> None:
        await outbox.enqueue(self.confirmation_task, payout["id"])

    async def transfer_outcome(self, payout: dict) -> TransferOutcome:
        if await SandboxBankAccount.exists().where(SandboxBankAccount.token == payout["account_token"]):
            return TransferOutcome(True)
        return TransferOutcome(False, "account_unknown")


SANDBOX = SandboxPayoutGateway()
_current: PayoutGateway = SANDBOX


def payout_gateway() -> PayoutGateway:
    """The gateway payouts go through (the sandbox until a real one is configured)."""
    return _current


def new_reference() -> str:
    """Our reference for one transfer attempt, sent with it and echoed in the gateway's answer."""
    return "po_" + secrets.token_hex(12)
