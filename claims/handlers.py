"""How the claims package reacts to domain events raised elsewhere (see ``insure.events``)."""

from __future__ import annotations

from claims import services
from claims.tables import Claim
from insure.errors import N_, Conflict
from insure.events import PayoutConfirmed, PolicyCancelling, handles
from insure.payments.payout_model import key_subject


@handles(PolicyCancelling)
async def refuse_cancelling_a_policy_with_claims(event: PolicyCancelling) -> None:
    """A free-look cancellation refunds every premium: not once a claim has been made on the policy."""
    if await Claim.exists().where(Claim.policy == event.policy_id):
        raise Conflict(
            N_("A policy with a claim cannot be cancelled for a full refund; please contact us."), code="has_claims"
        )


# --- one payout path (issue 9, item 3): a claim is paid when the gateway confirms its payout ---
@handles(PayoutConfirmed)
async def claim_payout_confirmed(event: PayoutConfirmed) -> None:
    """The transfer of a claim's benefit (key ``claim:<id>``) is confirmed and booked: the claim is paid."""
    purpose, claim_id = key_subject(event.payout_key)
    if purpose == services.CLAIM_PAYOUT and claim_id is not None:
        await services.mark_paid(claim_id, event.payout_id)


# --- end of the payout block ---
