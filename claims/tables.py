"""Claims and their status history."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, Integer, Text, Timestamptz, Varchar
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
    # --- the claims workflow (issue 10) ---
    event_end_date = Date(null=True, default=None)  # the day of discharge, for benefits paid per day in hospital
    complete_on = Date(null=True, default=None)  # every required document received: the decision clock starts
    documents_requested_at = Timestamptz(null=True, default=None)  # missing documents asked for, once, together
    info_requested_at = Timestamptz(null=True, default=None)  # an adjuster's open request for more information
    paused_days = Integer(default=0)  # days the decision clock stood still while information was requested
    reserve_fen = money()  # the case reserve now held for this claim (booked to the ledger, released at the end)
    fraud_score = Integer(default=0)  # the weighted sum of the fraud signals that fired
    signals = JSON(default="[]")  # each signal: code, fired, weight, explanation with its figures
    ruleset_version = Varchar(length=40, default="")  # the version of the rules and weights that assessed it
    referral_reasons = JSON(default="[]")  # why automation could not settle it and how it was assigned
    reopened_at = Timestamptz(null=True, default=None)


class ClaimInvoice(Table):
    """One itemised invoice of an expense claim: its number and issuer, the day, the amount billed and the part
    social medical insurance already paid."""

    claim = fk(Claim)
    number = Varchar(length=40, index=True)
    issuer = Varchar(length=120)
    issued_on = Date()
    amount_fen = money()
    social_insurance_fen = money()
    created_at = timestamp_now()


class ClaimDocument(Table):
    """A file the claimant (or staff) gave for a claim: typed from its content, fingerprinted, kept in the
    document store (``path`` relative to DOCUMENT_DIR)."""

    claim = fk(Claim)
    doc_type = Varchar(length=40)  # claims.kinds.DOCUMENT_TYPES
    filename = Varchar(length=120)  # the name as uploaded, cleaned; never used as a path
    content_type = Varchar(length=60)  # from the bytes, not the name
    size_bytes = Integer()
    sha256 = Varchar(length=64, index=True)
    path = Varchar(length=255)
    uploaded_by = fk(User)
    uploaded_at = timestamp_now()


class ClaimNote(Table):
    """An adjuster's internal note on a claim (never shown to the claimant)."""

    claim = fk(Claim)
    author = fk(User)
    body = Text()
    at = timestamp_now()


class ClaimDeadline(Table):
    """A statutory clock on a claim (Insurance Law art. 22-25): from when it runs, when it is due, when the adjuster
    was warned (80 %), when it was escalated to the manager (passed) and when it was met."""

    claim = fk(Claim)
    kind = Varchar(length=24)  # decide, pay, denial_notice, documents_notice
    starts_on = Date()
    due_on = Date(index=True)
    warned_at = Timestamptz(null=True, default=None)
    escalated_at = Timestamptz(null=True, default=None)
    met_at = Timestamptz(null=True, default=None)


class ClaimEvent(Table):
    claim = fk(Claim)
    from_status = Varchar(length=24)
    to_status = Varchar(length=24)
    actor = Varchar(length=64)
    reason = Varchar(length=255, default="")
    at = timestamp_now()


class ClaimsStaff(Table):
    """An adjuster's place in the claims team: the kinds of claims they handle (claims.kinds codes; none listed:
    every kind), whether they are a claims manager (confirms approvals above others' authority, gets escalations,
    sees the team) and the team. An adjuster without a row handles every kind and is not a manager."""

    user = fk(User)
    skills = JSON(default="[]")
    manager = Boolean(default=False)
    team = Varchar(length=40, default="claims")
