"""The one rule for text and numbers that come from outside (API bodies, page forms), pure.

Every text input has a *kind* (a name, an address, an e-mail, free text, a code…) and each kind has one
maximum length, in ``LIMITS``. No kind allows NUL, other control characters (tab and newline only in free
text) or the invisible bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) that
make text read differently from what is stored. Whitespace is collapsed; identifiers (codes, e-mail
addresses, names) are NFKC-normalised so that full-width letters and digits compare equal to ASCII ones.

The same limits are declared in the msgspec request schemas (``text(kind)`` gives an ``Annotated[str,
Meta(...)]``), so the OpenAPI document shows them and the decoder refuses an over-long string before any
code runs; page forms go through ``clean()`` and ``parse_int()`` / ``parse_decimal()`` in the services.
Digits are ASCII ``0-9`` only: Python's ``\\d`` and ``str.isdigit()`` accept Arabic-Indic and other digits.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import msgspec

from insure.errors import N_, FieldError

# one table: the maximum length of each kind of text input (never more than the column it is stored in)
LIMITS: dict[str, int] = {
    "name": 100,  # a person's full name (users.name, insured_name: 100)
    "email": 254,  # RFC 5321 path limit (users.email, contact_email: 254)
    "address": 255,
    "free_text": 2000,  # claim descriptions and other prose
    "reason": 255,  # an audited reason (events.reason: 255)
    "code": 40,  # product, coverage, insurer codes, kinds, relations, outcomes
    "public_id": 32,  # quote ids, policy, application and claim numbers
    "id_number": 18,  # a resident ID number
    "mobile": 20,
    "digits": 24,  # card and bank account numbers: up to 19 digits, with spaces or dashes between groups
    "short": 12,  # expiry dates, CVCs, decimals such as weights and shares
    "amount": 24,  # a money amount as text
    "date": 10,  # YYYY-MM-DD
    "password": 128,
}

# Cc except tab / newline / carriage return; Cf bidi controls and marks
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_FORBIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + BIDI
FORBIDDEN_RE = re.compile(f"[{_FORBIDDEN}]")
# the same rule as a JSON-schema pattern (msgspec uses re.search): no forbidden character anywhere
SAFE_PATTERN = f"^[^{_FORBIDDEN}\t\n\r]*$"
SAFE_PATTERN_MULTILINE = f"^[^{_FORBIDDEN}]*$"
DIGITS_RE = re.compile(r"[0-9]+", re.ASCII)

IDENTIFIER_KINDS = {"email", "code", "public_id", "id_number", "mobile", "digits", "short", "amount", "date"}
MULTILINE_KINDS = {"free_text"}
MAX_INT_DIGITS = 18  # far below Python's 4,300-digit conversion limit, and inside a BIGINT


class RequestBody(msgspec.Struct, forbid_unknown_fields=True):
    """The base of every JSON request body: a field the schema does not know is refused (422 ``unknown_field``,
    naming it) rather than silently dropped, so a client's typo or a stale field name never goes unnoticed."""


class TextRefused(ValueError):
    """Why a text was refused: ``code`` is ``too_long`` or ``invalid_characters``."""

    def __init__(self, code: str, limit: int = 0) -> None:
        self.code = code
        self.limit = limit
        super().__init__(code)


def text(kind: str, *, min_length: int = 0) -> Any:
    """The msgspec type of a text input of this kind: its maximum length and the character rule."""
    pattern = SAFE_PATTERN_MULTILINE if kind in MULTILINE_KINDS else SAFE_PATTERN
    return Annotated[str, msgspec.Meta(max_length=LIMITS[kind], min_length=min_length, pattern=pattern)]


def one_of(values: Any) -> Any:
    """The msgspec type of a code from a closed set: the OpenAPI document lists the values (``enum``), while the
    service still checks them and answers 422 with the field's own error code (so a client sees one error shape
    for a wrong code, whatever the field)."""
    choices = sorted(str(v) for v in values)
    return Annotated[
        str,
        msgspec.Meta(max_length=LIMITS["code"], pattern=SAFE_PATTERN, extra_json_schema={"extra": {"enum": choices}}),
    ]


def bounded_int(ge: int, le: int) -> Any:
    """The msgspec type of a whole number between ``ge`` and ``le``."""
    return Annotated[int, msgspec.Meta(ge=ge, le=le)]


def has_forbidden_characters(value: str, *, multiline: bool = False) -> bool:
    if FORBIDDEN_RE.search(value):
        return True
    return not multiline and any(ch in value for ch in "\t\n\r")


