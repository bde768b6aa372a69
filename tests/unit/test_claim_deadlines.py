"""The statutory claim clocks (Insurance Law art. 22-25): given a claim's facts, when each deadline falls due, when
the adjuster is warned (80 %) and when it is escalated (passed) — and, against the database, that the daily job
marks each once however often it runs."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from claims import deadline_jobs, deadlines
from claims.deadlines import ClaimClock
from claims.tables import Claim, ClaimDeadline
from insure import clock, outbox

from .conftest import bare_policy

D0 = date(2026, 3, 2)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)


def by_kind(found: list[deadlines.Deadline]) -> dict[str, deadlines.Deadline]:
    return {d.kind: d for d in found}


def test_a_claim_complete_at_filing_is_decided_within_30_days_of_its_report() -> None:
    found = by_kind(deadlines.deadlines(ClaimClock("referred", reported_on=D0), D0))
    assert list(found) == ["decide"]
    decide = found["decide"]
    assert decide.due_on == D0 + timedelta(days=30)
    assert decide.warn_on == D0 + timedelta(days=24)  # 80 % of 30 days
    assert deadlines.decide_by(ClaimClock("referred", reported_on=D0), D0) == date(2026, 4, 1)


def test_the_decision_clock_starts_when_the_claim_is_complete_not_while_documents_are_awaited() -> None:
    waiting = ClaimClock("awaiting_documents", reported_on=D0, documents_requested_on=D0)
    found = by_kind(deadlines.deadlines(waiting, D0 + timedelta(days=5)))
    assert "decide" not in found and deadlines.decide_by(waiting, D0) is None
    assert found["documents_notice"].due_on == D0 + timedelta(days=1)  # told at once
    complete = ClaimClock("referred", reported_on=D0, documents_requested_on=D0, complete_on=D0 + timedelta(days=9))
    assert by_kind(deadlines.deadlines(complete, D0))["decide"].due_on == D0 + timedelta(days=39)


def test_days_spent_waiting_for_information_move_the_decision_day() -> None:
    closed = ClaimClock("referred", reported_on=D0, paused_days=6)
    assert deadlines.decide_by(closed, D0) == D0 + timedelta(days=36)
    # a request still open: every day it stays open moves the day again, and the clock does not warn meanwhile
    open_ = ClaimClock("info_requested", reported_on=D0, paused_days=6, info_requested_on=D0 + timedelta(days=20))
    today = D0 + timedelta(days=33)
    decide = by_kind(deadlines.deadlines(open_, today))["decide"]
    assert decide.due_on == D0 + timedelta(days=30 + 6 + 13)
    assert not deadlines.should_warn(decide, "info_requested", today, None)
    assert not deadlines.should_escalate(decide, "info_requested", D0 + timedelta(days=90), None)


def test_warned_from_80_percent_and_escalated_the_day_after_the_due_day_each_once() -> None:
    decide = by_kind(deadlines.deadlines(ClaimClock("referred", reported_on=D0), D0))["decide"]
    day23, day24, day30, day31 = (D0 + timedelta(days=n) for n in (23, 24, 30, 31))
    assert not deadlines.should_warn(decide, "referred", day23, None)
    assert deadlines.should_warn(decide, "referred", day24, None) and decide.at_risk(day24)
    assert not deadlines.should_warn(decide, "referred", day24, at(day24))  # once
    assert not deadlines.should_escalate(decide, "referred", day30, None) and decide.days_left(day30) == 0
    assert deadlines.should_escalate(decide, "referred", day31, None) and decide.passed(day31)
    assert not deadlines.should_escalate(decide, "referred", day31, at(day31))  # once
    assert decide.days_left(day31) == -1


def test_an_approval_starts_the_10_days_to_pay_and_a_denial_the_3_days_of_its_notice() -> None:
    approved = ClaimClock("approved", reported_on=D0, approved_at=at(D0 + timedelta(days=3)))
    found = by_kind(deadlines.deadlines(approved, D0 + timedelta(days=3)))
    assert found["decide"].met_at is not None
    assert found["pay"].due_on == D0 + timedelta(days=13) and found["pay"].warn_on == D0 + timedelta(days=11)
    paid = ClaimClock("paid", reported_on=D0, approved_at=at(D0), paid_at=at(D0 + timedelta(days=1)))
    assert not deadlines.should_escalate(
        by_kind(deadlines.deadlines(paid, D0))["pay"], "paid", D0 + timedelta(40), None
    )
    denied = ClaimClock("denied", reported_on=D0, denied_at=at(D0 + timedelta(days=2)))
    notice = by_kind(deadlines.deadlines(denied, D0))["denial_notice"]
    assert notice.due_on == D0 + timedelta(days=5) and notice.warn_on == D0 + timedelta(days=5)  # ceil(2.4)=3
    assert deadlines.decide_by(denied, D0) is None


def test_a_reopened_claim_gets_a_new_decision_clock() -> None:
    reopened = ClaimClock("referred", reported_on=D0, reopened_on=D0 + timedelta(days=60))
    assert deadlines.decide_by(reopened, D0 + timedelta(days=60)) == D0 + timedelta(days=90)


async def _referred_claim(reported_on: date) -> dict:
    policy = await bare_policy()
    rows = await Claim.insert(
        Claim(
            number=f"CTEST{secrets.token_hex(5)}".upper(),
            policy=policy["id"],
            claimant=policy["customer"],
            loss_date=reported_on,
            reported_on=reported_on,
            description="unit",
            status="referred",
        )
    ).returning(*Claim.all_columns())
    return rows[0]


def test_the_daily_job_keeps_the_deadline_row_and_marks_warning_and_escalation_once_each(in_db) -> None:
    async def body() -> None:
        today = clock.today()
        claim = await _referred_claim(today - timedelta(days=25))  # 25 of 30 days gone: at risk
        assert await deadline_jobs.track(claim["id"], today) == "warned"
        assert await deadline_jobs.track(claim["id"], today) is None  # again the same day: nothing
        row = await ClaimDeadline.select().where(ClaimDeadline.claim == claim["id"]).first()
        assert row["kind"] == "decide" and row["due_on"] == today + timedelta(days=5)
        assert row["warned_at"] is not None and row["escalated_at"] is None and row["met_at"] is None
        later = today + timedelta(days=6)  # passed
        assert await deadline_jobs.track(claim["id"], later) == "escalated"
        assert await deadline_jobs.track(claim["id"], later + timedelta(days=1)) is None
        queued = await outbox.OutboxMessage.select(outbox.OutboxMessage.task).where(
            (outbox.OutboxMessage.payload == f"[{row['id']}]") & outbox.OutboxMessage.task.like("claims.deadline%")
        )
        tasks = sorted(q["task"] for q in queued)
        assert tasks == ["claims.deadline_escalation", "claims.deadline_warning"]  # one e-mail each
        shown = await deadline_jobs.deadlines_of(claim, later)
        assert shown[0]["days_left"] == -1 and shown[0]["passed"] and shown[0]["escalated_at"] is not None
        candidates = await deadline_jobs._candidates(today, claim["id"] - 1, 10)
        assert candidates[0] == claim["id"]

    in_db(body)
