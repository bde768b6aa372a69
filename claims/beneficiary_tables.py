"""A death claim made by a beneficiary (issue 10, H1): who claims, their share of the benefit and the bank account
the benefit goes to (the beneficiary's own, tokenised at the gateway like a policy's: only the token and the last 4
digits are kept)."""

from __future__ import annotations

from piccolo.columns import Varchar
from piccolo.table import Table

from claims.tables import Claim
from insure.auth.tables import User
from insure.tables_base import fk, timestamp_now


class BeneficiaryClaim(Table):
    claim = fk(Claim)
    beneficiary = fk(User)
    share = Varchar(length=8, default="100")  # percent, as the policy names it ("100" for the legal heirs)
    account_last4 = Varchar(length=4, default="")
    account_token = Varchar(length=40, default="")
    created_at = timestamp_now()
