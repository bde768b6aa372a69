"""Payments through a provider (the built-in sandbox gateway by default)."""

from __future__ import annotations

from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.table import Table

from insure.auth.tables import User
from insure.policies.tables import Policy
from insure.tables_base import currency, fk, money, timestamp_now


class Payment(Table):
    policy = fk(Policy)
    payer = fk(User)
    amount_fen = money()
    currency = currency()
    purpose = Varchar(length=16, default="first_premium")  # first_premium | instalment | reinstatement
    interest_fen = money()  # reinstatement: the interest part of the amount
    instalment_id = Integer(null=True, default=None)  # purpose "instalment": the one it pays
    status = Varchar(length=16, default="pending", index=True)
    provider = Varchar(length=20, default="sandbox")
    gateway_ref = Varchar(length=40, unique=True, index=True)
    card_last4 = Varchar(length=4)
    card_token = Varchar(length=40, default="")  # the gateway's saved card, for automatic premium collection
    failure_code = Varchar(length=40, null=True, default=None)
    # "<payer id>:<client key>" so two customers never collide; request_hash spots a reused key.
    idempotency_key = Varchar(length=120, unique=True, index=True)
    request_hash = Varchar(length=64)
    created_at = timestamp_now()
    settled_at = Timestamptz(null=True, default=None)


class SandboxCharge(Table):
    """The sandbox gateway's own record of a charge — what a real provider would keep on its side."""

    gateway_ref = Varchar(length=40, unique=True, index=True)
    amount_fen = money()
    outcome = Varchar(length=40)  # "succeeded" or a decline code, decided from the test card number
    notified_at = Timestamptz(null=True, default=None)
    created_at = timestamp_now()


class Refund(Table):
    """Money going back to the customer through the gateway (free-look cancellation, later surrender …)."""

    payment = fk(Payment)
    amount_fen = money()
    reason = Varchar(length=40)
    status = Varchar(length=16, default="pending", index=True)
    gateway_ref = Varchar(length=40, unique=True, index=True)
    created_at = timestamp_now()
    settled_at = Timestamptz(null=True, default=None)


class SandboxCard(Table):
    """The sandbox gateway's card vault: a token stands for a card, so premiums can be collected automatically
    without Insure ever storing the card number (as with a real gateway's tokenisation)."""

    token = Varchar(length=40, unique=True, index=True)
    last4 = Varchar(length=4)
    recurring_outcome = Varchar(length=40)  # what automatic charges on this card do
    created_at = timestamp_now()


class SandboxBankAccount(Table):
    """The sandbox gateway's bank-account vault: payouts go to a token, so Insure never keeps account numbers
    (a real gateway or bank tokenises the same way)."""

    token = Varchar(length=40, unique=True, index=True)
    last4 = Varchar(length=4)
    created_at = timestamp_now()


class Payout(Table):
    """Money the insurer pays out to the policyholder's bank account through the gateway (claim benefit, surrender
    value, maturity benefit); posted to the ledger only when the gateway confirms (``insure.payments.payouts``)."""

    payout_key = Varchar(length=60, unique=True, index=True)  # "claim:<claim id>", "surrender:<policy id>" …
    policy = fk(Policy)
    amount_fen = money()
    reason = Varchar(length=20)  # the purpose: claim | surrender | maturity (its expense account: PAYOUT_ACCOUNTS)
    account_last4 = Varchar(length=4, default="")
    account_token = Varchar(length=40, default="")  # the gateway's token for the destination account
    status = Varchar(length=16, default="pending", index=True)
    gateway_ref = Varchar(length=40, unique=True, index=True)
    created_at = timestamp_now()
    settled_at = Timestamptz(null=True, default=None)
