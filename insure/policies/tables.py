"""Policies and their status history."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, Integer, Timestamptz, Varchar
from piccolo.table import Table

from insure.auth.tables import User
from insure.tables_base import currency, fk, money, timestamp_now


class Policy(Table):
    number = Varchar(length=32, unique=True, index=True)
    customer = fk(User)
    quote_id = Varchar(length=32, index=True)
    application_number = Varchar(length=32, default="", index=True)
    relation = Varchar(length=10, default="self")  # the insured's relation to the policyholder
    beneficiaries = JSON(default="[]")  # [] = the insured's legal heirs
    address = Varchar(length=255, default="")
    contact_mobile = Varchar(length=20, default="")
    contact_email = Varchar(length=254, default="")
    bank_account_last4 = Varchar(length=4, default="")
    bank_account_token = Varchar(length=40, default="")  # the gateway's token for the account; payouts go there
    exclusions = JSON(default="[]")  # [[zh, en], …] agreed at underwriting
    loading = Varchar(length=12, default="0")
    insurer_code = Varchar(length=40)
    product_code = Varchar(length=40, index=True)
    product_version = Varchar(length=20)
    channel = Varchar(length=16, default="direct")
    insured_name = Varchar(length=100)
    insured_id_number = Varchar(length=18, index=True)
    insured_birth_date = Date()
    insured_sex = Varchar(length=6, default="")  # the rating basis of life products (and their dividends)
    smoker = Boolean(default=False)
    occupation_class = Integer(default=1)
    sum_insured_fen = money()
    premium_fen = money()  # one instalment: what each payment charges
    annual_premium_fen = money()  # gross annual premium of the quote
    payments_per_year = Integer(default=1)
    policy_term_years = Integer(null=True, default=None)  # None: whole of life
    premium_term_years = Integer(default=1)
    currency = currency()
    status = Varchar(length=24, default="pending_payment", index=True)
    effective_date = Date(null=True, default=None)
    expiry_date = Date(null=True, default=None)
    issued_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)  # e-delivery of the schedule: the free-look starts here
    ended_at = Timestamptz(null=True, default=None)
    lapsed_on = Date(null=True, default=None)  # reinstatement is possible for two years from this day
    # the anniversary job (insure.policies.jobs): policy years announced (AnniversaryReached) and the next one due
    anniversaries_announced = Integer(default=0)
    next_anniversary = Date(null=True, default=None, index=True)
    renewal_quote_id = Varchar(length=32, default="")  # the renewal offer, made 30 days before expiry
    renewal_of = Varchar(length=32, default="")  # this policy renews that one (cover continues from its expiry)
    # participating products (insure.accounts): how cash dividends are applied; "" for other products
    dividend_option = Varchar(length=20, default="")
    created_at = timestamp_now()


class PolicyEvent(Table):
    policy = fk(Policy)
    from_status = Varchar(length=24)
    to_status = Varchar(length=24)
    actor = Varchar(length=64)
    reason = Varchar(length=255, default="")
    at = timestamp_now()


class Instalment(Table):
    """One premium falling due (the premium schedule, 缴费计划). The first is paid before issue."""

    inst_key = Varchar(length=40, unique=True, index=True)  # "<policy id>:<number>"
    policy = fk(Policy)
    number = Integer()
    due_date = Date(index=True)
    period_start = Date()
    period_end = Date()
    amount_fen = money()
    # the part of amount_fen paid by the policy's dividends (premium offset option, insure.accounts.crediting):
    # what is charged, notified and shown as owed is amount_fen − offset_fen
    offset_fen = money()
    status = Varchar(length=12, default="due", index=True)  # due | paid | void (model.InstalmentStatus)
    payment_id = Integer(null=True, default=None)
    notified_at = Timestamptz(null=True, default=None)  # the due notice went out
    notice_queued_at = Timestamptz(null=True, default=None)  # the billing run queued its due notice (outbox)
    paid_at = Timestamptz(null=True, default=None)


class Endorsement(Table):
    """A change to a policy in force (保全/批改): each one a dated version, with who made it, before and after."""

    policy = fk(Policy)
    kind = Varchar(length=20)  # address | contact | bank_account | beneficiaries
    before = JSON(default="{}")
    after = JSON(default="{}")
    actor = Varchar(length=64)
    insured_consent = Boolean(default=False)  # a beneficiary change the adult insured agreed to (art. 41)
    at = timestamp_now()


class Reinstatement(Table):
    """A request to reinstate a lapsed policy (复效申请): the new health declaration and what became of it.
    Clean answers are accepted at once; a "yes" waits for an underwriter (who, when, why are kept here)."""

    number = Varchar(length=32, unique=True, index=True)
    policy = fk(Policy)
    answers = JSON(default="{}")
    status = Varchar(length=12, index=True)  # accepted | referred | declined
    declared_by = Varchar(length=64)
    declared_at = timestamp_now()
    decided_by = Varchar(length=64, default="")
    decided_at = Timestamptz(null=True, default=None)
    reason = Varchar(length=255, default="")
    notified_at = Timestamptz(null=True, default=None)  # the policyholder was told the underwriter's decision
    request_key = Varchar(length=100, default="", index=True)  # "<user id>:<Idempotency-Key>": a retry replays
