"""The product exclusion an adjuster cited when denying a claim (issue 10, H3)."""

from __future__ import annotations

from piccolo.columns import Varchar
from piccolo.table import Table

from claims.tables import Claim
from insure.auth.tables import User
from insure.tables_base import fk, timestamp_now


class ClaimExclusion(Table):
    """One denial's cited exclusion: the code of one of the product's [[exclusions]] (products/catalog), whose
    wording the claimant reads with the decision. A reopened claim denied again cites anew (the latest counts)."""

    claim = fk(Claim)
    code = Varchar(length=40)
    cited_by = fk(User)
    at = timestamp_now()
