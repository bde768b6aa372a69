"""Policy numbers and periods of cover, as a customer and the back office see them."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from insure.policies.model import TRANSITIONS, PolicyStatus, cover_period, new_number, number_is_valid


def test_a_new_policy_number_carries_a_check_digit_that_catches_a_typo():
    number = new_number("P")
    assert number.startswith("P") and len(number) == 14 and number_is_valid(number, "P")
    wrong = number[:5] + str((int(number[5]) + 1) % 10) + number[6:]
    assert not number_is_valid(wrong, "P")
    assert not number_is_valid(number, "C")


@given(st.integers(min_value=0, max_value=10**12 - 1), st.integers(min_value=1, max_value=12), st.integers(0, 9))
def test_every_single_digit_typo_is_caught(body, position, digit):
    from insure.policies.model import luhn_digit

    text = f"{body:012d}"
    number = "P" + text + luhn_digit(text)
    typo = number[:position] + str(digit) + number[position + 1 :]
    assert number_is_valid(typo, "P") == (typo == number)


def test_one_year_cover_ends_the_day_before_the_anniversary():
    assert cover_period(date(2026, 11, 29), 1) == (date(2026, 11, 29), date(2027, 11, 28))
    # from 29 February the anniversary in a common year is 28 February, so the cover ends on the 27th
    assert cover_period(date(2028, 2, 29), 1) == (date(2028, 2, 29), date(2029, 2, 27))
    assert cover_period(date(2028, 2, 29), 4) == (date(2028, 2, 29), date(2032, 2, 28))
    assert cover_period(date(2026, 1, 1), None) == (date(2026, 1, 1), None)  # whole of life


def test_ended_policies_cannot_come_back_through_a_transition():
    assert TRANSITIONS[PolicyStatus.EXPIRED] == frozenset()
    assert TRANSITIONS[PolicyStatus.CANCELLED] == frozenset()
    assert PolicyStatus.IN_FORCE in TRANSITIONS[PolicyStatus.PENDING_PAYMENT]
