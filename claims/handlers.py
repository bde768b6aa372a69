"""How the claims package reacts to domain events raised elsewhere (see ``insure.events``)."""

from __future__ import annotations

from claims import services
from insure.events import PayoutConfirmed, handles
from insure.payments.payout_model import key_subject


# --- one payout path (issue 9, item 3): a claim is paid when the gateway confirms its payout ---
@handles(PayoutConfirmed)
async def claim_payout_confirmed(event: PayoutConfirmed) -> None:
    """The transfer of a claim's benefit (key ``claim:<id>``) is confirmed and booked: the claim is paid."""
    purpose, claim_id = key_subject(event.payout_key)
    if purpose == services.CLAIM_PAYOUT and claim_id is not None:
        await services.mark_paid(claim_id, event.payout_id)


# --- end of the payout block ---
