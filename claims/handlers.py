"""How the claims package reacts to domain events raised elsewhere (see ``insure.events``)."""

from __future__ import annotations

from claims.tables import Claim
from insure.errors import N_, Conflict
from insure.events import PolicyCancelling, handles


@handles(PolicyCancelling)
async def refuse_cancelling_a_policy_with_claims(event: PolicyCancelling) -> None:
    """A free-look cancellation refunds every premium: not once a claim has been made on the policy."""
    if await Claim.exists().where(Claim.policy == event.policy_id):
        raise Conflict(
            N_("A policy with a claim cannot be cancelled for a full refund; please contact us."), code="has_claims"
        )
