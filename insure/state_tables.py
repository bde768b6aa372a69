"""The event rows of lifecycles that have no event table of their own (payments, refunds, payouts,
instalments, documents): one append-only history, keyed by the aggregate's name and the record's id."""

from __future__ import annotations

from piccolo.columns import Integer, Varchar
from piccolo.table import Table

from insure.tables_base import timestamp_now


class StateEvent(Table):
    aggregate = Varchar(length=24, index=True)
    record_id = Integer(index=True)
    from_status = Varchar(length=24)
    to_status = Varchar(length=24)
    actor = Varchar(length=64)
    reason = Varchar(length=255, default="")
    at = timestamp_now()
