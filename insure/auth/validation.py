"""Checks on sign-up data (pure): every problem is reported at once, each naming its field."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from insure.auth.passwords import password_problems
from insure.errors import N_, FieldError
from insure.identity import InvalidResidentId, parse_resident_id

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
MIN_AGE = 18

PASSWORD_MESSAGES = {
    "too_short": N_("Use at least 10 characters."),
    "too_long": N_("Use at most 128 characters."),
    "too_common": N_("This password is too common or too easy to guess; choose another."),
    "repetitive": N_("Do not use one character repeated or a simple sequence such as abcdefghij."),
    "contains_email": N_("The password may not contain your email address or its part before the @."),
    "published": N_("This is the published demo password; choose your own."),
}
ID_MESSAGES = {
    "format": N_("A resident ID number has 17 digits followed by a digit or X."),
    "birth_date": N_("The birth date inside this ID number is not a real date."),
    "checksum": N_("This ID number's check digit is wrong; please check for a typo."),
}


@dataclass(frozen=True)
class Registration:
    email: str
    password: str
    name: str
    mobile: str
    id_number: str
    birth_date: date


def normalise_email(email: str) -> str:
    return email.strip().lower()


def validate_registration(data: dict[str, str], today: date) -> tuple[Registration | None, list[FieldError]]:
    errors: list[FieldError] = []
    email = normalise_email(data.get("email", ""))
    if not EMAIL_RE.match(email) or len(email) > 254 or has_control_characters(email):
        errors.append(FieldError("email", "email_invalid", N_("Enter a valid email address.")))
    password = data.get("password", "")
    problems = password_problems(password, email)
    errors += [FieldError("password", f"password_{p}", PASSWORD_MESSAGES[p]) for p in problems]
    name = " ".join(data.get("name", "").split())
    if not 1 <= len(name) <= 100 or has_control_characters(name):
        errors.append(FieldError("name", "name_invalid", N_("Enter your full name (up to 100 characters).")))
    mobile = re.sub(r"[\s-]", "", data.get("mobile", ""))
    if mobile.startswith("+86"):
        mobile = mobile[3:]
    if not MOBILE_RE.match(mobile):
        errors.append(FieldError("mobile", "mobile_invalid", N_("Enter an 11-digit mainland mobile number.")))
    birth: date | None = None
    id_number = data.get("id_number", "").strip()
    try:
        rid = parse_resident_id(id_number, today=today)
        id_number, birth = rid.number, rid.birth_date
    except InvalidResidentId as exc:
        errors.append(FieldError("id_number", f"id_number_{exc.code}", ID_MESSAGES[exc.code]))
    if birth and _age(birth, today) < MIN_AGE:
        errors.append(
            FieldError(
                "id_number",
                "too_young",
                N_("You must be at least %(age)s to open an account."),
                {"age": MIN_AGE},
            )
        )
    if errors or birth is None:
        return None, errors
    return Registration(email, password, name, mobile, id_number, birth), []


def has_control_characters(text: str) -> bool:
    """NUL and other control characters have no place in names or descriptions (and PostgreSQL refuses NUL)."""
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text)


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
