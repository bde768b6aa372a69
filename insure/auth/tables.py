"""Users of every role and their API tokens."""

from __future__ import annotations

from piccolo.columns import BigInt, Boolean, Date, Timestamptz, Varchar
from piccolo.table import Table

from insure.tables_base import fk, timestamp_now

ROLES = ("customer", "agent", "adjuster", "underwriter", "actuary", "admin")
STAFF_ROLES = ("agent", "adjuster", "underwriter", "actuary", "admin")


class User(Table, tablename="app_user"):
    email = Varchar(length=254, unique=True, index=True)
    password_hash = Varchar(length=255)
    name = Varchar(length=100)
    mobile = Varchar(length=20, default="")
    id_number = Varchar(length=18, null=True, default=None, unique=True)
    birth_date = Date(null=True, default=None)
    role = Varchar(length=20, default="customer", index=True)
    locale = Varchar(length=10, default="zh_CN")
    authority_fen = BigInt(default=0)  # underwriters: the largest sum insured they may decide
    is_active = Boolean(default=True)
    created_at = timestamp_now()


class ApiToken(Table):
    """Opaque bearer tokens; only their SHA-256 is stored, so a database leak does not leak tokens."""

    token_hash = Varchar(length=64, unique=True, index=True)
    user = fk(User)
    created_at = timestamp_now()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
