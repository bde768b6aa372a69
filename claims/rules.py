"""Automated claim assessment (pure): named rules, each explaining itself in plain English.

Automation only ever approves or refers. A claim that fails any rule goes to an adjuster; denial is always
a human decision with a reasoned notice (Insurance Law art. 24), never the output of these rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from insure.money import format_amount

APPROVE = "approve"
REFER = "refer"


@dataclass(frozen=True)
class ClaimFacts:
    """What the rules look at, gathered from the claim and its policy when the claim was filed."""

    claim_amount: Decimal
    loss_date: date
    reported_on: date
    policy_status: str
    policy_effective: date
    policy_expiry: date
    sum_insured: Decimal
    straight_through_limit: Decimal
    prior_claims_on_policy: int
    payable: Decimal | None = None  # what the cover pays after deductible and co-insurance, if computed
    waiting_period_days: int = 0  # illness in this period after issue is not covered

    def __post_init__(self) -> None:
        for name in ("claim_amount", "sum_insured", "straight_through_limit"):
            if not isinstance(getattr(self, name), Decimal):
                raise TypeError(f"{name} must be a Decimal, not {type(getattr(self, name)).__name__}")


@dataclass(frozen=True)
class RuleResult:
    """One rule's verdict and why, recorded on the claim so every decision can be explained."""

    code: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class Assessment:
    """The outcome of all rules: "approve" only when every rule passed, otherwise "refer"."""

    outcome: str
    results: tuple[RuleResult, ...]

    @property
    def fired(self) -> tuple[RuleResult, ...]:
        """The rules that did not pass: the reasons the claim went to an adjuster."""
        return tuple(result for result in self.results if not result.passed)


def _cny(amount: Decimal) -> str:
    return f"{format_amount(amount)} CNY"


def policy_in_force_on_loss_date(facts: ClaimFacts) -> RuleResult:
    """The policy must be in force and the loss must fall within its period of cover (both ends included)."""
    code = "policy_in_force_on_loss_date"
    period = f"{facts.policy_effective.isoformat()} to {facts.policy_expiry.isoformat()}"
    if facts.policy_status != "in_force":
        return RuleResult(code, False, f"The policy's status is {facts.policy_status!r}, not in force.")
    if not facts.policy_effective <= facts.loss_date <= facts.policy_expiry:
        return RuleResult(
            code, False, f"The loss on {facts.loss_date.isoformat()} is outside the period of cover {period}."
        )
    return RuleResult(code, True, f"The loss on {facts.loss_date.isoformat()} is within the period of cover {period}.")


def amount_within_sum_insured(facts: ClaimFacts) -> RuleResult:
    """A claim cannot be worth more than the sum insured of the cover it is made under."""
    code = "amount_within_sum_insured"
    compared = f"The claimed {_cny(facts.claim_amount)}"
    if facts.claim_amount > facts.sum_insured:
        return RuleResult(code, False, f"{compared} exceeds the sum insured of {_cny(facts.sum_insured)}.")
    return RuleResult(code, True, f"{compared} is within the sum insured of {_cny(facts.sum_insured)}.")


def within_straight_through_limit(facts: ClaimFacts) -> RuleResult:
    """Larger claims are always seen by an adjuster, whatever else is true."""
    code = "within_straight_through_limit"
    compared = f"The claimed {_cny(facts.claim_amount)}"
    limit = _cny(facts.straight_through_limit)
    if facts.claim_amount > facts.straight_through_limit:
        return RuleResult(code, False, f"{compared} is above the automatic settlement limit of {limit}.")
    return RuleResult(code, True, f"{compared} is within the automatic settlement limit of {limit}.")


def loss_not_in_future(facts: ClaimFacts) -> RuleResult:
    """A loss cannot be reported before it happened."""
    code = "loss_not_in_future"
    loss, reported = facts.loss_date.isoformat(), facts.reported_on.isoformat()
    if facts.loss_date > facts.reported_on:
        return RuleResult(code, False, f"The loss date {loss} is after the claim was reported on {reported}.")
    return RuleResult(code, True, f"The loss date {loss} is on or before the report date {reported}.")


def no_prior_claims(facts: ClaimFacts) -> RuleResult:
    """A repeated claim on a one-year accident policy is unusual enough for a human to look at."""
    code = "no_prior_claims"
    count = facts.prior_claims_on_policy
    if count != 0:
        noun = "claim" if count == 1 else "claims"
        return RuleResult(code, False, f"The policy already has {count} earlier {noun}.")
    return RuleResult(code, True, "This is the first claim on the policy.")


def waiting_period_passed(facts: ClaimFacts) -> RuleResult:
    """A loss inside the waiting period is not covered; an adjuster confirms (accidents may be exempt)."""
    code = "waiting_period_passed"
    if facts.waiting_period_days <= 0:
        return RuleResult(code, True, "The product has no waiting period.")
    ends = facts.policy_effective + timedelta(days=facts.waiting_period_days)
    if facts.loss_date < ends:
        return RuleResult(
            code,
            False,
            f"The loss on {facts.loss_date.isoformat()} is within the waiting period ending {ends.isoformat()}.",
        )
    return RuleResult(code, True, f"The waiting period ended on {ends.isoformat()}.")


def benefit_payable(facts: ClaimFacts) -> RuleResult:
    """Nothing payable (e.g. below the deductible) is never settled automatically: an adjuster must write the
    reasoned notice a denial needs (Insurance Law art. 24)."""
    code = "benefit_payable"
    if facts.payable is not None and facts.payable <= 0:
        return RuleResult(code, False, "After the deductible and co-insurance nothing is payable.")
    payable = "not computed" if facts.payable is None else _cny(facts.payable)
    return RuleResult(code, True, f"The benefit payable is {payable}.")


RULES: tuple[Callable[[ClaimFacts], RuleResult], ...] = (
    policy_in_force_on_loss_date,
    amount_within_sum_insured,
    within_straight_through_limit,
    loss_not_in_future,
    no_prior_claims,
    waiting_period_passed,
    benefit_payable,
)


def assess(facts: ClaimFacts) -> Assessment:
    """Run every rule (never stopping early, so the record shows all reasons) and decide approve or refer."""
    results = tuple(rule(facts) for rule in RULES)
    outcome = APPROVE if all(result.passed for result in results) else REFER
    return Assessment(outcome=outcome, results=results)
