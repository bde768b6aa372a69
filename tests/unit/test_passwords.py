"""Passwords: argon2id hashes and the NIST SP 800-63B policy (length, block list, repetition, context)."""

import pytest
from argon2 import PasswordHasher

from insure.auth.passwords import hash_password, needs_rehash, password_problems, verify_password

GOOD = "correct horse battery"
LONG = " ".join(f"word{i}" for i in range(40))  # 229 characters, no repeated block


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
    assert password_problems("a sturdy passphrase 42", "li.na@example.com") == []
    assert password_problems("zhang wei 1990 tea!"[:10]) == []  # exactly the minimum length
    assert password_problems(LONG[:128]) == []
    assert password_problems("我的保险密码很长很安全") == []  # any Unicode counts, one character each


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("", ["too_short"]),
        ("tr0ub4d&r", ["too_short"]),
        (LONG, ["too_long"]),
        ("Password123", ["too_common"]),
        ("QWERTYUIOP", ["too_common"]),
        ("password", ["too_short", "too_common"]),
        # variants of common passwords that are not on the list itself
        ("password2026", ["too_common"]),
        ("P@ssw0rd2026", ["too_common"]),
        ("1qaz2wsx3edc", ["too_common"]),
        # one character over and over, whitespace only, runs and repeated blocks
        ("aaaaaaaaaa", ["repetitive"]),
        (" " * 10, ["repetitive"]),
        ("\t\n" * 6, ["repetitive"]),
        ("x" * 128, ["repetitive"]),
        ("abcdefghij", ["repetitive"]),
        ("9876543210", ["repetitive"]),
        ("abcabcabcabc", ["repetitive"]),
        ("x" * 9, ["too_short", "repetitive"]),
        # the demo password printed in the README and by `insure run`, however it is capitalised
        ("insure-demo-2026", ["published"]),
        ("INSURE-DEMO-2026", ["published"]),
    ],
)
def test_problems_are_reported_as_codes(password, problems):
    assert password_problems(password) == problems


@pytest.mark.parametrize(
    "password",
    ["li.na.chen@example.com", "LI.NA.CHEN@EXAMPLE.COM", "my li.na.chen pass", "ｌｉ.ｎａ.ｃｈｅｎ 2026 rocks"],
)
def test_a_password_may_not_contain_the_email_or_its_local_part(password):
    assert password_problems(password, "li.na.chen@example.com") == ["contains_email"]


def test_a_very_short_local_part_is_not_held_against_a_passphrase():
    # "li" occurs by chance in many good passphrases ("lifeboat …"); only local parts of 3+ characters count
    assert password_problems("lifeboat harbour 42", "li@example.com") == []


def test_the_seed_may_keep_the_published_demo_password():
    from insure.seed import DEMO_PASSWORD

    assert password_problems(DEMO_PASSWORD, "admin@insure.test", allow_published=True) == []
    assert password_problems(DEMO_PASSWORD, "admin@insure.test") == ["published"]


def test_the_block_list_is_a_real_list_of_leaked_passwords():
    from insure.auth.passwords import common_passwords

    listed = common_passwords()
    assert len(listed) >= 25_000
    assert {"123456", "password", "iloveyou", "qwertyuiop", "1q2w3e4r5t"} <= listed
