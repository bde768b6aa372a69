"""The status tables (TRANSITIONS) of policies, applications and claims, checked as graphs: every state is
reachable from where an aggregate starts, every state can still reach an ending, endings are final, and the
claim check refuses exactly the moves the table does not list."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.model import TRANSITIONS as CLAIM_TRANSITIONS
from claims.model import ClaimStatus, IllegalTransition, check_transition
from insure.applications.model import START as APPLICATION_START
from insure.applications.model import TRANSITIONS as APPLICATION_TRANSITIONS
from insure.applications.model import ApplicationStatus
from insure.policies.model import TRANSITIONS as POLICY_TRANSITIONS
from insure.policies.model import PolicyStatus

MACHINES = {
    "policy": (PolicyStatus, POLICY_TRANSITIONS, {PolicyStatus.PENDING_PAYMENT}),
    "application": (ApplicationStatus, APPLICATION_TRANSITIONS, set(APPLICATION_START.values())),
    "claim": (ClaimStatus, CLAIM_TRANSITIONS, {ClaimStatus.SUBMITTED}),
}


def reachable(table: dict, starts: set) -> set:
    seen, todo = set(starts), list(starts)
    while todo:
        for nxt in table[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize("name", MACHINES)
def test_every_state_is_reachable_and_can_still_end(name):
    enum, table, starts = MACHINES[name]
    assert set(table) == set(enum)
    assert reachable(table, starts) == set(enum)  # no status that nothing can lead to
    endings = {s for s in enum if not table[s]}
    assert endings
    for state in enum:
        assert reachable(table, {state}) & endings  # no trap: every status can still come to an end


def test_nothing_comes_back_from_an_ending():
    assert POLICY_TRANSITIONS[PolicyStatus.CANCELLED] == POLICY_TRANSITIONS[PolicyStatus.EXPIRED] == frozenset()
    assert CLAIM_TRANSITIONS[ClaimStatus.PAID] == CLAIM_TRANSITIONS[ClaimStatus.DENIED] == frozenset()
    assert POLICY_TRANSITIONS[PolicyStatus.LAPSED] == {PolicyStatus.IN_FORCE, PolicyStatus.CANCELLED}


@given(st.sampled_from(list(ClaimStatus)), st.sampled_from(list(ClaimStatus)))
def test_the_claim_check_refuses_exactly_the_moves_the_table_does_not_list(current, target):
    if target in CLAIM_TRANSITIONS[current]:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(current, target)
