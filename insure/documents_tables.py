"""Generated documents (policy schedules, later notices) and where their files live."""

from __future__ import annotations

from piccolo.columns import BigInt, Timestamptz, Varchar
from piccolo.table import Table

from insure.tables_base import timestamp_now


class Document(Table):
    doc_key = Varchar(length=80, unique=True, index=True)  # e.g. "policy_schedule:42"
    kind = Varchar(length=40)
    owner_type = Varchar(length=20)
    owner_id = BigInt(index=True)
    # pending | ready (documents_model.DocumentStatus);
    # attempts and errors of the rendering are counted in insure.work (work_attempt)
    status = Varchar(length=16, default="pending")
    path = Varchar(length=255, default="")
    content_type = Varchar(length=60, default="application/pdf")
    created_at = timestamp_now()
    ready_at = Timestamptz(null=True, default=None)
