"""The pure part of the built-in sandbox payment gateway: card checks, test cards, signed notifications.

The sandbox behaves like a real card gateway so the whole purchase flow can be tried with no money.
Test cards (any future expiry date, any 3-digit CVC), in the style of Stripe's:

=====================  ==========================================
card number            outcome
=====================  ==========================================
4242 4242 4242 4242    succeeded
4000 0000 0000 0002    declined: ``card_declined``
4000 0000 0000 9995    declined: ``insufficient_funds``
any other Luhn-valid   succeeded
=====================  ==========================================

The gateway tells the shop about the result with a notification signed by HMAC-SHA256 over its canonical
JSON bytes, as real gateways do with webhooks, so a forged or altered notification is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import asdict, dataclass, fields
from datetime import date

SUCCEEDED = "succeeded"
FAILED = "failed"
TEST_CARDS: dict[str, str] = {
    "4242424242424242": SUCCEEDED,
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
}
_CARD_RE = re.compile(r"[0-9]{12,19}")
_CVC_RE = re.compile(r"[0-9]{3,4}")


class CardRejected(ValueError):
    """Card details the gateway will not even try; `code` is "card_number_invalid", "card_expired" or
    "cvc_invalid"."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def luhn_valid(number: str) -> bool:
    """The Luhn (mod 10) check every card number carries; only ASCII digits are accepted."""
    if not isinstance(number, str) or not number.isascii() or not number.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def normalise_card(number: str) -> str:
    """The card number as digits only, or CardRejected if it cannot be a card number."""
    digits = re.sub(r"[\s-]", "", number) if isinstance(number, str) else ""
    if not _CARD_RE.fullmatch(digits) or not luhn_valid(digits):
        raise CardRejected("card_number_invalid", "The card number is not valid.")
    return digits


def check_expiry(month: int, year: int, *, today: date) -> None:
    """A card is usable to the end of its expiry month."""
    if not 1 <= month <= 12 or (year, month) < (today.year, today.month):
        raise CardRejected("card_expired", "The card has expired.")


def check_cvc(cvc: str) -> None:
    """The CVC is 3 digits (4 on some cards)."""
    if not isinstance(cvc, str) or not _CVC_RE.fullmatch(cvc.strip()):
        raise CardRejected("cvc_invalid", "The security code must be 3 or 4 digits.")


# Charged once with the customer present it succeeds; later automatic (recurring) charges are declined —
# the card to test missed premiums, grace and lapse with.
RECURRING_DECLINED = "4000000000000341"


def sandbox_outcome(card_number: str) -> str:
    """What the sandbox decides for a card: "succeeded" or a decline code."""
    return TEST_CARDS.get(normalise_card(card_number), SUCCEEDED)


def recurring_outcome(card_number: str) -> str:
    """What the sandbox decides for a later automatic charge on a saved card."""
    number = normalise_card(card_number)
    return "card_declined" if number == RECURRING_DECLINED else sandbox_outcome(number)


def sign(payload: bytes, secret: str) -> str:
    """Hex HMAC-SHA256 of the payload, sent alongside a notification."""
    if not secret:
        raise ValueError("a signing secret is required")
    return hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).hexdigest()


def verify(payload: bytes, signature: str, secret: str) -> bool:
    """True if the signature was made for exactly this payload with this secret (constant-time compare)."""
    if not isinstance(signature, str) or not isinstance(payload, bytes):
        return False
    expected = sign(payload, secret)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace"))


@dataclass(frozen=True)
class Notification:
    """The gateway's message that a payment succeeded or failed."""

    payment_id: int
    gateway_ref: str
    status: str
    amount_fen: int
    failure_code: str | None

    def __post_init__(self) -> None:
        for name in ("payment_id", "amount_fen"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int")
            if value <= 0:
                raise ValueError(f"{name} must be positive")
        if not isinstance(self.gateway_ref, str) or not self.gateway_ref:
            raise ValueError("gateway_ref must be a non-empty string")
        if self.status not in (SUCCEEDED, FAILED):
            raise ValueError('status must be "succeeded" or "failed"')
        if self.status == SUCCEEDED and self.failure_code is not None:
            raise ValueError("a successful payment has no failure_code")
        if self.status == FAILED and (not isinstance(self.failure_code, str) or not self.failure_code):
            raise ValueError("a failed payment needs a failure_code")

    def to_bytes(self) -> bytes:
        """Canonical JSON (sorted keys, no spaces), so the same notification always signs the same."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> Notification:
        """Read a notification; anything malformed raises ValueError."""
        try:
            raw = json.loads(data)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"malformed notification: {exc}") from exc
        names = {f.name for f in fields(cls)}
        if not isinstance(raw, dict) or set(raw) != names:
            raise ValueError(f"malformed notification: expected exactly the fields {sorted(names)}")
        try:
            return cls(**raw)
        except TypeError as exc:
            raise ValueError(f"malformed notification: {exc}") from exc
