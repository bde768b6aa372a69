"""Parsing a declaration's inputs: every field's problem at once, stable codes, nothing half-parsed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from insure.accounts.declaration_inputs import FIELDS, parse_declaration
from insure.errors import ValidationFailed

BASE = {
    "insurer_code": "huaxia_mutual",
    "year": "2027",
    "investment_yield": "0.045",
    "mortality_ratio": "0.85",
    "expense_ratio": "0.9",
}


def parse(**changes: object):
    return parse_declaration({**BASE, **changes}, today=date(2027, 3, 1), insurers=frozenset({"huaxia_mutual"}))


def problems(**changes: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as refused:
        parse(**changes)
    return [(e.field, e.code) for e in refused.value.errors]


def test_good_inputs_take_the_defaults_for_what_is_left_out():
    got = parse()
    assert got.year == 2027 and got.investment_yield == Decimal("0.045")
    assert (got.policyholder_share, got.smoothing_transfer, got.accumulation_rate) == (
        Decimal("0.70"),
        Decimal("0"),
        Decimal("0.025"),
    )
    assert FIELDS[0] == "insurer_code" and set(FIELDS) == set(got.__dataclass_fields__)


def test_a_negative_yield_and_a_released_smoothing_amount_are_accepted():
    got = parse(investment_yield="-0.02", smoothing_transfer="-1500.50")
    assert got.investment_yield == Decimal("-0.02") and got.smoothing_transfer == Decimal("-1500.50")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"investment_yield": "abc"}, [("investment_yield", "not_a_number")]),
        ({"investment_yield": "0.6"}, [("investment_yield", "out_of_range")]),
        ({"investment_yield": 0.045}, [("investment_yield", "not_a_number")]),  # a float is never exact
        ({"mortality_ratio": "-0.1"}, [("mortality_ratio", "must_be_positive")]),
        ({"mortality_ratio": "0"}, [("mortality_ratio", "must_be_positive")]),
        ({"expense_ratio": "-1"}, [("expense_ratio", "out_of_range")]),
        ({"policyholder_share": "1.01"}, [("policyholder_share", "out_of_range")]),
        ({"accumulation_rate": "0.25"}, [("accumulation_rate", "out_of_range")]),
        ({"bonus_rate": "0.21"}, [("bonus_rate", "out_of_range")]),
        ({"terminal_bonus_rate": "3.5"}, [("terminal_bonus_rate", "out_of_range")]),
        ({"investment_yield": "0.0450000000001"}, [("investment_yield", "too_long")]),
        ({"investment_yield": "0.0000001"}, [("investment_yield", "too_many_decimals")]),
        ({"investment_yield": ""}, [("investment_yield", "required")]),
        ({"insurer_code": "nobody"}, [("insurer_code", "unknown_insurer")]),
        ({"year": "20x7"}, [("year", "year_invalid")]),
        ({"year": "2029"}, [("year", "year_invalid")]),  # beyond next year
        ({"year": 2027.0}, [("year", "year_invalid")]),
        ({"smoothing_transfer": "1.234"}, [("smoothing_transfer", "too_many_decimals")]),
    ],
)
def test_each_bad_input_is_named_with_its_code(changes, expected):
    assert problems(**changes) == expected


def test_every_problem_is_reported_at_once():
    found = problems(investment_yield="abc", expense_ratio="-1", policyholder_share="0.5", year="")
    assert found == [
        ("year", "year_invalid"),
        ("investment_yield", "not_a_number"),
        ("expense_ratio", "out_of_range"),
        ("policyholder_share", "share_below_minimum"),
    ]


def test_full_width_digits_are_normalised_before_parsing():
    assert parse(investment_yield="０.０４５").investment_yield == Decimal("0.045")


def test_next_year_may_be_declared_ahead():
    assert parse(year=2028).year == 2028
