"""Password hashing (argon2id) and the password policy.

The policy follows NIST SP 800-63B: a minimum length and a block-list of common passwords, no
composition rules (they make passwords harder to remember without making them harder to guess).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 128

# argon2-cffi's defaults are argon2id with the RFC 9106 low-memory profile.
_HASHER = PasswordHasher()

COMMON_PASSWORDS = frozenset(
    {
        "123456",
        "12345678",
        "123456789",
        "1234567890",
        "0123456789",
        "111111",
        "000000",
        "password",
        "password1",
        "password123",
        "passw0rd",
        "qwerty",
        "qwerty123",
        "qwertyuiop",
        "1q2w3e4r5t",
        "abc123",
        "a123456789",
        "iloveyou",
        "admin12345",
        "woaini1314",
        "letmein123",
        "welcome123",
    }
)


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


def password_problems(password: str) -> list[str]:
    """What is wrong with a new password, as stable codes; an empty list means it is acceptable."""
    if not isinstance(password, str):
        raise TypeError("password must be a str")
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append("too_short")
    if len(password) > MAX_LENGTH:
        problems.append("too_long")
    if password.casefold() in COMMON_PASSWORDS:
        problems.append("too_common")
    return problems
