"""Claims and their status history."""

from __future__ import annotations

from piccolo.columns import JSON, Date, Text, Timestamptz, Varchar
from piccolo.table import Table

from insure.auth.tables import User
from insure.policies.tables import Policy
from insure.tables_base import currency, fk, money, timestamp_now


class Claim(Table):
    number = Varchar(length=32, unique=True, index=True)
    policy = fk(Policy)
    claimant = fk(User)
    coverage_code = Varchar(length=40, default="")  # the product coverage the claim is made under
    loss_date = Date()
    reported_on = Date()
    description = Text()
    amount_fen = money()
    approved_fen = money()
    currency = currency()
    status = Varchar(length=24, default="submitted", index=True)
    assessment = JSON(default="[]")  # the rules that ran, whether each passed, and why
    calculation = JSON(default="[]")  # the benefit calculation: claimed, after deductible, share, limit
    assigned_to = fk(User, null=True)
    created_at = timestamp_now()
    updated_at = timestamp_now()
    paid_at = Timestamptz(null=True, default=None)
    # "<claimant id>:<Idempotency-Key>" and the request's fingerprint: a retry of the same request (a double click,
    # a lost answer) gets the first claim back, the same key with another request a 409
    request_key = Varchar(length=100, default="", index=True)
    request_hash = Varchar(length=64, default="")
    # the adjuster's decision (issue 10, H5): who decided, when, why (shown to the claimant), the denial's code;
    # an approval above the adjuster's authority is proposed (amount, proposer) and waits for a second person
    decided_by = fk(User, null=True)
    decided_at = Timestamptz(null=True, default=None)
    decision_reason = Varchar(length=255, default="")
    denial_code = Varchar(length=40, default="")
    proposed_fen = money()
    proposed_by = fk(User, null=True)


class ClaimEvent(Table):
    claim = fk(Claim)
    from_status = Varchar(length=24)
    to_status = Varchar(length=24)
    actor = Varchar(length=64)
    reason = Varchar(length=255, default="")
    at = timestamp_now()
