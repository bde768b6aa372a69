"""The automated decision, the assignment of a referral and the backtest: given a claim's facts, straight-through
only when covered, below the score threshold and within the automatic limit; otherwise referred with every
reason, to the right adjuster; and a stricter rule set shows which decisions it would change."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from claims.assignment import Adjuster, choose
from claims.backtest import compare
from claims.coverage import Cover, CoverageFacts
from claims.kinds import EXPENSE
from claims.rules import APPROVE, REFER, ClaimFacts, evaluate
from claims.ruleset import current, parse_ruleset
from claims.signals import SignalFacts

D = Decimal
RULESET = current()
COVER = Cover("accidental_medical", "medical", EXPENSE, D("30000.00"), D("100"), coinsurance_percent=D("90"))
FACTS = ClaimFacts(
    claim_id=1,
    number="CLM-1",
    kind="medical",
    insurer_code="huaxia_mutual",
    product_code="pa_basic",
    straight_through_limit=D("5000.00"),
    coverage=CoverageFacts(
        cover=COVER,
        claimed=D("800.00"),
        loss_date=date(2026, 6, 10),
        reported_on=date(2026, 6, 12),
        policy_status="in_force",
        cover_start=date(2026, 1, 1),
        cover_end=date(2026, 12, 31),
    ),
    signals=SignalFacts(
        claim_number="CLM-1",
        reported_on=date(2026, 6, 12),
        loss_date=date(2026, 6, 10),
        event_end_date=None,
        issued_on=date(2026, 1, 1),
        cover_start=date(2026, 1, 1),
        reinstated_on=None,
        amount=D("800.00"),
        straight_through_limit=D("5000.00"),
    ),
)


def test_a_small_clean_claim_goes_straight_through_with_its_calculation_and_rule_set_recorded():
    result = evaluate(FACTS, RULESET)
    assert result.outcome == APPROVE
    assert result.payable == D("630.00")  # (800 − 100) × 90 %
    assert result.reasons == ()
    assert result.ruleset_version == RULESET.version
    assert {"step": "payable", "amount": "630.00"} in result.calculation_record()
    assert all(r["passed"] for r in result.assessment_record())


def test_a_fired_signal_above_the_threshold_refers_with_the_signal_in_plain_words():
    risky = replace(FACTS, signals=replace(FACTS.signals, duplicate_invoices=(("INV-1", "City Hospital", "CLM-0"),)))
    result = evaluate(risky, RULESET)
    assert result.outcome == REFER
    assert result.scored.score == 60
    assert any("duplicate_invoice" in r and "CLM-0" in r for r in result.reasons)
    assert any("threshold 30" in r for r in result.reasons)


def test_a_payable_above_the_automatic_limit_refers_even_when_everything_else_is_fine():
    big = replace(FACTS, coverage=replace(FACTS.coverage, claimed=D("9000.00")))
    result = evaluate(big, RULESET)
    assert result.outcome == REFER
    assert result.reasons == ("The payable 8,010.00 CNY is above the automatic settlement limit of 5,000.00 CNY.",)


def test_a_failed_coverage_check_is_a_reason_and_never_a_denial():
    lapsed = replace(FACTS, coverage=replace(FACTS.coverage, policy_status="lapsed"))
    result = evaluate(lapsed, RULESET)
    assert result.outcome == REFER  # automation only approves or refers
    assert "lapsed" in result.reasons[0]


def adjuster(id: int, skills=(), authority=5_000_000, load=0, unlimited=False, manager=False) -> Adjuster:
    return Adjuster(id, f"Adjuster {id}", tuple(skills), authority, unlimited, load, manager)


def test_assignment_prefers_the_skill_then_authority_then_the_lightest_workload():
    team = [
        adjuster(1, ["death"], load=0),
        adjuster(2, ["medical"], authority=10_000, load=0),
        adjuster(3, ["medical"], load=4),
        adjuster(4, [], load=2),
    ]
    chosen = choose(team, "medical", 800_000)  # 8,000 CNY: adjuster 2's authority is 100 CNY
    assert chosen.adjuster_id == 4  # skilled (every kind), with the authority, lighter than 3
    assert "Adjuster 4" in chosen.reasons[0] and "2 open claim(s)" in chosen.reasons[0]
    assert choose(team, "death", 100).adjuster_id == 1


def test_a_claims_manager_is_given_claims_only_when_no_other_adjuster_is_active():
    # the manager (every kind, the most authority, no open claims) supervises: the handler gets the claim
    team = [adjuster(1, [], authority=10_000_000, manager=True), adjuster(2, ["medical"], authority=100, load=5)]
    assert choose(team, "medical", 800_000).adjuster_id == 2
    assert choose([adjuster(1, manager=True)], "medical", 800_000).adjuster_id == 1  # alone: the manager


def test_assignment_says_when_nobody_has_the_skill_or_the_authority():
    team = [adjuster(1, ["death"], authority=100, load=3), adjuster(2, ["death"], authority=100, load=1)]
    chosen = choose(team, "medical", 1_000_000)
    assert chosen.adjuster_id == 2
    assert any("No adjuster lists 'medical'" in r for r in chosen.reasons)
    assert any("second person" in r for r in chosen.reasons)
    assert choose([], "medical", 1).adjuster_id is None


def test_a_backtest_with_a_stricter_rule_set_shows_the_decisions_that_change():
    stricter = parse_ruleset(
        current_text().replace('version = "2026-11-01"', 'version = "strict"')
        + "\n[products.pa_basic]\nstraight_through_threshold = 0\n"
    )
    other = replace(FACTS, claim_id=2, number="CLM-2", product_code="pa_other")
    report = compare([(FACTS, "paid"), (other, "paid")], RULESET, stricter)
    assert (report.current.straight_through, report.candidate.straight_through) == (2, 1)
    assert [row.number for row in report.changed] == ["CLM-1"]
    row = report.changed[0]
    assert (row.current.outcome, row.candidate.outcome) == (APPROVE, REFER)
    assert report.payout_difference == D("-630.00")
    assert report.as_dict()["candidate"]["straight_through_rate_percent"] == "50.0"


def current_text() -> str:
    from claims.ruleset import RULESETS_DIR, available

    return (RULESETS_DIR / available()[-1]).read_text(encoding="utf-8")
