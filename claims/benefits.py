"""What a claim pays under one coverage (pure): the limit, the deductible, then the insurer's share.

Lump-sum covers (no deductible, 100 %) pay what is claimed up to their limit; reimbursement covers pay
(claimed − deductible) × co-insurance, up to their limit. Rounded once, half-up to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from insure.money import quantize

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class CoverTerms:
    code: str
    limit: Decimal
    deductible: Decimal
    coinsurance_percent: Decimal


@dataclass(frozen=True)
class Settlement:
    payable: Decimal
    steps: tuple[tuple[str, Decimal], ...]  # (step code, amount after that step), for the customer and audit


def cover_terms(sum_insured: Decimal, coverage: object) -> CoverTerms:
    """The terms of one product coverage for a policy with this sum insured."""
    return CoverTerms(
        code=coverage.code,  # type: ignore[attr-defined]
        limit=quantize(sum_insured * coverage.percent_of_sum_insured / HUNDRED),  # type: ignore[attr-defined]
        deductible=coverage.deductible,  # type: ignore[attr-defined]
        coinsurance_percent=coverage.coinsurance_percent,  # type: ignore[attr-defined]
    )


def settle(claimed: Decimal, terms: CoverTerms) -> Settlement:
    after_deductible = max(Decimal(0), claimed - terms.deductible)
    shared = after_deductible * terms.coinsurance_percent / HUNDRED
    payable = quantize(min(shared, terms.limit))
    return Settlement(
        payable=payable,
        steps=(
            ("claimed", claimed),
            ("after_deductible", after_deductible),
            ("insurer_share", quantize(shared)),
            ("within_limit", payable),
        ),
    )
