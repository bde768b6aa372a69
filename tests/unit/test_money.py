"""Money: exact fen, explicit rounding, user input parsing and exact splitting."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insure.money import (
    CURRENCY,
    FEN,
    MoneyError,
    allocate,
    format_amount,
    from_fen,
    parse_amount,
    quantize,
    to_fen,
)

D = Decimal


def test_constants():
    assert CURRENCY == "CNY"
    assert D("0.01") == FEN


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("1.005", "1.01"), ("1.004", "1.00"), ("2.675", "2.68"), ("-1.005", "-1.01"), ("7", "7.00")],
)
def test_quantize_rounds_half_up_to_the_fen(amount, expected):
    # given an amount with sub-fen digits, when quantized, then it is rounded half-up (away from zero)
    assert str(quantize(D(amount))) == expected


def test_float_is_refused_everywhere():
    # given a float, when used as money, then it is a TypeError (floats cannot hold 0.10 exactly)
    for call in (quantize, to_fen, format_amount):
        with pytest.raises(TypeError):
            call(0.1)
    with pytest.raises(TypeError):
        from_fen(1.0)
    with pytest.raises(TypeError):
        allocate(D("1.00"), [0.5, 0.5])


def test_to_fen_refuses_sub_fen_amounts():
    # given 1.005, when converted to fen, then it is refused rather than silently rounded
    with pytest.raises(MoneyError) as err:
        to_fen(D("1.005"))
    assert err.value.code == "not_exact_fen"


def test_to_fen_and_from_fen_examples():
    assert to_fen(D("123.45")) == 12345
    assert to_fen(D("0.10")) == 10
    assert to_fen(D("5")) == 500
    assert from_fen(12345) == D("123.45")
    assert str(from_fen(12345)) == "123.45"
    assert str(from_fen(0)) == "0.00"
    assert str(from_fen(-5)) == "-0.05"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_fen_round_trip(fen):
    # given any whole number of fen, when converted to Decimal and back, then nothing changes
    amount = from_fen(fen)
    assert amount.as_tuple().exponent == -2
    assert to_fen(amount) == fen


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234", "1234.00"),
        ("1234.5", "1234.50"),
        ("1234.50", "1234.50"),
        (" 1,234.50 ", "1234.50"),
        ("1 000 000", "1000000.00"),
        ("0.01", "0.01"),
        ("１，２３４．５", "1234.50"),  # full-width, as typed with a Chinese input method
        ("\u00a05\t", "5.00"),
    ],
)
def test_parse_amount_accepts_what_people_type(text, expected):
    assert str(parse_amount(text)) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "not_a_number"),
        ("   ", "not_a_number"),
        ("abc", "not_a_number"),
        ("12a", "not_a_number"),
        ("1.2.3", "not_a_number"),
        ("NaN", "not_a_number"),
        ("Infinity", "not_a_number"),
        ("1e5", "not_a_number"),
        ("1_000", "not_a_number"),
        ("١٢٣", "not_a_number"),  # other scripts' digits are not amounts
        ("-5", "not_positive"),
        ("0", "not_positive"),
        ("0.00", "not_positive"),
        ("1.234", "too_many_decimals"),
        ("100000000001", "too_large"),
    ],
)
def test_parse_amount_says_what_is_wrong(text, code):
    with pytest.raises(MoneyError) as err:
        parse_amount(text)
    assert err.value.code == code


def test_parse_amount_max_is_inclusive():
    # given a cap of 500.00, when the customer types exactly 500, then it is accepted; 500.01 is not
    assert parse_amount("500", max_fen=50000) == D("500.00")
    with pytest.raises(MoneyError) as err:
        parse_amount("500.01", max_fen=50000)
    assert err.value.code == "too_large"


def test_allocate_gives_the_remainder_to_the_last_part():
    assert allocate(D("100.00"), [1, 1, 1]) == [D("33.33"), D("33.33"), D("33.34")]
    assert allocate(D("100.00"), [D("0.7"), D("0.3")]) == [D("70.00"), D("30.00")]
    assert allocate(D("0.05"), [1, 1]) == [D("0.02"), D("0.03")]  # the first parts are rounded down
    assert allocate(D("0.02"), [1, 1, 1, 1]) == [D("0.00"), D("0.00"), D("0.00"), D("0.02")]  # never negative
    assert allocate(D("-100.00"), [1, 1, 1]) == [D("-33.33"), D("-33.33"), D("-33.34")]  # a refund splits alike
    assert allocate(D("10.00"), [1, 0, 1]) == [D("5.00"), D("0.00"), D("5.00")]


def test_allocate_last_part_absorbs_all_the_rounding():
    # given 0.10 split seven ways (each share is 0.0142857), when allocated, then the first six parts are
    # rounded down to 0.01 and the last takes what is left: the rule "remainder to the last part"
    assert allocate(D("0.10"), [1] * 7) == [D("0.01")] * 6 + [D("0.04")]


@pytest.mark.parametrize("weights", [[], [-1, 2], [0, 0]])
def test_allocate_refuses_meaningless_weights(weights):
    with pytest.raises(MoneyError):
        allocate(D("1.00"), weights)


def test_allocate_refuses_a_sub_fen_total():
    with pytest.raises(MoneyError) as err:
        allocate(D("1.001"), [1, 1])
    assert err.value.code == "not_exact_fen"


weights_strategy = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=1000),
        st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False),
    ),
    min_size=1,
    max_size=12,
).filter(lambda ws: sum(ws) > 0)


@given(st.integers(min_value=-(10**12), max_value=10**12), weights_strategy)
def test_allocate_parts_sum_to_the_total_and_stay_close_to_the_share(total_fen, weights):
    # given any total and weights, when allocated, then the parts add up exactly, every part but the last
    # is its exact share rounded toward zero, the last takes the rest, and no part has the wrong sign
    total = from_fen(total_fen)
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    assert all(part == quantize(part) for part in parts)
    weight_sum = sum(Fraction(w) for w in weights)
    shares_fen = [Fraction(total_fen) * Fraction(w) / weight_sum for w in weights]
    errors = [abs(Fraction(to_fen(part)) - share) for part, share in zip(parts, shares_fen, strict=True)]
    assert all(error < 1 for error in errors[:-1])
    assert errors[-1] < len(weights)
    assert all(part * total >= 0 for part in parts)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=11))
def test_equal_instalments_are_equal_but_the_last(total_fen, extra):
    # given a premium split into equal instalments, then every instalment but the last is the same amount and
    # the last is at most n−1 fen more — what a customer expects on a premium schedule
    parts = allocate(from_fen(total_fen), [1] * (extra + 1))
    assert len(set(parts[:-1])) <= 1
    assert 0 <= to_fen(parts[-1]) - to_fen(parts[0]) < len(parts)


@pytest.mark.parametrize(
    ("amount", "text"),
    [("1234.5", "1,234.50"), ("0", "0.00"), ("1000000", "1,000,000.00"), ("-1234.567", "-1,234.57")],
)
def test_format_amount(amount, text):
    assert format_amount(D(amount)) == text
