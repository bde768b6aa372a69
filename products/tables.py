"""Stored quotes: immutable priced snapshots, reachable by an unguessable id."""

from __future__ import annotations

from piccolo.columns import JSON, Date, Integer, Timestamptz, Varchar
from piccolo.table import Table

from insure.auth.tables import User
from insure.tables_base import currency, fk, money, timestamp_now


class Quote(Table):
    public_id = Varchar(length=32, unique=True, index=True)
    customer = fk(User, null=True)  # the customer who owns it; None: anyone holding the id (e.g. an agent's client)
    agent = fk(User, null=True)  # the agent who quoted it for a client
    channel = Varchar(length=16)
    insurer_code = Varchar(length=40)
    product_code = Varchar(length=40, index=True)
    product_version = Varchar(length=20)
    birth_date = Date()
    occupation_class = Integer(default=0)
    risk = JSON(default="{}")  # every rating input as given (sex, smoker, terms, frequency, zone, …)
    sum_insured_fen = money()
    annual_premium_fen = money()  # gross annual premium
    net_annual_premium_fen = money()
    premium_per_payment_fen = money()
    payments_per_year = Integer(default=1)
    policy_term_years = Integer(null=True, default=None)  # None: whole of life
    premium_term_years = Integer(default=1)
    basis = Varchar(length=255, default="")
    currency = currency()
    breakdown = JSON()
    created_at = timestamp_now()
    valid_until = Timestamptz()
