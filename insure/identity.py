"""Chinese resident identity numbers (公民身份号码, GB 11643-1999).

An 18-character number is: 6-digit region code, 8-digit birth date (YYYYMMDD), 3-digit sequence whose
last digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check digit (0-9 or X). Checking
the date and the check digit catches most typing mistakes before an application is priced on a wrong age.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_NUMBER_RE = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS17_RE = re.compile(r"[0-9]{17}")
_REGION_RE = re.compile(r"[0-9]{6}")
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


class InvalidResidentId(ValueError):
    """A number that is not a valid resident ID; `code` is one of "format", "birth_date", "checksum"."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class ResidentId:
    """A checked resident ID number with the facts it carries."""

    number: str
    birth_date: date
    sex: str


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if not isinstance(first17, str) or not _DIGITS17_RE.fullmatch(first17):
        raise InvalidResidentId("format", "the check digit needs exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def parse_resident_id(number: str, *, today: date | None = None) -> ResidentId:
    """Check a resident ID number (format, then birth date, then check digit) and read its facts."""
    if not isinstance(number, str):
        raise TypeError(f"number must be a str, not {type(number).__name__}")
    normalised = unicodedata.normalize("NFKC", number).strip().upper()  # full-width input becomes ASCII
    if not _NUMBER_RE.fullmatch(normalised):
        raise InvalidResidentId("format", "A resident ID number has 18 characters: 17 digits and then a digit or X.")
    birth_text = normalised[6:14]
    try:
        birth_date = date(int(birth_text[:4]), int(birth_text[4:6]), int(birth_text[6:]))
    except ValueError as exc:
        raise InvalidResidentId(
            "birth_date", f"The birth date in the number ({birth_text}) is not a real date."
        ) from exc
    today = today or date.today()
    if birth_date > today:
        raise InvalidResidentId(
            "birth_date", f"The birth date in the number ({birth_date.isoformat()}) is in the future."
        )
    if birth_date < EARLIEST_BIRTH_DATE:
        raise InvalidResidentId(
            "birth_date", f"The birth date in the number ({birth_date.isoformat()}) is before 1900."
        )
    if check_digit(normalised[:17]) != normalised[17]:
        raise InvalidResidentId("checksum", "The last character does not match the rest of the number.")
    sex = "male" if int(normalised[16]) % 2 == 1 else "female"
    return ResidentId(number=normalised, birth_date=birth_date, sex=sex)


def make_resident_id(region: str, birth_date: date, sequence: int, sex: str) -> str:
    """Build a valid number, for demo data and tests (never for real people)."""
    if not isinstance(region, str) or not _REGION_RE.fullmatch(region):
        raise ValueError("region must be 6 digits")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence <= 99:
        raise ValueError("sequence must be an int from 0 to 99")
    if sex not in ("male", "female"):
        raise ValueError('sex must be "male" or "female"')
    if not isinstance(birth_date, date) or birth_date < EARLIEST_BIRTH_DATE:
        raise ValueError("birth_date must be a date on or after 1900-01-01")
    sex_digit = (sequence % 5) * 2 + (1 if sex == "male" else 0)
    first17 = f"{region}{birth_date:%Y%m%d}{sequence:02d}{sex_digit}"
    return first17 + check_digit(first17)
