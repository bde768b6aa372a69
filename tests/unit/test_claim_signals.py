"""Fraud signals: given the facts around a claim, each signal fires on its own condition, with its weight from
the rule set and an explanation that names the figures."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from claims.coverage import Invoice
from claims.ruleset import current
from claims.signals import SIGNALS, SignalFacts, score

D = Decimal
RULES = current().for_claim("huaxia_mutual", "pa_basic")
CLEAN = SignalFacts(
    claim_number="CLM-1",
    reported_on=date(2026, 6, 12),
    loss_date=date(2026, 6, 10),
    event_end_date=date(2026, 6, 14),
    issued_on=date(2026, 1, 1),
    cover_start=date(2026, 1, 1),
    reinstated_on=None,
    amount=D("800.00"),
    straight_through_limit=D("5000.00"),
    invoices=(Invoice("INV-9", "City Hospital", date(2026, 6, 11), D("800"), D("0")),),
)


def fired(facts: SignalFacts) -> dict[str, str]:
    return {s.code: s.explanation for s in score(facts, RULES).fired}


def test_a_clean_claim_fires_nothing_and_scores_zero():
    scored = score(CLEAN, RULES)
    assert scored.score == 0 and scored.fired == ()
    assert [s.code for s in scored.signals] == [f.__name__ for f in SIGNALS]
    assert all(s.explanation for s in scored.signals)


@pytest.mark.parametrize(
    ("change", "code", "mentions"),
    [
        ({"issued_on": date(2026, 6, 1), "cover_start": date(2026, 5, 1)}, "soon_after_issue", "11 day(s)"),
        ({"reinstated_on": date(2026, 5, 20)}, "soon_after_issue", "reinstated on 2026-05-20"),
        ({"cover_start": date(2026, 6, 1), "issued_on": date(2026, 4, 1)}, "loss_near_cover_start", "9 day(s)"),
        (
            {"insured_claims": (("C1", date(2026, 1, 5)), ("C2", date(2026, 3, 5)), ("C3", date(2026, 5, 5)))},
            "frequent_claims",
            "3 other claim(s)",
        ),
        ({"duplicate_invoices": (("INV-9", "City Hospital", "CLM-0"),)}, "duplicate_invoice", "CLM-0"),
        ({"duplicate_documents": (("ab" * 32, "CLM-0"),)}, "duplicate_document", "CLM-0"),
        ({"amount": D("4800.00")}, "just_under_limit", "4,800.00"),
        (
            {"invoices": (Invoice("INV-9", "City Hospital", date(2026, 5, 1), D("800"), D("0")),)},
            "invoice_outside_stay",
            "INV-9 on 2026-05-01",
        ),
        ({"bank_account_sharers": (7, 8)}, "shared_bank_account", "2 unrelated"),
    ],
)
def test_each_signal_fires_alone_with_its_figures(change, code, mentions):
    found = fired(replace(CLEAN, **change))
    assert list(found) == [code]
    assert mentions in found[code]
    assert score(replace(CLEAN, **change), RULES).score == RULES.weight(code)


def test_claims_older_than_the_window_do_not_count_towards_frequency():
    old = (("C1", date(2025, 1, 5)), ("C2", date(2025, 3, 5)), ("C3", date(2026, 5, 5)))
    assert "frequent_claims" not in fired(replace(CLEAN, insured_claims=old))


def test_the_amount_at_or_above_the_limit_is_not_just_under_it():
    assert "just_under_limit" not in fired(replace(CLEAN, amount=D("5000.00")))
    assert "just_under_limit" in fired(replace(CLEAN, amount=D("4500.00")))


def test_weights_add_up_to_the_score():
    facts = replace(CLEAN, duplicate_invoices=(("INV-9", "City Hospital", "CLM-0"),), bank_account_sharers=(3,))
    assert score(facts, RULES).score == RULES.weight("duplicate_invoice") + RULES.weight("shared_bank_account")
