"""Batch jobs of participating accounts (insure.batch): crediting declared dividends on policy anniversaries.

``credit_dividends`` runs every business day after ``anniversaries`` (whose handler has posted the year's
interest first). Its candidates are the allocations still ``declared`` of a ``posted`` declaration whose
anniversary has come (one indexed query a chunk); each row is ``crediting.credit_allocation``: idempotent, under
the row locks. A dividend held while its policy is in grace stays a candidate until it is paid (or lapses).
"""

from __future__ import annotations

from datetime import date

from insure import batch
from insure.accounts import crediting
from insure.accounts.model import AllocationStatus, DeclarationStatus
from insure.accounts.tables import DividendAllocation
from insure.errors import N_


async def _credit_candidates(day: date, after: int, limit: int) -> list[int]:
    query = DividendAllocation.select(DividendAllocation.id).where(
        (DividendAllocation.status == AllocationStatus.DECLARED)
        & (DividendAllocation.anniversary <= day)
        & (DividendAllocation.declaration.status == DeclarationStatus.POSTED)
    )
    return await batch.ids_after(query, DividendAllocation.id, after, limit)


batch.register(
    batch.Job(
        "credit_dividends",
        N_("Credit declared dividends to policy accounts"),
        _credit_candidates,
        crediting.credit_allocation,
        after="anniversaries",
    )
)
