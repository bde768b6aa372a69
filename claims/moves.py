"""Every status move of a claim goes through ``move``: the life cycle checked (claims.model.CLAIM), the move saved
with its event row (insure.state.transition), the claimant's notice of the step queued in the same transaction
(claims.notices) and, when the claim ends, its case reserve released (claims.reserves). Low in the package so that
every claims module may use it without an import circle."""

from __future__ import annotations

from claims import notices, reserves
from claims.model import CLAIM, ClaimStatus
from claims.tables import Claim, ClaimEvent
from insure import clock
from insure.state import transition

SYSTEM = "system:claims-workflow"


async def move(
    claim_id: int, current: ClaimStatus, target: ClaimStatus, reason: str, *, actor: str = SYSTEM, **values: object
) -> None:
    """Move the claim from ``current`` to ``target`` (``values``: Claim columns set with it)."""
    cols = {getattr(Claim, k): v for k, v in values.items()}
    cols[Claim.updated_at] = clock.now()
    await transition(
        Claim,
        claim_id,
        current,
        target,
        event_table=ClaimEvent,
        event_owner="claim",
        actor=actor,
        reason=reason,
        values=cols,
        machine=CLAIM,
    )
    await notices.queue(claim_id, current, target)  # the claimant's e-mail of this step
    await reserves.release_on(claim_id, target)  # paid or denied: the case reserve is released
