"""Password hashing (argon2id) and the password policy.

The policy follows NIST SP 800-63B (5.1.1.2): a minimum length, a generous maximum, no composition rules
(they make passwords harder to remember without making them harder to guess), and a check of every new
password against what attackers try first:

- a list of common and breached passwords: the 30,000 most frequent passwords of leaked corpora that the
  ``zxcvbn`` package ships (``zxcvbn.frequency_lists``, from Dropbox's zxcvbn), and zxcvbn's estimator, which
  also catches their variants (``password2026``, l33t spellings, keyboard walks) — refused below 10^6 guesses;
- repetitive or sequential characters (``aaaaaaaaaa``, ten spaces, ``abcdefghij``, ``9876543210``);
- context-specific words: the account's e-mail address or its local part, and the demo password that is
  printed in the README and by ``insure run`` (the seeded demo accounts keep it; new sign-ups may not use it).

Minimum length 10: above SP 800-63B's floor of 8 characters, and with the block list, the guessability floor
and the per-account log-in throttle (``insure/auth/throttle.py``) it leaves an online attacker few useful
guesses. Revision 4 asks 15 for passwords used as the only factor; that is a change for the product owner.
"""

from __future__ import annotations

import itertools
import unicodedata
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 128
# the demo password of the seeded accounts (insure/seed.py), published in the README
PUBLISHED_PASSWORDS = frozenset({"insure-demo-2026"})
MIN_GUESSES_LOG10 = 6  # zxcvbn's score 2: "somewhat guessable", safe against throttled online guessing
_ZXCVBN_MAX = 72  # zxcvbn refuses longer input; a longer password is long enough not to be guessed
_MIN_LOCAL_PART = 3  # shorter local parts ("li@…") occur by chance in good passphrases

# argon2-cffi's defaults are argon2id with the RFC 9106 low-memory profile.
_HASHER = PasswordHasher()


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The block list: zxcvbn's 30,000 most common passwords of leaked corpora (loaded once, on first use)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.casefold() for p in FREQUENCY_LISTS["passwords"])


def hash_password(password: str) -> str:
    """Hash a password for storage; each call uses a fresh salt."""
    if not isinstance(password, str):
        raise TypeError("password must be a str")
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True only if the password matches; a wrong password or an unreadable hash is simply False."""
    if not isinstance(password_hash, str) or not isinstance(password, str):
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (or cannot be read at all)."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError, TypeError):
        return True


def password_problems(password: str, email: str = "", *, allow_published: bool = False) -> list[str]:
    """What is wrong with a new password, as stable codes; an empty list means it is acceptable.

    ``email`` is the account's address (its local part may not appear in the password);
    ``allow_published`` lets the seed keep the demo accounts' published password."""
    if not isinstance(password, str):
        raise TypeError("password must be a str")
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append("too_short")
    if len(password) > MAX_LENGTH:
        problems.append("too_long")
    folded = _fold(password)
    if password and is_repetitive(password):
        problems.append("repetitive")
    if email and _contains_email(folded, _fold(email)):
        problems.append("contains_email")
    if not allow_published and folded in PUBLISHED_PASSWORDS:
        problems.append("published")
    if password and (not problems or problems == ["too_short"]) and _is_common(password, folded, email):
        problems.append("too_common")
    return problems


def is_repetitive(password: str) -> bool:
    """One character over and over (including only spaces or other blanks), a run such as ``abcdefghij`` or
    ``9876543210``, or a short block repeated (``abcabcabca``)."""
    if not password.strip() or len(set(password)) == 1:
        return True
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(password)}
    if steps <= {1} or steps <= {-1}:
        return True
    for size in range(2, len(password) // 2 + 1):
        block = password[:size]
        if (block * (len(password) // size + 1))[: len(password)] == password:
            return True
    return False


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _contains_email(password: str, email: str) -> bool:
    local = email.split("@", 1)[0].strip()
    return password == email.strip() or (len(local) >= _MIN_LOCAL_PART and local in password)


def _is_common(password: str, folded: str, email: str) -> bool:
    if folded in common_passwords() or folded.strip() in common_passwords():
        return True
    if len(password) > _ZXCVBN_MAX:
        return False
    from zxcvbn import zxcvbn

    hints = [email, email.split("@", 1)[0]] if email else []
    return zxcvbn(password, user_inputs=hints)["guesses_log10"] < MIN_GUESSES_LOG10
