"""Checks on sign-up data (pure): every problem is reported at once, each naming its field."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from insure.auth.passwords import password_problems
from insure.errors import N_, FieldError
from insure.identity import InvalidResidentId, parse_resident_id
from insure.text_input import LIMITS, TextRefused, clean

# An address is kept in one safe, normalised form: NFKC, lower case, an ASCII local part (RFC 5322 atoms) and an
# ASCII domain — an internationalised domain is stored in its IDNA "xn--" form, and a label that mixes scripts
# (Latin "example" with a Cyrillic "ѕ" or "а") is refused, because it exists only to look like another domain.
# Internationalised local parts (RFC 6531) are refused: few mail systems deliver to them and they are the
# easiest look-alikes. Names are NFKC-normalised and may not carry bidi controls (see insure.text_input).
EMAIL_RE = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[a-z0-9-]+(\.[a-z0-9-]+)+$", re.ASCII
)
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
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
    """The stored form of an address (see EMAIL_RE), or the NFKC lower-case text when it cannot be one."""
    text = unicodedata.normalize("NFKC", email).strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or domain.isascii():
        return text
    try:
        labels = [label if label.isascii() else _idna_label(label) for label in domain.split(".")]
    except ValueError:
        return text
    return f"{local}@{'.'.join(labels)}"


def _idna_label(label: str) -> str:
    scripts = {unicodedata.name(ch, "?").split()[0] for ch in label if ch.isalpha()}
    if len(scripts) > 1:  # "exаmple" with a Cyrillic а: a look-alike, not a name anyone owns honestly
        raise ValueError("mixed scripts")
    return label.encode("idna").decode("ascii")


def email_problem(raw: str) -> tuple[str, FieldError | None]:
    """The normalised address, and what is wrong with it (None when it is a valid address)."""
    try:
        email = normalise_email(clean(raw, "email"))
    except (TextRefused, UnicodeError):
        email = ""
    if not email or not EMAIL_RE.match(email) or len(email) > LIMITS["email"] or len(email.split("@")[0]) > 64:
        return email, FieldError("email", "email_invalid", N_("Enter a valid email address."))
    return email, None


def validate_registration(data: dict[str, str], today: date) -> tuple[Registration | None, list[FieldError]]:
    errors: list[FieldError] = []
    email, problem = email_problem(str(data.get("email", "")))
    if problem:
        errors.append(problem)
    password = data.get("password", "")
    problems = password_problems(password, email)
    errors += [FieldError("password", f"password_{p}", PASSWORD_MESSAGES[p]) for p in problems]
    try:
        name = clean(data.get("name"), "name")  # NFKC, whitespace collapsed, no control or bidi characters
    except TextRefused:
        name = ""
    if not 1 <= len(name) <= LIMITS["name"]:
        errors.append(FieldError("name", "name_invalid", N_("Enter your full name (up to 100 characters).")))
    mobile = re.sub(r"[\s-]", "", str(data.get("mobile", ""))[: LIMITS["mobile"]])
    if mobile.startswith("+86"):
        mobile = mobile[3:]
    if not MOBILE_RE.match(mobile):
        errors.append(FieldError("mobile", "mobile_invalid", N_("Enter an 11-digit mainland mobile number.")))
    birth: date | None = None
    id_number = str(data.get("id_number", "")).strip()[:40]
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


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
