"""Applications and their audit trail (every status change: who, when, from, to, why)."""

from __future__ import annotations

from piccolo.columns import JSON, Date, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from insure.auth.tables import User
from insure.tables_base import fk, money, timestamp_now


class Application(Table):
    number = Varchar(length=32, unique=True, index=True)
    quote_id = Varchar(length=32, index=True)
    customer = fk(User)  # the policyholder
    product_code = Varchar(length=40)
    product_type = Varchar(length=40, index=True)
    status = Varchar(length=16, index=True)
    relation = Varchar(length=10, default="self")
    insured_name = Varchar(length=100)
    insured_id_number = Varchar(length=18, index=True)  # recognises the same person across applications
    insured_birth_date = Date()
    insured_sex = Varchar(length=6)
    occupation_class = Integer(default=1)
    height_cm = Integer()
    weight_kg = Varchar(length=8)  # exact decimal text
    smoker = Varchar(length=5, default="false")
    answers = JSON(default="{}")
    beneficiaries = JSON(default="[]")  # [] = the insured's legal heirs
    address = Varchar(length=255, default="")
    bank_account_last4 = Varchar(length=4, default="")
    bank_account_token = Varchar(length=40, default="")  # tokenised at the gateway; the digits are not kept
    sum_insured_fen = money()
    annual_premium_fen = money()  # after any loading
    premium_per_payment_fen = money()
    loading = Varchar(length=12, default="0")  # total extra premium, a fraction ("0.25")
    exclusions = JSON(default="[]")  # [[zh, en], …]
    decision = JSON(default="{}")  # outcome, every rule that fired with its reasons
    plain_reason_zh = Text(default="")
    plain_reason_en = Text(default="")
    policy_number = Varchar(length=32, default="")
    renewal_of = Varchar(length=32, default="")  # a renewal application: the policy it continues
    dividend_option = Varchar(length=20, default="")  # participating products: the option chosen (accounts.model)
    # an adult insured other than the policyholder agreed to the cover, sum insured and beneficiaries (art. 34, 39)
    insured_consent_at = Timestamptz(null=True, default=None)
    created_at = timestamp_now()
    decided_at = Timestamptz(null=True, default=None)


class ApplicationEvent(Table):
    application = fk(Application)
    from_status = Varchar(length=16)
    to_status = Varchar(length=16)
    actor = Varchar(length=64)
    reason = Varchar(length=255, default="")
    at = timestamp_now()
