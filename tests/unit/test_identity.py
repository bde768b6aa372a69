"""Resident identity numbers: format, birth date and MOD 11-2 check digit."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insure.identity import InvalidResidentId, ResidentId, check_digit, make_resident_id, parse_resident_id

TODAY = date(2026, 6, 1)
KNOWN_VALID = "11010519491231002X"


def test_known_valid_number_reads_birth_date_and_sex():
    # given the number from the standard's example, when parsed, then it is a woman born 1949-12-31
    rid = parse_resident_id(KNOWN_VALID, today=TODAY)
    assert rid == ResidentId(number=KNOWN_VALID, birth_date=date(1949, 12, 31), sex="female")


def test_lower_case_x_and_surrounding_spaces_are_normalised():
    rid = parse_resident_id(" 11010519491231002x ", today=TODAY)
    assert rid.number == KNOWN_VALID


def test_full_width_input_is_accepted():
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in KNOWN_VALID)
    assert parse_resident_id(full_width, today=TODAY).number == KNOWN_VALID


def test_check_digit_of_known_number():
    assert check_digit(KNOWN_VALID[:17]) == "X"


def test_wrong_check_digit_is_a_checksum_error():
    # given a number whose last character was mistyped, then the error says so
    with pytest.raises(InvalidResidentId) as err:
        parse_resident_id("110105194912310021", today=TODAY)
    assert err.value.code == "checksum"
    assert "last character" in str(err.value)


def test_impossible_birth_date_is_reported_before_the_check_digit():
    # given 30 February 1999 with a check digit computed to match, then the birth date is the problem
    first17 = "11010519990230002"
    with pytest.raises(InvalidResidentId) as err:
        parse_resident_id(first17 + check_digit(first17), today=TODAY)
    assert err.value.code == "birth_date"
    # and even with a wrong check digit, the birth date is checked first
    wrong = "1" if check_digit(first17) == "0" else "0"
    with pytest.raises(InvalidResidentId) as err:
        parse_resident_id(first17 + wrong, today=TODAY)
    assert err.value.code == "birth_date"


@pytest.mark.parametrize("birth", [date(2026, 6, 2), date(1899, 12, 31)])
def test_birth_date_in_the_future_or_before_1900_is_refused(birth):
    number = make_resident_id("110105", date(1950, 1, 1), 1, "male")
    number = number[:6] + f"{birth:%Y%m%d}" + number[14:17]
    with pytest.raises(InvalidResidentId) as err:
        parse_resident_id(number + check_digit(number), today=TODAY)
    assert err.value.code == "birth_date"


def test_born_today_is_accepted():
    number = make_resident_id("310101", TODAY, 5, "female")
    assert parse_resident_id(number, today=TODAY).birth_date == TODAY


@pytest.mark.parametrize(
    "number",
    [
        "",
        "11010519491231002",
        "11010519491231002XX",
        "1101051949123100X2",
        "11010519491231002Y",
        "１１０１",
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",
    ],
)
def test_wrong_shape_is_a_format_error(number):
    with pytest.raises(InvalidResidentId) as err:
        parse_resident_id(number, today=TODAY)
    assert err.value.code == "format"


def test_sex_comes_from_the_seventeenth_digit():
    assert parse_resident_id(make_resident_id("440305", date(1985, 7, 9), 12, "male"), today=TODAY).sex == "male"
    female = make_resident_id("440305", date(1985, 7, 9), 12, "female")
    assert int(female[16]) % 2 == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("11010", date(1990, 1, 1), 1, "male"), "region"),
        (("110105", date(1990, 1, 1), 100, "male"), "sequence"),
        (("110105", date(1990, 1, 1), 1, "other"), "sex"),
        (("110105", date(1899, 1, 1), 1, "male"), "birth_date"),
    ],
)
def test_make_resident_id_refuses_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        make_resident_id(*args)


@given(
    region=st.from_regex(r"[1-8][0-9]{5}", fullmatch=True),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    sequence=st.integers(min_value=0, max_value=99),
    sex=st.sampled_from(["male", "female"]),
)
def test_made_numbers_parse_back_to_the_same_facts(region, birth, sequence, sex):
    # given any generated number, when parsed, then it is valid with the birth date and sex it was made with
    rid = parse_resident_id(make_resident_id(region, birth, sequence, sex), today=TODAY)
    assert (rid.birth_date, rid.sex) == (birth, sex)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X"))
def test_exactly_one_check_character_is_accepted(first17, last):
    # given any 17 digits, when a last character is appended, then only the computed one passes the checksum
    try:
        parse_resident_id(first17 + last, today=TODAY)
    except InvalidResidentId as exc:
        assert exc.code in ("birth_date", "checksum")
        if exc.code == "checksum":
            assert last != check_digit(first17)
    else:
        assert last == check_digit(first17)
