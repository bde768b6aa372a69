"""The cap on attempts of background work (pure)."""

from __future__ import annotations

from insure.work_rules import DEFAULT_CAP, WorkStatus, after_failure, cap_for, may_start


def test_each_kind_has_a_cap_and_gateway_work_gets_a_few_more_tries():
    assert cap_for("claims.assess") == DEFAULT_CAP == 5
    assert cap_for("payments.sandbox_payout") == 8
    assert cap_for("something.new") == DEFAULT_CAP


def test_a_failure_below_the_cap_is_tried_again_and_the_one_at_the_cap_is_parked():
    assert [after_failure(n, 5) for n in range(1, 6)] == [WorkStatus.FAILED] * 4 + [WorkStatus.NEEDS_ATTENTION]
    assert after_failure(7, 5) == WorkStatus.NEEDS_ATTENTION


def test_parked_work_never_starts_and_unfinished_attempts_count_towards_the_cap():
    assert not may_start(WorkStatus.NEEDS_ATTENTION, 0, 5)  # even after a reset count, only staff start it
    assert may_start(None, 0, 5) and may_start(WorkStatus.DONE, 5, 5)  # new, or done before: a fresh count
    assert may_start(WorkStatus.FAILED, 4, 5)
    # five attempts started and the last never reported back (a worker killed mid-way): no sixth
    assert not may_start(WorkStatus.RUNNING, 5, 5)
    assert may_start(WorkStatus.RUNNING, 4, 5)
