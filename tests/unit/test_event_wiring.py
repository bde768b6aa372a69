"""Who handles the events that replaced direct calls between packages (issue 9, the import cycles)."""

from __future__ import annotations

from claims import handlers as claims_handlers
from insure import events
from insure.events import PaymentSettled, PolicyCancelling
from insure.policies import handlers as policies_handlers


def test_a_settled_payment_is_handled_by_the_policies_package() -> None:
    assert policies_handlers.do_what_was_paid_for in events.handlers_for(PaymentSettled)


def test_the_claims_package_may_refuse_a_free_look_cancellation() -> None:
    assert claims_handlers.refuse_cancelling_a_policy_with_claims in events.handlers_for(PolicyCancelling)
