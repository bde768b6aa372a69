"""What was e-mailed about a claim (issue 10, H5): one row per notice, so a repeated task sends nothing twice."""

from __future__ import annotations

from piccolo.columns import Timestamptz, Varchar
from piccolo.table import Table

from claims.tables import Claim
from insure.tables_base import fk, timestamp_now


class ClaimNotice(Table):
    """One e-mail about a claim: the claimant's notice of a step (``event:<ClaimEvent id>``) or a deadline's
    warning/escalation to staff (``warn:<ClaimDeadline id>``, ``escalate:<ClaimDeadline id>``). Reserved before
    sending, ``sent_at`` once sent."""

    notice_key = Varchar(length=60, unique=True, index=True)
    claim = fk(Claim)
    kind = Varchar(length=24)  # filed, documents, complete, info_requested, approved, paid, denied, reopened, ...
    recipient = Varchar(length=255, default="")
    created_at = timestamp_now()
    sent_at = Timestamptz(null=True, default=None)
