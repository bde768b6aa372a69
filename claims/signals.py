"""Fraud signals (pure): each named, weighted by the rule set in force and explained with its figures.

A signal never decides a claim: the weights of those that fire add up to the claim's fraud score, and a score at
or above the rule set's straight-through threshold sends the claim to an adjuster with the signals as reasons.
The facts (other claims, invoices, files, bank accounts) are gathered by claims.facts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from claims.coverage import Invoice, cny
from claims.ruleset import Rules


@dataclass(frozen=True)
class SignalFacts:
    claim_number: str
    reported_on: date
    loss_date: date
    event_end_date: date | None
    issued_on: date  # the day the policy was issued
    cover_start: date
    reinstated_on: date | None  # the last reinstatement of the policy, if any
    amount: Decimal  # what the claim would pay (or what was claimed) — compared with the automatic limit
    straight_through_limit: Decimal
    invoices: tuple[Invoice, ...] = ()
    # other claims of the same insured (ID number) on the platform: (claim number, reported on)
    insured_claims: tuple[tuple[str, date], ...] = ()
    # (invoice number, issuer, other claim number) for each invoice also given on another claim
    duplicate_invoices: tuple[tuple[str, str, str], ...] = ()
    # (sha256, other claim number) for each file also given on another claim
    duplicate_documents: tuple[tuple[str, str], ...] = ()
    # the other claimants whose policies pay into the same bank account (claimant ids, unrelated to this one)
    bank_account_sharers: tuple[int, ...] = ()


@dataclass(frozen=True)
class Signal:
    code: str
    fired: bool
    weight: int  # what it adds to the score when it fires
    explanation: str

    def as_record(self) -> dict:
        return {"code": self.code, "fired": self.fired, "weight": self.weight, "explanation": self.explanation}


def soon_after_issue(f: SignalFacts, rules: Rules) -> Signal:
    code, days = "soon_after_issue", rules.param("soon_after_issue", "days")
    start, what = f.issued_on, "issued"
    if f.reinstated_on is not None and f.reinstated_on > start:
        start, what = f.reinstated_on, "reinstated"
    gap = (f.reported_on - start).days
    text = f"Reported {gap} day(s) after the policy was {what} on {start.isoformat()} (signal: within {days} days)."
    return Signal(code, gap < days, rules.weight(code), text)


def loss_near_cover_start(f: SignalFacts, rules: Rules) -> Signal:
    code, days = "loss_near_cover_start", rules.param("loss_near_cover_start", "days")
    start = f.cover_start
    if f.reinstated_on is not None and f.reinstated_on > start:
        start = f.reinstated_on
    gap = (f.loss_date - start).days
    text = f"The loss was {gap} day(s) after cover started on {start.isoformat()} (signal: within {days} days)."
    return Signal(code, 0 <= gap < days, rules.weight(code), text)


def frequent_claims(f: SignalFacts, rules: Rules) -> Signal:
    code = "frequent_claims"
    months, least = rules.param(code, "months"), rules.param(code, "min_claims")
    since = f.reported_on - timedelta(days=round(months * 365 / 12))
    recent = [number for number, on in f.insured_claims if since <= on <= f.reported_on]
    listed = f": {', '.join(recent[:5])}" if recent else ""
    text = (
        f"The insured has {len(recent)} other claim(s) on the platform since {since.isoformat()}{listed} "
        f"(signal: {least} or more in {months} months)."
    )
    return Signal(code, len(recent) >= least, rules.weight(code), text)


def duplicate_invoice(f: SignalFacts, rules: Rules) -> Signal:
    code = "duplicate_invoice"
    if not f.duplicate_invoices:
        return Signal(code, False, rules.weight(code), "No invoice of this claim appears on any other claim.")
    seen = "; ".join(f"invoice {n} of {issuer} also on claim {other}" for n, issuer, other in f.duplicate_invoices[:5])
    return Signal(code, True, rules.weight(code), f"The same invoice was given on another claim: {seen}.")


def duplicate_document(f: SignalFacts, rules: Rules) -> Signal:
    code = "duplicate_document"
    if not f.duplicate_documents:
        return Signal(code, False, rules.weight(code), "No file of this claim appears on any other claim.")
    seen = "; ".join(f"file {sha[:12]}… also on claim {other}" for sha, other in f.duplicate_documents[:5])
    return Signal(code, True, rules.weight(code), f"The same file was given on another claim: {seen}.")


def just_under_limit(f: SignalFacts, rules: Rules) -> Signal:
    code, percent = "just_under_limit", rules.param("just_under_limit", "percent")
    limit = f.straight_through_limit
    floor = limit * (100 - percent) / 100
    fired = limit > 0 and floor <= f.amount < limit
    text = (
        f"{cny(f.amount)} against the automatic settlement limit of {cny(limit)} "
        f"(signal: from {cny(floor.quantize(Decimal('0.01')))} up to the limit)."
    )
    return Signal(code, fired, rules.weight(code), text)


def invoice_outside_stay(f: SignalFacts, rules: Rules) -> Signal:
    code, days = "invoice_outside_stay", rules.param("invoice_outside_stay", "days")
    margin = timedelta(days=days)
    first, last = f.loss_date - margin, (f.event_end_date or f.loss_date) + margin
    outside = [i for i in f.invoices if not first <= i.issued_on <= last]
    if not f.invoices:
        return Signal(code, False, rules.weight(code), "The claim has no itemised invoices.")
    if not outside:
        text = f"All {len(f.invoices)} invoice(s) are dated from {first.isoformat()} to {last.isoformat()}."
        return Signal(code, False, rules.weight(code), text)
    listed = ", ".join(f"{i.number} on {i.issued_on.isoformat()}" for i in outside[:5])
    text = f"Invoice(s) dated outside the stay ± {days} days ({first.isoformat()} to {last.isoformat()}): {listed}."
    return Signal(code, True, rules.weight(code), text)


def shared_bank_account(f: SignalFacts, rules: Rules) -> Signal:
    code = "shared_bank_account"
    count = len(f.bank_account_sharers)
    if not count:
        return Signal(code, False, rules.weight(code), "The payout account is not on any unrelated claimant's policy.")
    text = f"The payout account is also on the policies of {count} unrelated claimant(s)."
    return Signal(code, True, rules.weight(code), text)


SIGNALS: tuple[Callable[[SignalFacts, Rules], Signal], ...] = (
    soon_after_issue,
    loss_near_cover_start,
    frequent_claims,
    duplicate_invoice,
    duplicate_document,
    just_under_limit,
    invoice_outside_stay,
    shared_bank_account,
)


@dataclass(frozen=True)
class Scored:
    signals: tuple[Signal, ...]
    score: int

    @property
    def fired(self) -> tuple[Signal, ...]:
        return tuple(s for s in self.signals if s.fired)


def score(f: SignalFacts, rules: Rules) -> Scored:
    """Every signal, and the score: the sum of the weights of those that fired."""
    signals = tuple(signal(f, rules) for signal in SIGNALS)
    return Scored(signals, sum(s.weight for s in signals if s.fired))
