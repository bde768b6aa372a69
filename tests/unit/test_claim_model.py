"""The claim life cycle: exactly the moves in TRANSITIONS are allowed."""

import itertools

import pytest

from claims.model import (
    DENIAL_CODES,
    TERMINAL,
    TRANSITIONS,
    ClaimStatus,
    check_transition,
    own_claim,
    within_authority,
)
from insure.state import IllegalTransition

S = ClaimStatus


def test_every_status_has_an_entry():
    assert set(TRANSITIONS) == set(ClaimStatus)


def test_the_table_is_as_designed():
    assert TRANSITIONS[S.SUBMITTED] == {S.ASSESSING}
    assert TRANSITIONS[S.ASSESSING] == {S.APPROVED, S.REFERRED, S.AWAITING_DOCUMENTS}
    # missing documents: assessed again once complete, or taken by an adjuster
    assert TRANSITIONS[S.AWAITING_DOCUMENTS] == {S.ASSESSING, S.REFERRED}
    # an adjuster approves, denies or asks for more; an approval above their authority waits for a second person
    assert TRANSITIONS[S.REFERRED] == {S.APPROVED, S.DENIED, S.AWAITING_APPROVAL, S.INFO_REQUESTED}
    assert TRANSITIONS[S.INFO_REQUESTED] == {S.REFERRED}
    assert TRANSITIONS[S.AWAITING_APPROVAL] == {S.APPROVED, S.DENIED, S.REFERRED}
    assert TRANSITIONS[S.APPROVED] == {S.PAID}
    assert TRANSITIONS[S.DENIED] == {S.REFERRED}  # reopened within the stated period, with a reason
    assert {S.PAID} == TERMINAL
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


def test_a_proposal_above_authority_is_never_paid_before_a_second_person_approves_it():
    with pytest.raises(IllegalTransition):
        check_transition(S.AWAITING_APPROVAL, S.PAID)
    check_transition(S.AWAITING_APPROVAL, S.REFERRED)  # sent back to the adjuster


@pytest.mark.parametrize(
    ("role", "authority_fen", "amount_fen", "alone"),
    [
        ("adjuster", 500_000, 400_000, True),
        ("adjuster", 500_000, 500_000, True),  # the limit included
        ("adjuster", 500_000, 500_001, False),
        ("adjuster", 0, 1, False),  # no authority set: every approval needs a second person
        ("admin", 0, 10**12, True),  # an administrator's authority has no limit
    ],
)
def test_an_approval_within_authority_needs_nobody_else(role, authority_fen, amount_fen, alone):
    assert within_authority(role, authority_fen, amount_fen) is alone


def test_nobody_decides_a_claim_on_their_own_policy_or_their_own_claim():
    assert own_claim(7, policy_owner=7, claimant=9)
    assert own_claim(9, policy_owner=7, claimant=9)
    assert not own_claim(3, policy_owner=7, claimant=9)


def test_every_denial_code_has_a_label_in_both_languages():
    from insure.labels import LABELS

    assert set(LABELS["denial"]) == set(DENIAL_CODES)
    assert ClaimStatus.AWAITING_APPROVAL in LABELS["status"]
