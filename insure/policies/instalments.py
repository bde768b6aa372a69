"""The rows of a policy's premium schedule, written when it is issued and voided when it ends. The lowest layer of
the premium schedule: ``policies.services`` (issue, cancel, surrender) and ``premiums`` both use it, so issuing
a policy does not import the billing run."""

from __future__ import annotations

from dataclasses import replace

from insure import clock
from insure.money import from_fen, to_fen
from insure.policies import billing
from insure.policies.model import FREQUENCY_BY_PAYMENTS, INSTALMENT, InstalmentStatus
from insure.policies.tables import Instalment
from insure.state import transition_many


async def create_schedule(policy: dict, first_payment_id: int) -> None:
    """At issue: every instalment of the premium term; the first is the payment that issued the policy."""
    frequency = FREQUENCY_BY_PAYMENTS[policy["payments_per_year"]]
    plan = billing.schedule(
        policy["effective_date"], frequency, policy["premium_term_years"], from_fen(policy["premium_fen"])
    )
    single = len(plan) == 1 and policy["policy_term_years"] != 1 and policy["expiry_date"] is not None
    if single:  # a single premium pays for the whole period of cover, not for its first year
        plan = (replace(plan[0], period_end=policy["expiry_date"]),)
    rows = [
        Instalment(
            inst_key=f"{policy['id']}:{i.number}",
            policy=policy["id"],
            number=i.number,
            due_date=i.due_date,
            period_start=i.period_start,
            period_end=i.period_end,
            amount_fen=to_fen(i.amount),
            status=InstalmentStatus.PAID if i.number == 1 else InstalmentStatus.DUE,
            payment_id=first_payment_id if i.number == 1 else None,
            paid_at=clock.now() if i.number == 1 else None,
        )
        for i in plan
    ]
    for start in range(0, len(rows), 200):  # chunked: bind-parameter limits
        await Instalment.insert(*rows[start : start + 200])


async def void_remaining(policy_id: int, actor: str = "system:policy_ended") -> None:
    """When a policy ends (cancelled, surrendered, matured, expired) nothing more falls due on it.

    Called under the policy's row lock, in the transaction that ends it: every due instalment moves at once, by
    one guarded set-based UPDATE (``WHERE status = 'due'``) with an event row each (``state.transition_many``)."""
    await transition_many(
        Instalment,
        Instalment.policy == policy_id,
        InstalmentStatus.DUE,
        InstalmentStatus.VOID,
        machine=INSTALMENT,
        actor=actor,
        reason="the policy ended",
    )
