"""Automated claim assessment: approve only when every named rule passes, else refer with reasons."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from claims.rules import RULES, Assessment, ClaimFacts, assess

D = Decimal

CLEAN = ClaimFacts(
    claim_amount=D("1200.00"),
    loss_date=date(2026, 3, 10),
    reported_on=date(2026, 3, 12),
    policy_status="in_force",
    policy_effective=date(2026, 1, 1),
    policy_expiry=date(2026, 12, 31),
    sum_insured=D("300000.00"),
    straight_through_limit=D("5000.00"),
    prior_claims_on_policy=0,
)


def fired_codes(assessment: Assessment) -> list[str]:
    return [result.code for result in assessment.fired]


def test_clean_claim_is_approved_with_every_rule_recorded():
    # given a small first claim in the period of cover, when assessed, then it is approved straight through
    assessment = assess(CLEAN)
    assert assessment.outcome == "approve"
    assert assessment.fired == ()
    assert [r.code for r in assessment.results] == [rule.__name__ for rule in RULES]
    assert all(r.passed and r.reason for r in assessment.results)


@pytest.mark.parametrize(
    ("change", "code", "mentions"),
    [
        ({"policy_status": "lapsed"}, "policy_in_force_on_loss_date", "lapsed"),
        ({"loss_date": date(2025, 12, 31)}, "policy_in_force_on_loss_date", "2025-12-31"),
        ({"sum_insured": D("1000.00")}, "amount_within_sum_insured", "1,000.00"),
        ({"claim_amount": D("5000.01")}, "within_straight_through_limit", "5,000.01"),
        ({"reported_on": date(2026, 3, 9)}, "loss_not_in_future", "2026-03-09"),
        ({"prior_claims_on_policy": 1}, "no_prior_claims", "1 earlier claim"),
        ({"waiting_period_days": 180}, "waiting_period_passed", "waiting period"),
        ({"payable": D("0.00")}, "benefit_payable", "nothing is payable"),
    ],
)
def test_each_rule_fires_alone_and_refers_with_a_reason(change, code, mentions):
    # given a clean claim with one fact changed, then exactly that rule fires and its reason names the fact
    assessment = assess(replace(CLEAN, **change))
    assert assessment.outcome == "refer"
    assert fired_codes(assessment) == [code]
    assert mentions in assessment.fired[0].reason


@pytest.mark.parametrize("loss_date", [date(2026, 1, 1), date(2026, 12, 31)])
def test_loss_on_the_first_or_last_day_of_cover_passes(loss_date):
    facts = replace(CLEAN, loss_date=loss_date, reported_on=date(2027, 1, 5))
    assert assess(facts).outcome == "approve"


@pytest.mark.parametrize("loss_date", [date(2025, 12, 31), date(2027, 1, 1)])
def test_loss_one_day_outside_cover_is_referred(loss_date):
    facts = replace(CLEAN, loss_date=loss_date, reported_on=date(2027, 1, 5))
    assessment = assess(facts)
    assert assessment.outcome == "refer"
    assert fired_codes(assessment) == ["policy_in_force_on_loss_date"]


def test_amount_boundaries_are_inclusive():
    # given a claim of exactly the straight-through limit, then it is still automatic
    assert assess(replace(CLEAN, claim_amount=D("5000.00"))).outcome == "approve"
    at_sum_insured = assess(replace(CLEAN, claim_amount=D("300000.00")))
    assert fired_codes(at_sum_insured) == ["within_straight_through_limit"]


def test_loss_reported_the_same_day_passes():
    assert assess(replace(CLEAN, loss_date=date(2026, 3, 12))).outcome == "approve"


def test_several_rules_fire_together_and_all_are_reported():
    facts = replace(CLEAN, claim_amount=D("400000.00"), prior_claims_on_policy=2)
    assessment = assess(facts)
    assert assessment.outcome == "refer"
    assert fired_codes(assessment) == [
        "amount_within_sum_insured",
        "within_straight_through_limit",
        "no_prior_claims",
    ]


def test_rules_never_deny():
    worst = replace(CLEAN, policy_status="cancelled", claim_amount=D("9999999.00"), prior_claims_on_policy=9)
    assert assess(worst).outcome == "refer"


def test_money_facts_must_be_decimal():
    with pytest.raises(TypeError):
        replace(CLEAN, claim_amount=1200.0)
