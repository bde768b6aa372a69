"""The adjuster's workbench, its pure rules (issue 10): the decision clock and urgency, the remaining limits of a
policy's covers, why a claim was referred, the queue's filters and order, and case reserve entries that always
balance and leave the reserve account holding exactly the claim's reserve."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.deadlines import DECIDE, ClaimClock, deadlines, decide_by
from claims.reserves import reserve_entry
from claims.workbench_rules import (
    QueueFilter,
    paused_for,
    policy_year,
    referral_reasons,
    remaining_limits,
    sort_rows,
    urgency,
)
from insure.ledger.entries import CASE_RESERVE_CHANGE, CASE_RESERVES, balance, validate_entry

REPORTED = date(2026, 3, 1)


def test_the_clock_runs_30_days_from_the_complete_claim_else_from_the_report_plus_the_paused_days():
    # the queue shows the statutory date the claimant is told (claims.deadlines), not a formula of its own
    def clock(**values: object) -> ClaimClock:
        return ClaimClock(status="referred", reported_on=REPORTED, **values)  # type: ignore[arg-type]

    assert decide_by(clock(), REPORTED) == date(2026, 3, 31)
    assert decide_by(clock(complete_on=date(2026, 3, 5)), REPORTED) == date(2026, 4, 4)
    assert decide_by(clock(complete_on=date(2026, 3, 5), paused_days=7), REPORTED) == date(2026, 4, 11)
    decide = next(d for d in deadlines(clock(), REPORTED) if d.kind == DECIDE)
    assert decide.days_left(date(2026, 3, 1)) == 30
    assert decide.days_left(date(2026, 3, 31)) == 0  # the last day: decide today
    assert decide.days_left(date(2026, 4, 2)) == -2  # overdue by two days


def test_urgency_turns_at_risk_at_80_percent_of_the_window_and_overdue_after_the_last_day():
    assert urgency(30) == "on_time" and urgency(7) == "on_time"
    assert urgency(6) == "at_risk" and urgency(0) == "at_risk"  # 24 of 30 days used = 80 %
    assert urgency(-1) == "overdue"


def test_a_question_open_for_some_days_pauses_the_clock_that_long():
    assert paused_for(date(2026, 3, 10), date(2026, 3, 14)) == 4
    assert paused_for(date(2026, 3, 10), date(2026, 3, 10)) == 0


def test_the_policy_year_runs_from_the_last_anniversary():
    assert policy_year(date(2024, 6, 15), date(2026, 3, 1)) == (date(2025, 6, 15), date(2026, 6, 14))
    assert policy_year(date(2024, 6, 15), date(2026, 6, 15)) == (date(2026, 6, 15), date(2027, 6, 14))
    assert policy_year(date(2024, 2, 29), date(2025, 3, 1)) == (date(2025, 2, 28), date(2026, 2, 27))


def test_remaining_limits_subtract_what_was_approved_or_paid_per_cover_and_never_go_below_zero():
    limits = {"accidental_medical": 2_000_000, "accidental_death_disability": 10_000_000}
    used = [("accidental_medical", 500_000), ("accidental_medical", 250_050), ("other", 1), ("accidental_medical", 0)]
    rows = remaining_limits(limits, used)
    assert [(r.code, r.limit_fen, r.used_fen, r.remaining_fen) for r in rows] == [
        ("accidental_medical", 2_000_000, 750_050, 1_249_950),
        ("accidental_death_disability", 10_000_000, 0, 10_000_000),
    ]
    assert remaining_limits({"a": 100}, [("a", 150)])[0].remaining_fen == 0


def test_why_a_claim_was_referred_is_its_recorded_reasons_else_the_rules_that_failed():
    assessment = [
        {"code": "in_force", "passed": True, "reason": "in force"},
        {"code": "straight_through_limit", "passed": False, "reason": "8000 CNY is above the 5000 CNY limit"},
    ]
    assert referral_reasons([], assessment) == ["8000 CNY is above the 5000 CNY limit"]
    assert referral_reasons([{"code": "skill", "reason": "fraud score 40"}], assessment) == ["fraud score 40"]


def _row(i: int, days: int, amount: int, score: int = 0, **kw: object) -> dict:
    return {
        "id": i,
        "days_left": days,
        "amount_fen": amount,
        "fraud_score": score,
        "status": "referred",
        "kind": "accident",
        "product_code": "p",
        "insurer_code": "i",
        **kw,
    }


def test_the_queue_sorts_by_urgency_and_filters_on_amount_score_and_days_left():
    rows = [_row(1, 20, 100), _row(2, -3, 900, 50), _row(3, 5, 500, 10)]
    assert [r["id"] for r in sort_rows(rows, "urgency")] == [2, 3, 1]
    assert [r["id"] for r in sort_rows(rows, "amount")] == [2, 3, 1]
    assert [r["id"] for r in sort_rows(rows, "newest")] == [3, 2, 1]
    kept = [r["id"] for r in rows if QueueFilter(min_fen=200, max_fen=600).keeps(r)]
    assert kept == [3]
    assert [r["id"] for r in rows if QueueFilter(min_score=10, due_within=6).keeps(r)] == [2, 3]
    assert [r["id"] for r in rows if QueueFilter(status="info_requested").keeps(r)] == []


def test_a_reserve_change_is_one_balanced_entry_for_the_difference_and_no_change_is_no_entry():
    up = reserve_entry(0, 600_000)
    assert validate_entry(up) and balance(up, CASE_RESERVES) == -600_000  # a liability: a credit balance
    assert balance(up, CASE_RESERVE_CHANGE) == 600_000  # booked as an expense
    down = reserve_entry(600_000, 450_000)
    assert balance(down, CASE_RESERVES) == 150_000
    assert reserve_entry(450_000, 450_000) is None
    with pytest.raises(ValueError):
        reserve_entry(0, -1)


@given(st.lists(st.integers(min_value=0, max_value=10**10), min_size=1, max_size=12))
def test_any_sequence_of_reserve_changes_and_the_release_leaves_nothing_reserved(amounts: list[int]):
    lines = []
    held = 0
    for amount in [*amounts, 0]:  # the last change is the release when the claim is paid or denied
        entry = reserve_entry(held, amount)
        if entry is not None:
            validate_entry(entry)
            lines.extend(entry)
        held = amount
        assert -balance(lines, CASE_RESERVES) == held  # the reserve account always holds the claim's reserve
    assert balance(lines, CASE_RESERVES) == 0 and balance(lines, CASE_RESERVE_CHANGE) == 0
