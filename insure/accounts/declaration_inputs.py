"""What staff enter to prepare a dividend declaration, parsed and checked (pure: no database, no framework).

Every field is checked and every problem reported at once (one ``ValidationFailed`` with a field error per
field). Rates and ratios are fractions written as decimal text ("0.045" is 4.5 %), stored exactly as parsed, so
they must fit the 12 characters the declaration keeps them in. The ranges are wide enough for any real year and
narrow enough to catch a percentage typed where a fraction belongs (4.5 for 0.045).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from insure.accounts.model import MIN_POLICYHOLDER_SHARE
from insure.errors import N_, FieldError, ValidationFailed

MAX_TEXT = 12  # the declaration's Varchar columns for rates
FIRST_YEAR = 2000
RATE_PLACES = 6
MONEY_PLACES = 2
MAX_SMOOTHING = Decimal("1000000000000")  # CNY 1e12: far above any fund, far below a BIGINT of fen
_DECIMAL_RE = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?", re.ASCII)


@dataclass(frozen=True)
class DeclarationInput:
    """The experience and rates of one insurer's participating fund for one calendar year, as entered."""

    insurer_code: str
    year: int
    investment_yield: Decimal  # i′, the fund's actual yield (a fraction, may be negative)
    mortality_ratio: Decimal  # q′ / q
    expense_ratio: Decimal  # E′ / E
    policyholder_share: Decimal  # of the distributable surplus, at least MIN_POLICYHOLDER_SHARE
    smoothing_transfer: Decimal  # CNY, signed: + into the smoothing reserve, − released from it
    accumulation_rate: Decimal  # interest on accumulated dividends for the year
    bonus_rate: Decimal  # reversionary bonus rate (bonus-style products)
    terminal_bonus_rate: Decimal  # terminal bonus rate on the bonuses added


# the form/JSON field names, in form order
FIELDS: tuple[str, ...] = (
    "insurer_code",
    "year",
    "investment_yield",
    "mortality_ratio",
    "expense_ratio",
    "policyholder_share",
    "smoothing_transfer",
    "accumulation_rate",
    "bonus_rate",
    "terminal_bonus_rate",
)

# field → (lowest, highest, decimals, lowest allowed inclusive?, default when left empty (None: required))
RANGES: dict[str, tuple[Decimal, Decimal, int, bool, str | None]] = {
    "investment_yield": (Decimal("-0.5"), Decimal("0.5"), RATE_PLACES, True, None),
    "mortality_ratio": (Decimal(0), Decimal(5), RATE_PLACES, False, None),  # 0 would mean nobody ever dies
    "expense_ratio": (Decimal(0), Decimal(5), RATE_PLACES, True, None),
    "policyholder_share": (MIN_POLICYHOLDER_SHARE, Decimal(1), RATE_PLACES, True, "0.70"),
    "smoothing_transfer": (-MAX_SMOOTHING, MAX_SMOOTHING, MONEY_PLACES, True, "0"),
    "accumulation_rate": (Decimal(0), Decimal("0.2"), RATE_PLACES, True, "0.025"),
    "bonus_rate": (Decimal(0), Decimal("0.2"), RATE_PLACES, True, "0"),
    "terminal_bonus_rate": (Decimal(0), Decimal(3), RATE_PLACES, True, "0"),
}

MESSAGES = {
    "required": N_("This field is required."),
    "not_a_number": N_("Enter a number such as 0.045 (a fraction, not a percentage)."),
    "too_long": N_("At most %(max)s characters."),
    "too_many_decimals": N_("At most %(places)s decimal places."),
    "out_of_range": N_("Enter a value from %(low)s to %(high)s."),
    "must_be_positive": N_("Enter a value above %(low)s and at most %(high)s."),
    "share_below_minimum": N_(
        "At least %(minimum)s of the distributable surplus goes to policyholders (participating business rules, "
        "2015); %(value)s is refused."
    ),
    "unknown_insurer": N_("No insurer with participating products has this code."),
    "year_invalid": N_("Enter a calendar year from %(low)s to %(high)s."),
}


def _error(errors: list[FieldError], name: str, code: str, message_code: str | None = None, **params: object) -> None:
    errors.append(FieldError(name, code, MESSAGES[message_code or code], params))


def _text(value: object) -> str:
    raw = "" if value is None else str(value)
    if len(raw) > 200:  # never normalise a megabyte just to refuse it
        return raw[:200] + "…"
    return " ".join(unicodedata.normalize("NFKC", raw).split())


def _decimal(name: str, value: object, errors: list[FieldError]) -> Decimal | None:
    low, high, places, low_inclusive, default = RANGES[name]
    if isinstance(value, bool | float):  # a binary float is never an exact decimal
        _error(errors, name, "not_a_number")
        return None
    text = _text(value) if not isinstance(value, int | Decimal) else str(value)
    if text == "":
        if default is None:
            _error(errors, name, "required")
            return None
        text = default
    if len(text) > MAX_TEXT:
        _error(errors, name, "too_long", max=MAX_TEXT)
        return None
    if not _DECIMAL_RE.fullmatch(text):
        _error(errors, name, "not_a_number")
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        _error(errors, name, "not_a_number")
        return None
    if -number.as_tuple().exponent > places:  # type: ignore[operator]
        _error(errors, name, "too_many_decimals", places=places)
        return None
    if name == "policyholder_share" and number < low:
        _error(errors, name, "share_below_minimum", minimum=str(low), value=text)
        return None
    if number > high or number < low or (number == low and not low_inclusive):
        code = "out_of_range" if low_inclusive else "must_be_positive"
        _error(errors, name, code, low=str(low), high=str(high))
        return None
    return number


def parse_year(value: object, today: date, errors: list[FieldError]) -> int | None:
    """A calendar year from FIRST_YEAR up to next year (a fund may be declared ahead, never further)."""
    high = today.year + 1
    text = _text(value) if not isinstance(value, int) or isinstance(value, bool) else str(value)
    if isinstance(value, bool) or not re.fullmatch(r"[0-9]{4}", text, re.ASCII) or not FIRST_YEAR <= int(text) <= high:
        _error(errors, "year", "year_invalid", low=FIRST_YEAR, high=high)
        return None
    return int(text)


def parse_declaration(
    data: Mapping[str, object], *, today: date | None = None, insurers: frozenset[str] | None = None
) -> DeclarationInput:
    """The declaration's inputs from a form or JSON body; raises ``ValidationFailed`` with every field's problem.

    ``insurers`` are the codes of insurers with participating products (the catalog's, by default); ``today``
    the business date (the clock's, by default)."""
    if today is None:
        from insure import clock

        today = clock.today()
    if insurers is None:
        insurers = participating_insurers()
    errors: list[FieldError] = []
    insurer = _text(data.get("insurer_code"))
    if not insurer:
        _error(errors, "insurer_code", "required")
    elif insurer not in insurers:
        _error(errors, "insurer_code", "unknown_insurer")
    year = parse_year(data.get("year"), today, errors)
    values = {name: _decimal(name, data.get(name), errors) for name in RANGES}
    if errors:
        raise ValidationFailed(errors)
    return DeclarationInput(insurer_code=insurer, year=year, **values)  # type: ignore[arg-type]


def participating_insurers() -> frozenset[str]:
    """Codes of the insurers with at least one participating product version in the catalog."""
    from products.services import catalog

    found: set[str] = set()
    for code in catalog()._versions:  # every version: a fund keeps policies sold on older versions
        for product in catalog().versions(code):
            if product.participation is not None:
                found.add(product.insurer_code)
    return frozenset(found)
