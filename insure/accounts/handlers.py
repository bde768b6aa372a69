"""How participating accounts react to other packages' domain events (insure.events)."""

from __future__ import annotations

from insure import clock
from insure.accounts import crediting, interest
from insure.events import AnniversaryReached, PaymentSettled, handles

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
    the policy was in grace is credited at once (the next daily run would credit it too)."""
    if event.purpose in BRINGS_UP_TO_DATE:
        await crediting.credit_held(event.policy_id, clock.today())
