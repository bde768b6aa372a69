"""Rule backtesting: run the current or a candidate rule set over the historic claims and show which automated
decisions would change — straight-through rate, referrals, payout difference — claim by claim.

The comparison is pure (``compare``) over the facts as recorded (claims.facts); ``run`` gathers them. A backtest
changes nothing: it reads the claims and writes no row.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from claims import facts as claim_facts
from claims.model import ClaimStatus
from claims.rules import APPROVE, ClaimFacts, Evaluation, evaluate
from claims.ruleset import RULESETS_DIR, Ruleset, RulesetError, available, current, load_ruleset, parse_ruleset
from claims.tables import Claim

ZERO = Decimal(0)
# claims the automation has seen (not still waiting for their first assessment)
NOT_YET_ASSESSED = (ClaimStatus.SUBMITTED, ClaimStatus.ASSESSING)


@dataclass(frozen=True)
class Row:
    number: str
    kind: str
    product_code: str
    recorded_status: str
    current: Evaluation
    candidate: Evaluation

    @property
    def changed(self) -> bool:
        return (self.current.outcome, self.current.payable) != (self.candidate.outcome, self.candidate.payable)

    @property
    def payout_difference(self) -> Decimal:
        return _automatic_payout(self.candidate) - _automatic_payout(self.current)

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "kind": self.kind,
            "product_code": self.product_code,
            "recorded_status": self.recorded_status,
            "current_outcome": self.current.outcome,
            "candidate_outcome": self.candidate.outcome,
            "current_score": self.current.scored.score,
            "candidate_score": self.candidate.scored.score,
            "current_payable": str(self.current.payable),
            "candidate_payable": str(self.candidate.payable),
            "payout_difference": str(self.payout_difference),
            "changed": self.changed,
            "candidate_reasons": list(self.candidate.reasons),
        }


@dataclass(frozen=True)
class Side:
    version: str
    straight_through: int
    referred: int
    automatic_payout: Decimal

    def rate(self, total: int) -> Decimal:
        return (Decimal(self.straight_through) * 100 / total).quantize(Decimal("0.1")) if total else ZERO


@dataclass(frozen=True)
class Report:
    current: Side
    candidate: Side
    rows: tuple[Row, ...]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def changed(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.changed)

    @property
    def payout_difference(self) -> Decimal:
        return self.candidate.automatic_payout - self.current.automatic_payout

    def as_dict(self, *, every_claim: bool = False) -> dict:
        def side(s: Side) -> dict:
            return {
                "version": s.version,
                "straight_through": s.straight_through,
                "straight_through_rate_percent": str(s.rate(self.total)),
                "referred": s.referred,
                "automatic_payout": str(s.automatic_payout),
            }

        return {
            "claims": self.total,
            "current": side(self.current),
            "candidate": side(self.candidate),
            "changed": len(self.changed),
            "payout_difference": str(self.payout_difference),
            "rows": [r.as_dict() for r in (self.rows if every_claim else self.changed)],
        }


def _automatic_payout(result: Evaluation) -> Decimal:
    return result.payable if result.outcome == APPROVE else ZERO


def _side(version: str, results: list[Evaluation]) -> Side:
    straight = [r for r in results if r.outcome == APPROVE]
    return Side(version, len(straight), len(results) - len(straight), sum((r.payable for r in straight), ZERO))


def compare(found: list[tuple[ClaimFacts, str]], current_rules: Ruleset, candidate_rules: Ruleset) -> Report:
    """Each claim (its facts and recorded status) evaluated under both rule sets, and the totals."""
    rows = tuple(
        Row(
            facts.number,
            facts.kind,
            facts.product_code,
            status,
            evaluate(facts, current_rules),
            evaluate(facts, candidate_rules),
        )
        for facts, status in found
    )
    return Report(
        _side(current_rules.version, [r.current for r in rows]),
        _side(candidate_rules.version, [r.candidate for r in rows]),
        rows,
    )


async def historic_facts(limit: int | None = None) -> list[tuple[ClaimFacts, str]]:
    """The facts of every claim the automation has assessed, oldest first (``limit``: the most recent N)."""
    query = Claim.select(Claim.id, Claim.status).where(Claim.status.not_in(list(NOT_YET_ASSESSED))).order_by(Claim.id)
    rows = await query
    if limit is not None:
        rows = rows[-limit:]
    found = []
    for row in rows:
        facts = await claim_facts.gather(row["id"])
        if facts is not None:
            found.append((facts, row["status"]))
    return found


def candidate_from(*, name: str = "", text: str = "", path: Path | None = None) -> Ruleset:
    """The candidate rule set: a file of claims/rulesets by name, pasted or uploaded TOML, or a file path; the
    current rule set when none is given. RulesetError names what is wrong."""
    if text.strip():
        return parse_ruleset(text)
    if path is not None:
        return load_ruleset(path)
    if name:
        if name not in available():
            raise RulesetError(name, "", f"is not a rule set in claims/rulesets ({', '.join(available())})")
        return load_ruleset(RULESETS_DIR / name)
    return current()


async def run(candidate: Ruleset, limit: int | None = None) -> Report:
    """The backtest of ``candidate`` against the rule set in force, over the historic claims. Writes nothing."""
    return compare(await historic_facts(limit), current(), candidate)
