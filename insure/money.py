"""Money helpers: amounts are `Decimal` in code and whole fen (integers) at the storage edge.

Floats are rejected everywhere with `TypeError`, because a float cannot hold 0.10 exactly. Rounding is
always explicit and half-up to the fen; when a total is split, the parts add up to the total exactly
and the remainder goes to the last part.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

CURRENCY = "CNY"
FEN = Decimal("0.01")

_AMOUNT_RE = re.compile(r"[+-]?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_IGNORED_IN_INPUT = re.compile(r"[\s,]")


class MoneyError(ValueError):
    """An amount that cannot be used as money; `code` is stable for API problem details and forms."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        super().__init__(message or code)


def _require_decimal(amount: object, name: str = "amount") -> Decimal:
    """Accept Decimal (and int, which is exact); refuse float and everything else."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"{name} must be a Decimal, not {type(amount).__name__}")
    value = Decimal(amount)
    if not value.is_finite():
        raise MoneyError("not_a_number", f"{name} must be a finite number")
    return value


def quantize(amount: Decimal) -> Decimal:
    """Round half-up to the fen: the one rounding rule used for money."""
    return _require_decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


def to_fen(amount: Decimal) -> int:
    """Convert an exact amount to fen for storage; sub-fen digits are an error, so rounding stays explicit."""
    value = _require_decimal(amount)
    exact = value.quantize(FEN)
    if exact != value:
        raise MoneyError("not_exact_fen", f"{value} has digits below the fen; round it first")
    return int(exact.scaleb(2))


def from_fen(fen: int) -> Decimal:
    """Convert stored fen back to a Decimal with exactly two places (12345 -> 123.45)."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be an int, not {type(fen).__name__}")
    return Decimal(fen).scaleb(-2)


def parse_amount(text: str, *, max_fen: int = 10**13) -> Decimal:
    """Parse a positive amount a person typed ("12,345.5") into a two-place Decimal, or say what is wrong."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    # NFKC turns full-width digits and punctuation from a Chinese input method into ASCII.
    cleaned = _IGNORED_IN_INPUT.sub("", unicodedata.normalize("NFKC", text))
    if not _AMOUNT_RE.fullmatch(cleaned):
        raise MoneyError("not_a_number", f"{text!r} is not an amount")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern only lets valid numbers through
        raise MoneyError("not_a_number", f"{text!r} is not an amount") from exc
    if value <= 0:
        raise MoneyError("not_positive", "the amount must be greater than zero")
    if "." in cleaned and len(cleaned.split(".", 1)[1]) > 2:
        raise MoneyError("too_many_decimals", "an amount has at most two decimal places (fen)")
    if value.scaleb(2) > max_fen:
        raise MoneyError("too_large", f"the amount may not exceed {format_amount(from_fen(max_fen))}")
    return value.quantize(FEN)


def allocate(total: Decimal, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """Split `total` in proportion to `weights` (installments, commission shares).

    Every part but the last is its proportional share rounded down to the fen; the last part takes whatever
    is left, so the parts always add up to `total` exactly and none is ever negative (rounding the others
    half-up could leave the last part below zero: 0.02 in four gave −0.01).
    """
    total_fen = to_fen(total)
    if isinstance(weights, str | bytes) or not isinstance(weights, Sequence) or not weights:
        raise MoneyError("invalid_weights", "at least one weight is needed")
    exact: list[Fraction] = []
    for weight in weights:
        if isinstance(weight, bool) or not isinstance(weight, Decimal | int):
            raise TypeError(f"weights must be Decimal or int, not {type(weight).__name__}")
        if isinstance(weight, Decimal) and not weight.is_finite():
            raise MoneyError("invalid_weights", "weights must be finite numbers")
        if weight < 0:
            raise MoneyError("invalid_weights", "weights may not be negative")
        exact.append(Fraction(weight))
    weight_sum = sum(exact, Fraction(0))
    if weight_sum == 0:
        raise MoneyError("invalid_weights", "the weights must not all be zero")
    sign, magnitude = (-1, -total_fen) if total_fen < 0 else (1, total_fen)
    parts = [math.floor(magnitude * weight / weight_sum) for weight in exact[:-1]]
    parts.append(magnitude - sum(parts))
    return [from_fen(sign * part) for part in parts]


def format_amount(amount: Decimal) -> str:
    """Show an amount the way people read it: thousands separators and two places ("1,234.50")."""
    return f"{quantize(amount):,.2f}"
