"""Column helpers shared by every table: money in fen, restrictive foreign keys with an index."""

from __future__ import annotations

from typing import Any

from piccolo.columns import BigInt, ForeignKey, OnDelete, OnUpdate, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow


def money(**kwargs: Any) -> BigInt:
    """An amount as an integer number of fen (never Numeric: it round-trips through float on SQLite)."""
    return BigInt(default=0, **kwargs)


def currency() -> Varchar:
    return Varchar(length=3, default="CNY")


def fk(references: Any, *, null: bool = False) -> ForeignKey:
    """Financial records are never deleted by a cascade, and every foreign key is indexed."""
    return ForeignKey(references, null=null, on_delete=OnDelete.restrict, on_update=OnUpdate.restrict, index=True)


def timestamp_now() -> Timestamptz:
    return Timestamptz(default=TimestamptzNow())


def json_value(value: Any) -> Any:
    """JSON columns come back as text on SQLite and as parsed values on some PostgreSQL paths."""
    import json

    return json.loads(value) if isinstance(value, str) else value
