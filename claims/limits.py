"""A coverage's limit for one policy as every claim page, the workbench and the beneficiary's form show it: the
product's share of the sum insured plus, for a participating policy's death or maturity benefit, what its account
adds (paid-up additions, bonuses, terminal bonus). The same two rules assessment (claims.facts) and filing
(claims.filing) use — ``coverage.cover_limit`` and ``accounts.exits.extra_cover`` — so a page never shows a
different figure from the one a claim is paid against."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from claims.coverage import cover_limit
from insure.accounts import exits
from insure.money import from_fen


async def policy_cover_limit(policy: dict, coverage: object, on: date) -> Decimal:
    """The limit of ``coverage`` on ``policy`` for a loss on ``on``, the account's extra cover included."""
    extra = await exits.extra_cover(policy, coverage, on)
    return cover_limit(from_fen(policy["sum_insured_fen"]), coverage, extra)
