"""How participating accounts react to other packages' domain events (insure.events)."""

from __future__ import annotations

import logging

from insure import clock
from insure.accounts import crediting, interest
from insure.db import engine
from insure.events import AnniversaryReached, PaymentSettled, handles

log = logging.getLogger(__name__)

# what a settled payment pays for that can end a grace period (a lapsed policy's reinstatement included)
BRINGS_UP_TO_DATE = frozenset({"instalment", "reinstatement"})


@handles(AnniversaryReached)
async def post_interest(event: AnniversaryReached) -> None:
    """Inside the anniversaries job's transaction: the year's interest on the accumulated dividends, on the
    balance before this anniversary's dividend (credit_dividends runs after the anniversaries job)."""
    await interest.post_interest(event.policy_id, event.policy_year)


@handles(PaymentSettled)
async def credit_held_dividends(event: PaymentSettled) -> None:
    """Inside the payment's transaction, after the policies package marked what it paid: a dividend held while
    the policy was in grace is credited at once. In a savepoint: a dividend that cannot be credited must never
    undo the premium being booked — the daily credit_dividends run tries it again (and counts its failures)."""
    if event.purpose not in BRINGS_UP_TO_DATE:
        return
    tx = engine().current_transaction.get()
    if tx is None:  # (handlers run in the raiser's transaction; without one there is nothing to protect)
        await crediting.credit_held(event.policy_id, clock.today())
        return
    savepoint = await tx.savepoint()
    try:
        await crediting.credit_held(event.policy_id, clock.today())
    except Exception:
        await savepoint.rollback_to()
        log.exception("held dividends of policy #%s not credited; the daily run will try again", event.policy_id)
    else:
        await savepoint.release()
