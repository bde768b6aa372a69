"""Catalog access and quotes: price with the pure rating module, store an immutable snapshot."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from insure import clock
from insure.errors import N_, FieldError, NotFound, ValidationFailed
from insure.money import MoneyError, from_fen, parse_amount, to_fen
from insure.tables_base import json_value
from products.catalog import Catalog, Product, ProductNotEffective, UnknownProduct, load_catalog
from products.rating import RatingError, Risk, quote
from products.tables import Quote

QUOTE_VALIDITY = timedelta(days=30)
CHANNELS = ("direct", "platform")

RATING_MESSAGES = {
    "age_out_of_range": N_("The insured's age must be between %(min)s and %(max)s for this product."),
    "sum_insured_out_of_range": N_("The sum insured must be between %(min)s and %(max)s CNY."),
    "sum_insured_not_on_step": N_("The sum insured must be a multiple of %(step)s CNY."),
    "occupation_declined": N_("This occupation class cannot be insured under this product."),
    "occupation_unknown": N_("Choose an occupation class from 1 to 6."),
}


@cache
def catalog() -> Catalog:
    """The validated catalog, loaded once per process (a broken file stops start-up)."""
    return load_catalog()


def product(code: str, on: date | None = None) -> Product:
    try:
        return catalog().get(code, on or clock.today())
    except (UnknownProduct, ProductNotEffective) as exc:
        raise NotFound(N_("No such product."), code=exc.code) from exc


def _parse_quote_request(data: dict[str, str]) -> tuple[Product | None, str, Risk | None, list[FieldError]]:
    errors: list[FieldError] = []
    prod: Product | None = None
    try:
        prod = catalog().get(str(data.get("product_code", "")), clock.today())
    except (UnknownProduct, ProductNotEffective) as exc:
        errors.append(FieldError("product_code", exc.code, N_("No such product is on sale today.")))
    channel = str(data.get("channel") or "direct")
    if channel not in CHANNELS or (prod and channel not in prod.channels):
        errors.append(FieldError("channel", "channel_invalid", N_("This product is not sold through this channel.")))
    birth: date | None = None
    try:
        birth = date.fromisoformat(str(data.get("birth_date", "")))
        if birth > clock.today():
            raise ValueError
    except ValueError:
        errors.append(FieldError("birth_date", "birth_date_invalid", N_("Enter a birth date as YYYY-MM-DD.")))
    occupation = str(data.get("occupation_class", "1"))
    if not occupation.isdigit():
        errors.append(FieldError("occupation_class", "occupation_unknown", RATING_MESSAGES["occupation_unknown"]))
    amount: Decimal | None = None
    try:
        amount = parse_amount(str(data.get("sum_insured", "")))
    except MoneyError:
        errors.append(FieldError("sum_insured", "sum_insured_invalid", N_("Enter the sum insured in CNY.")))
    if errors or prod is None or birth is None or amount is None:
        return prod, channel, None, errors
    return prod, channel, Risk(birth_date=birth, occupation_class=int(occupation), sum_insured=amount), []


def price(data: dict[str, str]) -> tuple[Product, str, Risk, object]:
    """Validate and price a quote request without storing it (the live premium on the quote form)."""
    prod, channel, risk, errors = _parse_quote_request(data)
    if errors or prod is None or risk is None:
        raise ValidationFailed(errors)
    try:
        breakdown = quote(prod, risk, clock.today())
    except RatingError as exc:
        params = _rating_params(prod, exc.code)
        raise ValidationFailed([FieldError(exc.field, exc.code, RATING_MESSAGES[exc.code], params)]) from exc
    return prod, channel, risk, breakdown


def _rating_params(prod: Product, code: str) -> dict[str, object]:
    if code == "age_out_of_range":
        return {"min": prod.entry_age_min, "max": prod.entry_age_max}
    if code == "sum_insured_out_of_range":
        return {"min": prod.sum_insured_min, "max": prod.sum_insured_max}
    if code == "sum_insured_not_on_step":
        return {"step": prod.sum_insured_step}
    return {}


async def create_quote(data: dict[str, str], customer_id: int | None) -> dict:
    prod, channel, risk, breakdown = price(data)
    now = clock.now()
    rows = await Quote.insert(
        Quote(
            public_id=secrets.token_hex(16),
            customer=customer_id,
            channel=channel,
            insurer_code=prod.insurer_code,
            product_code=prod.code,
            product_version=prod.version,
            birth_date=risk.birth_date,
            occupation_class=risk.occupation_class,
            sum_insured_fen=to_fen(risk.sum_insured),
            annual_premium_fen=to_fen(breakdown.annual_premium),
            breakdown=breakdown_json(breakdown),
            created_at=now,
            valid_until=now + QUOTE_VALIDITY,
        )
    ).returning(*Quote.all_columns())
    return _loaded(rows[0])


def _loaded(row: dict) -> dict:
    row["breakdown"] = json_value(row["breakdown"])
    return row


def breakdown_json(breakdown: object) -> list[dict[str, str]]:
    return [{"label": label, "amount": str(amount)} for label, amount in breakdown.lines]  # type: ignore[attr-defined]


async def get_quote(public_id: str) -> dict:
    row = await Quote.select().where(Quote.public_id == public_id).first()
    if row is None:
        raise NotFound(N_("No such quote."), code="quote_not_found")
    return _loaded(row)


def quote_is_valid(row: dict) -> bool:
    return row["valid_until"] > clock.now()


def quote_premium(row: dict) -> Decimal:
    return from_fen(row["annual_premium_fen"])
