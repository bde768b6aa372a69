"""Passwords: argon2id hashes and the length / block-list policy."""

import pytest
from argon2 import PasswordHasher

from insure.auth.passwords import hash_password, needs_rehash, password_problems, verify_password

GOOD = "correct horse battery"


def test_hash_is_argon2id_and_salted():
    # given the same password hashed twice, then both are argon2id and differ (fresh salt each time)
    first, second = hash_password(GOOD), hash_password(GOOD)
    assert first.startswith("$argon2id$")
    assert first != second


def test_verify_accepts_the_right_password_only():
    stored = hash_password(GOOD)
    assert verify_password(stored, GOOD) is True
    assert verify_password(stored, GOOD + "!") is False
    assert verify_password(stored, "") is False


@pytest.mark.parametrize("bad_hash", ["", "not a hash", "$argon2id$v=19$m=1,t=1,p=1$xx$yy", "$2b$12$abcdef"])
def test_verify_never_raises_on_an_unreadable_hash(bad_hash):
    assert verify_password(bad_hash, GOOD) is False


def test_needs_rehash_only_for_weaker_parameters():
    # given a hash made today, then it needs no rehash; one made with weaker settings does
    assert needs_rehash(hash_password(GOOD)) is False
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(GOOD)
    assert needs_rehash(weak) is True
    assert verify_password(weak, GOOD) is True


def test_acceptable_password_has_no_problems():
    assert password_problems(GOOD) == []
    assert password_problems("x" * 10) == []
    assert password_problems("x" * 128) == []


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("", ["too_short"]),
        ("x" * 9, ["too_short"]),
        ("x" * 129, ["too_long"]),
        ("Password123", ["too_common"]),
        ("QWERTYUIOP", ["too_common"]),
        ("password", ["too_short", "too_common"]),
    ],
)
def test_problems_are_reported_as_codes(password, problems):
    assert password_problems(password) == problems
