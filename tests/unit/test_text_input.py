"""The one input rule (insure/text_input.py) and the JSON depth bound, as plain functions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from insure.auth.validation import email_problem
from insure.text_input import LIMITS, TextRefused, clean, parse_decimal, parse_int
from insure.web.input_limits import MAX_JSON_DEPTH, json_depth


@pytest.mark.parametrize("bad", ["a\x00b", "a\x1bb", "abc\u202edef", "\u2066x\u2069", "a\u200fb", "a\x85b"])
def test_control_and_bidi_characters_are_refused_in_every_kind(bad: str) -> None:
    for kind in LIMITS:
        with pytest.raises(TextRefused) as refused:
            clean(bad, kind)
        assert refused.value.code == "invalid_characters"


def test_each_kind_has_its_length_and_whitespace_is_collapsed() -> None:
    assert clean("  李   娜 ", "name") == "李 娜"
    assert clean("Ｌｉ Ｎａ", "name") == "Li Na"  # NFKC: full-width letters are the ASCII ones
    assert clean("line one\r\n  line   two", "free_text") == "line one\nline two"
    assert clean(None, "address") == ""
    with pytest.raises(TextRefused) as refused:
        clean("x" * (LIMITS["name"] + 1), "name")
    assert (refused.value.code, refused.value.limit) == ("too_long", LIMITS["name"])
    assert clean("a\nb", "name") == "a b"  # line breaks are kept only in free text


@pytest.mark.parametrize("bad", ["١٢٣", "9" * 5000, "", "1.5", "1e3", "NaN", " ", "0x10", True, None, "٣"])
def test_whole_numbers_are_ascii_digits_in_range(bad: object) -> None:
    assert parse_int(bad, ge=0, le=10**6) is None


def test_whole_numbers_in_range_are_read() -> None:
    assert parse_int(" 42 ", ge=1, le=100) == 42
    assert parse_int(7, ge=1, le=6) is None
    assert parse_int(0, ge=1, le=6) is None
    assert parse_int("-3", ge=-5, le=0) == -3


@pytest.mark.parametrize("bad", ["66.000000001", "1e308", "NaN", "Infinity", "-1", "١٢٣", "", "9" * 40, 66.5])
def test_decimals_refuse_exponents_non_ascii_and_too_many_places(bad: object) -> None:
    assert parse_decimal(bad, ge=Decimal(2), le=Decimal(300), places=2) is None


def test_decimals_are_read_exactly() -> None:
    assert parse_decimal("66.25", ge=Decimal(2), le=Decimal(300), places=2) == Decimal("66.25")


def test_json_depth_ignores_brackets_in_strings() -> None:
    assert json_depth(b'{"a": "[[[[[[", "b": [[1]]}') == 3
    assert json_depth(b"[" * 100_000 + b"]" * 100_000) > MAX_JSON_DEPTH
    assert json_depth(b'"plain"') == 0


@pytest.mark.parametrize(
    "raw",
    ["li@exampleѕ.com", "li@exаmple.com", "李@example.com", "li\x00@example.com", "li@example", "a" * 250 + "@ex.com"],
)
def test_look_alike_and_unsafe_email_addresses_are_refused(raw: str) -> None:
    assert email_problem(raw)[1] is not None


def test_email_addresses_are_kept_in_one_ascii_form() -> None:
    assert email_problem(" Li.Na@Example.COM ") == ("li.na@example.com", None)
    assert email_problem("li@例子.中国") == ("li@xn--fsqu00a.xn--fiqs8s", None)
    assert email_problem("ｌｉ＠example.com") == ("li@example.com", None)


def test_json_depth_reads_an_unterminated_string_once() -> None:
    # given a body of escaped quotes that never closes its string (each later quote used to restart the scan,
    # quadratic: a 48 KB body took 12 s and a 1 MB body would hold the event loop for hours)
    body = b"[[" + b'\\"' * 300_000
    # then the depth is the two brackets before the string, and the scan ends (0.1 s here)
    assert json_depth(body) == 2
    assert json_depth(b'[["a\\"]]", [1]') == 3  # an escaped quote does not end the string
