"""What a claim of each kind of benefit claims (claims/invoices.py): itemised invoices for expenses, the nights in
hospital for a daily allowance, the cover's limit for a lump sum; every refusal names its field and code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claims.invoices import (
    MAX_INVOICES,
    billed,
    claimed_for,
    days_in_hospital,
    parse_discharge,
    parse_invoices,
    social_insurance_paid,
)
from claims.kinds import KINDS

TODAY = date(2026, 6, 30)
LOSS = date(2026, 6, 10)


def invoice(n: int = 1, **fields: object) -> dict:
    return {
        "number": f"FP{n:04d}",
        "issuer": "Peking Union Medical College Hospital",
        "date": "2026-06-12",
        "amount": "1200.50",
        "social_insurance": "300",
        **fields,
    }


def refusals(items: object, loss: date | None = LOSS) -> list[tuple[str, str]]:
    invoices, errors = parse_invoices(items, loss, TODAY)
    assert not (invoices and errors)  # refused: nothing kept
    return [(e.field, e.code) for e in errors]


def test_given_three_invoices_the_claim_is_their_total_and_social_insurance_is_kept_per_invoice():
    items = [invoice(1), invoice(2, amount="99.50", social_insurance=""), invoice(3, amount="800", date="2026-05-20")]
    invoices, errors = parse_invoices(items, LOSS, TODAY)
    assert errors == []
    assert [i.number for i in invoices] == ["FP0001", "FP0002", "FP0003"]
    assert billed(invoices) == Decimal("2100.00")
    assert social_insurance_paid(invoices) == Decimal("600.00")
    assert invoices[1].social_insurance == Decimal("0.00")  # empty: social insurance paid nothing


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"number": ""}, ("invoices[0].number", "invoice_number_missing")),
        ({"number": "FP\u202e01"}, ("invoices[0].number", "invalid_characters")),
        ({"number": "F" * 41}, ("invoices[0].number", "too_long")),
        ({"issuer": "  "}, ("invoices[0].issuer", "invoice_issuer_missing")),
        ({"date": "12/06/2026"}, ("invoices[0].date", "invoice_date_invalid")),
        ({"date": "2026-07-01"}, ("invoices[0].date", "invoice_date_in_future")),
        ({"date": "2026-05-10"}, ("invoices[0].date", "invoice_date_before_loss")),
        ({"amount": "0"}, ("invoices[0].amount", "invoice_amount_invalid")),
        ({"amount": "-5"}, ("invoices[0].amount", "invoice_amount_invalid")),
        ({"amount": "12.345"}, ("invoices[0].amount", "amount_too_many_decimals")),
        ({"social_insurance": "1.001"}, ("invoices[0].social_insurance", "amount_too_many_decimals")),
        ({"social_insurance": "abc"}, ("invoices[0].social_insurance", "social_insurance_invalid")),
        ({"social_insurance": "1200.51"}, ("invoices[0].social_insurance", "social_insurance_above_amount")),
    ],
)
def test_each_bad_invoice_field_is_refused_naming_the_field(fields: dict, expected: tuple[str, str]):
    assert refusals([invoice(**fields)]) == [expected]


def test_the_earliest_invoice_date_is_thirty_days_before_the_loss():
    assert refusals([invoice(date="2026-05-11")]) == []  # 30 days before 2026-06-10
    assert refusals([invoice(date="2026-05-10")]) == [("invoices[0].date", "invoice_date_before_loss")]
    assert refusals([invoice(date=TODAY.isoformat())]) == []


def test_the_same_invoice_number_twice_in_one_claim_is_refused_on_the_second():
    items = [invoice(1), invoice(2), invoice(number="fp 0001")]  # the same number, typed differently
    assert refusals(items) == [("invoices[2].number", "invoice_number_duplicate")]


def test_a_claim_has_one_to_fifty_invoices():
    assert refusals([]) == [("invoices", "invoices_missing")]
    assert refusals(None) == [("invoices", "invoices_missing")]
    assert refusals(["not an invoice"]) == [("invoices[0]", "invoice_invalid")]
    assert refusals([invoice(n) for n in range(MAX_INVOICES)]) == []
    assert refusals([invoice(n) for n in range(MAX_INVOICES + 1)]) == [("invoices", "invoices_too_many")]


def test_errors_in_several_invoices_are_all_reported_and_nothing_is_kept():
    items = [invoice(1, amount="0"), invoice(2), invoice(3, date="2027-01-01")]
    assert refusals(items) == [
        ("invoices[0].amount", "invoice_amount_invalid"),
        ("invoices[2].date", "invoice_date_in_future"),
    ]


def test_discharge_is_on_or_after_admission_and_not_in_the_future():
    assert parse_discharge("2026-06-15", LOSS, TODAY) == (date(2026, 6, 15), [])
    for value, code in (
        ("2026-06-09", "discharge_before_admission"),
        ("2026-07-01", "discharge_date_in_future"),
        ("", "discharge_date_invalid"),
    ):
        day, errors = parse_discharge(value, LOSS, TODAY)
        assert day is None and [(e.field, e.code) for e in errors] == [("discharge_date", code)]


def test_the_days_paid_are_the_nights_in_hospital_at_least_one():
    assert days_in_hospital(LOSS, date(2026, 6, 15)) == 5
    assert days_in_hospital(LOSS, LOSS) == 1


def test_a_fixed_benefit_claims_the_covers_limit_and_refuses_a_typed_amount():
    death = KINDS["death"]
    claimed, errors = claimed_for(death, {}, LOSS, TODAY, Decimal("300000.00"))
    assert claimed.amount == Decimal("300000.00") and errors == []
    _, errors = claimed_for(death, {"amount": "500000"}, LOSS, TODAY, Decimal("300000.00"))
    assert [(e.field, e.code) for e in errors] == [("amount", "amount_not_claimed")]


def test_a_daily_benefit_claims_the_nights_times_the_limit_per_day():
    allowance = KINDS["hospital_allowance"]
    claimed, errors = claimed_for(allowance, {"discharge_date": "2026-06-14"}, LOSS, TODAY, Decimal("150.00"))
    assert errors == [] and claimed.amount == Decimal("600.00") and claimed.discharge == date(2026, 6, 14)
    claimed, errors = claimed_for(allowance, {}, LOSS, TODAY, Decimal("150.00"))
    assert claimed.amount is None and [e.code for e in errors] == ["discharge_date_invalid"]


def test_an_expense_claim_may_repeat_the_total_but_not_another_amount():
    medical = KINDS["medical"]
    data = {"invoices": [invoice(1), invoice(2, amount="99.50", social_insurance="0")]}
    claimed, errors = claimed_for(medical, data, LOSS, TODAY, Decimal("30000"))
    assert errors == [] and claimed.amount == Decimal("1300.00") and len(claimed.invoices) == 2
    _, errors = claimed_for(medical, {**data, "amount": "1300"}, LOSS, TODAY, Decimal("30000"))
    assert errors == []
    _, errors = claimed_for(medical, {**data, "amount": "5000"}, LOSS, TODAY, Decimal("30000"))
    assert [(e.field, e.code) for e in errors] == [("amount", "amount_not_invoice_total")]
