"""How the policies package reacts to domain events raised elsewhere (see ``insure.events``)."""

from __future__ import annotations

from insure.events import PaymentSettled, handles
from insure.policies import premiums
from insure.policies import services as policies

GATEWAY = "gateway:sandbox"  # the actor of what a confirmed payment does


@handles(PaymentSettled)
async def do_what_was_paid_for(event: PaymentSettled) -> None:
    """Inside the payment's transaction: the first premium issues the policy, an instalment is marked paid, the
    arrears reinstate a lapsed policy."""
    if event.purpose == "first_premium":
        await policies.issue(event.policy_id, actor=GATEWAY, payment_id=event.payment_id)
    elif event.purpose == "instalment":
        await premiums.mark_paid([event.instalment_id], event.payment_id)  # type: ignore[list-item]
    elif event.purpose == "reinstatement":
        await premiums.reinstate(event.policy_id, event.payment_id, actor=GATEWAY)
