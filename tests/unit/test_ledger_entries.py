"""Double-entry rules: only balanced entries of valid lines may be posted."""

import pytest

from insure.ledger.entries import (
    CASH_SANDBOX,
    CHART,
    CLAIMS_PAID,
    PREMIUM_REFUNDS,
    PREMIUM_WRITTEN,
    REINSTATEMENT_INTEREST,
    Line,
    UnbalancedEntry,
    balance,
    transfer,
    validate_entry,
)


def test_chart_names_every_account_with_a_kind():
    assert {CASH_SANDBOX, PREMIUM_WRITTEN, CLAIMS_PAID, PREMIUM_REFUNDS, REINSTATEMENT_INTEREST} <= set(CHART)
    for code, (kind, name) in CHART.items():
        assert kind in {"asset", "liability", "income", "expense", "equity"}
        assert code.startswith(kind + ":")
        assert name


def test_premium_received_is_one_balanced_transfer():
    # given 390.00 premium paid through the sandbox, when booked, then cash goes up and premium income too
    lines = transfer(CASH_SANDBOX, PREMIUM_WRITTEN, 39000)
    assert lines == (Line(CASH_SANDBOX, debit_fen=39000), Line(PREMIUM_WRITTEN, credit_fen=39000))
    assert balance(lines, CASH_SANDBOX) == 39000
    assert balance(lines, PREMIUM_WRITTEN) == -39000
    assert balance(lines, CLAIMS_PAID) == 0


def test_balances_are_derived_from_all_lines():
    # given a premium, a claim payment and a refund, then cash is what came in minus what went out
    journal = [
        *transfer(CASH_SANDBOX, PREMIUM_WRITTEN, 100_00),
        *transfer(CLAIMS_PAID, CASH_SANDBOX, 30_00),
        *transfer(PREMIUM_REFUNDS, CASH_SANDBOX, 5_00),
    ]
    assert balance(journal, CASH_SANDBOX) == 65_00
    assert sum(balance(journal, code) for code in CHART) == 0


def test_multi_line_entry_balances():
    entry = validate_entry(
        [
            Line(CASH_SANDBOX, debit_fen=70),
            Line(CLAIMS_PAID, debit_fen=30),
            Line(PREMIUM_WRITTEN, credit_fen=100),
        ]
    )
    assert isinstance(entry, tuple) and len(entry) == 3


@pytest.mark.parametrize(
    "kwargs",
    [
        {"debit_fen": 0, "credit_fen": 0},
        {"debit_fen": 5, "credit_fen": 5},
        {"debit_fen": -5},
        {"credit_fen": -5},
    ],
)
def test_a_line_has_exactly_one_positive_side(kwargs):
    with pytest.raises(UnbalancedEntry) as err:
        Line(CASH_SANDBOX, **kwargs)
    assert err.value.code == "bad_line"


@pytest.mark.parametrize("amount", [True, 1.5, "100", None])
def test_a_line_amount_must_be_an_int(amount):
    with pytest.raises(TypeError):
        Line(CASH_SANDBOX, debit_fen=amount)


def test_a_line_needs_an_account():
    with pytest.raises(UnbalancedEntry) as err:
        Line("", debit_fen=1)
    assert err.value.code == "bad_line"


def test_an_entry_needs_two_lines():
    for lines in ([], [Line(CASH_SANDBOX, debit_fen=1)]):
        with pytest.raises(UnbalancedEntry) as err:
            validate_entry(lines)
        assert err.value.code == "empty"


def test_debits_must_equal_credits():
    with pytest.raises(UnbalancedEntry) as err:
        validate_entry([Line(CASH_SANDBOX, debit_fen=100), Line(PREMIUM_WRITTEN, credit_fen=99)])
    assert err.value.code == "unbalanced"
    with pytest.raises(UnbalancedEntry) as err:
        validate_entry([Line(CASH_SANDBOX, debit_fen=100), Line(CLAIMS_PAID, debit_fen=100)])
    assert err.value.code == "unbalanced"


def test_something_that_is_not_a_line_is_refused():
    with pytest.raises(UnbalancedEntry) as err:
        validate_entry([Line(CASH_SANDBOX, debit_fen=1), (PREMIUM_WRITTEN, 0, 1)])  # type: ignore[list-item]
    assert err.value.code == "bad_line"


def test_transfer_refuses_zero_negative_and_same_account():
    with pytest.raises(UnbalancedEntry) as err:
        transfer(CASH_SANDBOX, PREMIUM_WRITTEN, 0)
    assert err.value.code == "zero"
    with pytest.raises(UnbalancedEntry) as err:
        transfer(CASH_SANDBOX, PREMIUM_WRITTEN, -1)
    assert err.value.code == "bad_line"
    with pytest.raises(UnbalancedEntry) as err:
        transfer(CASH_SANDBOX, CASH_SANDBOX, 1)
    assert err.value.code == "bad_line"
    with pytest.raises(TypeError):
        transfer(CASH_SANDBOX, PREMIUM_WRITTEN, 1.0)  # type: ignore[arg-type]
