"""The claim life cycle: exactly the moves in TRANSITIONS are allowed."""

import itertools

import pytest

from claims.model import TERMINAL, TRANSITIONS, ClaimStatus, check_transition
from insure.state import IllegalTransition

S = ClaimStatus


def test_every_status_has_an_entry():
    assert set(TRANSITIONS) == set(ClaimStatus)


def test_the_table_is_as_designed():
    assert TRANSITIONS[S.SUBMITTED] == {S.ASSESSING}
    assert TRANSITIONS[S.ASSESSING] == {S.APPROVED, S.REFERRED}
    assert TRANSITIONS[S.REFERRED] == {S.APPROVED, S.DENIED}
    assert TRANSITIONS[S.APPROVED] == {S.PAID}
    assert {S.DENIED, S.PAID} == TERMINAL
    assert all(not TRANSITIONS[status] for status in TERMINAL)


@pytest.mark.parametrize(("current", "target"), list(itertools.product(ClaimStatus, repeat=2)))
def test_a_move_is_allowed_iff_it_is_in_the_table(current, target):
    if target in TRANSITIONS[current]:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition) as err:
            check_transition(current, target)
        assert err.value.code == "illegal_transition"
        assert (err.value.current, err.value.target) == (current, target)
        assert current.value in str(err.value) and target.value in str(err.value)


def test_automation_cannot_deny():
    # given a claim being assessed, when automation tries to deny it, then that is refused: denial is human
    with pytest.raises(IllegalTransition):
        check_transition(S.ASSESSING, S.DENIED)


def test_statuses_are_their_stored_strings():
    assert S("paid") is S.PAID
    assert S.REFERRED == "referred"
    check_transition("approved", "paid")  # type: ignore[arg-type]