def clean(value: object, kind: str) -> str:
    """The text as stored: NFKC for identifiers, whitespace collapsed (kept as lines in free text), within the
    kind's length. Raises ``TextRefused``; ``None`` is the empty string."""
    raw = "" if value is None else str(value)
    limit = LIMITS[kind]
    if len(raw) > limit * 4:  # do not normalise megabytes just to refuse them
        raise TextRefused("too_long", limit)
    if FORBIDDEN_RE.search(raw):
        raise TextRefused("invalid_characters")
    if kind in IDENTIFIER_KINDS or kind == "name":
        raw = unicodedata.normalize("NFKC", raw)
        if FORBIDDEN_RE.search(raw):
            raise TextRefused("invalid_characters")
    if kind in MULTILINE_KINDS:
        lines = [" ".join(line.split()) for line in raw.replace("\r\n", "\n").split("\n")]
        out = "\n".join(lines).strip()
    else:
        out = " ".join(raw.split())
    if len(out) > limit:
        raise TextRefused("too_long", limit)
    return out


def parse_int(value: object, *, ge: int, le: int) -> int | None:
    """A whole number of ASCII digits (optional sign) within [ge, le], or None. Never converts more than
    ``MAX_INT_DIGITS`` digits, so a 5,000-digit string cannot reach ``int()``'s limit."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if ge <= value <= le else None
    text_value = "" if value is None else str(value).strip()
    sign = 1
    if text_value.startswith(("+", "-")):
        sign = -1 if text_value[0] == "-" else 1
        text_value = text_value[1:]
    if not text_value or len(text_value) > MAX_INT_DIGITS or not DIGITS_RE.fullmatch(text_value):
        return None
    number = sign * int(text_value)
    return number if ge <= number <= le else None


def parse_decimal(value: object, *, ge: Decimal, le: Decimal, places: int) -> Decimal | None:
    """A finite decimal of ASCII digits with at most ``places`` decimals within [ge, le], or None (NaN,
    Infinity, exponents, too many digits or decimals)."""
    if isinstance(value, bool | float) or value is None:  # a binary float is never an exact decimal
        return None
    text_value = str(value).strip()
    if not text_value or len(text_value) > 32 or not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text_value, re.ASCII):
        return None
    try:
        number = Decimal(text_value)
    except InvalidOperation:
        return None
    if -number.as_tuple().exponent > places:  # type: ignore[operator]
        return None
    return number if ge <= number <= le else None


REFUSALS = {
    "too_long": N_("At most %(max)s characters."),
    "invalid_characters": N_("This field contains characters that are not allowed."),
}


def refusal(field_name: str, exc: TextRefused) -> FieldError:
    return FieldError(field_name, exc.code, REFUSALS[exc.code], {"max": exc.limit} if exc.limit else {})


def take(data: dict, key: str, kind: str, errors: list[FieldError], *, field: str | None = None) -> str:
    """``clean(data[key], kind)``, or "" with the refusal appended to ``errors`` (named ``field`` or ``key``)."""
    try:
        return clean(data.get(key), kind)
    except TextRefused as exc:
        errors.append(refusal(field or key, exc))
        return ""


# the msgspec types of the request schemas, one per kind (the OpenAPI document shows maxLength and pattern)
Name = text("name")
Email = text("email")
Address = text("address")
FreeText = text("free_text")
Reason = text("reason")
Code = text("code")
PublicId = text("public_id")
IdNumber = text("id_number")
Mobile = text("mobile")
Digits = text("digits")
Short = text("short")
Amount = text("amount")
DateText = text("date")
Password = text("password")

# the kind of each page-form field, for the inputs' maxlength attribute (the server checks the same limits)
FORM_FIELD_KINDS = {
    "name": "name",
    "insured_name": "name",
    "b0_name": "name",
    "email": "email",
    "password": "password",
    "mobile": "mobile",
    "id_number": "id_number",
    "insured_id_number": "id_number",
    "address": "address",
    "bank_account": "digits",
    "card_number": "digits",
    "expiry": "short",
    "cvc": "short",
    "weight_kg": "short",
    "loading": "short",
    "reason": "reason",
    "exclusion_zh": "reason",
    "exclusion_en": "reason",
    "description": "free_text",
    "amount": "amount",
    "sum_insured": "amount",
    "birth_date": "date",
    "loss_date": "date",
}
FORM_MAXLENGTH = {field: LIMITS[kind] for field, kind in FORM_FIELD_KINDS.items()}
