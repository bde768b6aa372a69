"""The automated decision (pure): coverage, fraud signals and the straight-through test, explained in plain words.

Automation only ever approves or refers. A claim goes straight through when it is covered, its fraud score is
below the rule set's threshold and what it pays is within the product's automatic settlement limit; otherwise it
goes to an adjuster with every reason. Denial is always a human decision with a reasoned notice (Insurance Law
art. 24), never the output of these rules. The same evaluation serves the live assessment and the backtest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from claims.coverage import CoverageFacts, CoverageResult, assess_coverage, cny
from claims.ruleset import Rules, Ruleset
from claims.signals import Scored, SignalFacts, score
from insure.money import quantize

APPROVE = "approve"
REFER = "refer"


@dataclass(frozen=True)
class ClaimFacts:
    """Everything the decision looks at for one claim, gathered from the database by claims.facts."""

    claim_id: int
    number: str
    kind: str  # claims.kinds code
    insurer_code: str
    product_code: str
    straight_through_limit: Decimal
    coverage: CoverageFacts
    signals: SignalFacts


@dataclass(frozen=True)
class Evaluation:
    outcome: str  # APPROVE or REFER
    ruleset_version: str
    threshold: int
    coverage: CoverageResult
    scored: Scored
    reasons: tuple[str, ...]  # why it was referred, in plain words (empty when approved)

    @property
    def payable(self) -> Decimal:
        return self.coverage.benefit.payable

    def assessment_record(self) -> list[dict]:
        """The checks the claimant sees (coverage and the automatic limit); the fraud signals are staff-only."""
        return [{"code": c.code, "passed": c.passed, "reason": c.reason} for c in self.coverage.checks] + [
            {"code": "within_straight_through_limit", "passed": self.within_limit, "reason": self.limit_reason()},
        ]

    def calculation_record(self) -> list[dict]:
        return [{"step": step, "amount": str(quantize(amount))} for step, amount in self.coverage.benefit.steps]

    def signals_record(self) -> list[dict]:
        return [s.as_record() for s in self.scored.signals]

    within_limit: bool = True
    automatic_limit: Decimal = Decimal(0)

    def score_reason(self) -> str:
        fired = ", ".join(f"{s.code} (+{s.weight})" for s in self.scored.fired) or "none fired"
        return f"Fraud score {self.scored.score} against the threshold {self.threshold}: {fired}."

    def limit_reason(self) -> str:
        side = "within" if self.within_limit else "above"
        return (
            f"The payable {cny(self.payable)} is {side} the automatic settlement limit of {cny(self.automatic_limit)}."
        )


def rules_for(facts: ClaimFacts, ruleset: Ruleset) -> Rules:
    return ruleset.for_claim(facts.insurer_code, facts.product_code)


def evaluate(facts: ClaimFacts, ruleset: Ruleset) -> Evaluation:
    """Coverage, then the signals (on the amount the claim would pay), then straight-through or the reasons."""
    rules = rules_for(facts, ruleset)
    coverage = assess_coverage(facts.coverage)
    payable = coverage.benefit.payable
    signal_facts = replace(facts.signals, amount=payable, straight_through_limit=facts.straight_through_limit)
    scored = score(signal_facts, rules)
    within = payable <= facts.straight_through_limit
    reasons: list[str] = [c.reason for c in coverage.failed]
    reasons += [f"Fraud signal {s.code} (+{s.weight}): {s.explanation}" for s in scored.fired]
    if scored.score >= rules.straight_through_threshold:
        reasons.append(
            f"The fraud score {scored.score} is at or above the straight-through threshold "
            f"{rules.straight_through_threshold}."
        )
    if not within:
        reasons.append(
            f"The payable {cny(payable)} is above the automatic settlement limit of "
            f"{cny(facts.straight_through_limit)}."
        )
    straight_through = coverage.covered and scored.score < rules.straight_through_threshold and within
    return Evaluation(
        outcome=APPROVE if straight_through else REFER,
        ruleset_version=ruleset.version,
        threshold=rules.straight_through_threshold,
        coverage=coverage,
        scored=scored,
        reasons=() if straight_through else tuple(reasons),
        within_limit=within,
        automatic_limit=facts.straight_through_limit,
    )
