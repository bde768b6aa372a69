"""The books: accounts, journal entries and their lines (append-only, enforced by database triggers)."""

from __future__ import annotations

from piccolo.columns import BigInt, Varchar
from piccolo.table import Table

from insure.tables_base import currency, fk, timestamp_now


class LedgerAccount(Table):
    code = Varchar(length=64, unique=True, index=True)
    kind = Varchar(length=16)
    name = Varchar(length=100)


class JournalEntry(Table):
    """One balanced money movement. ``idempotency_key`` makes a retried posting a no-op."""

    idempotency_key = Varchar(length=120, unique=True, index=True)
    memo = Varchar(length=255)
    source_type = Varchar(length=32, index=True)
    source_id = BigInt(index=True)
    posted_at = timestamp_now()


class JournalLine(Table):
    entry = fk(JournalEntry)
    account = fk(LedgerAccount)
    debit_fen = BigInt(default=0)
    credit_fen = BigInt(default=0)
    currency = currency()
