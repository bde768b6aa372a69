"""Catalog access, quotes and comparison: price with the pure rating engine, store immutable snapshots."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from insure import clock
from insure.errors import N_, FieldError, NotFound, ValidationFailed
from insure.money import MoneyError, from_fen, parse_amount, to_fen
from insure.tables_base import json_value
from insure.text_input import parse_int, take
from products import life_pricing
from products.catalog import (
    OCCUPATION_CLASSES,
    ZONES,
    Catalog,
    Product,
    ProductNotEffective,
    UnknownProduct,
    load_catalog,
)
from products.illustration import Illustration, illustrate
from products.rating import FREQUENCIES, PremiumBreakdown, RatingError, Risk, quote
from products.tables import Quote

QUOTE_VALIDITY = timedelta(days=30)
CHANNELS = ("direct", "platform")
TRUE = {"1", "true", "yes", "on"}

RATING_MESSAGES = {
    "age_out_of_range": N_("The insured's age must be between %(min)s and %(max)s for this product."),
    "birth_date_in_future": N_("The birth date cannot be in the future."),
    "sum_insured_out_of_range": N_("The sum insured must be between %(min)s and %(max)s CNY."),
    "sum_insured_not_on_step": N_("The sum insured must be a multiple of %(step)s CNY."),
    "sum_insured_not_offered": N_("Choose one of the offered sums insured: %(choices)s CNY."),
    "occupation_declined": N_("This occupation class cannot be insured under this product."),
    "occupation_unknown": N_("Choose an occupation class from 1 to 6."),
    "sex_required": N_("Choose the insured's sex: it changes the premium."),
    "policy_term_not_offered": N_("This policy term is not offered; choose one of: %(offered)s."),
    "premium_term_not_offered": N_("This premium term is not offered; choose one of: %(offered)s."),
    "premium_term_too_long": N_("Premiums cannot be paid for longer than the cover lasts."),
    "expiry_age_exceeded": N_("The cover would end after the maximum age of %(max)s."),
    "frequency_not_offered": N_("This payment frequency is not offered; choose one of: %(offered)s."),
    "sex_invalid": N_("Choose the insured's sex: male or female."),
    "zone_invalid": N_("Choose the destination: Asia, Europe or worldwide."),
    "trip_days_invalid": N_("Enter the trip length in days."),
    "trip_too_long": N_("Trips longer than %(max)s days are not covered."),
    "no_rate": N_("This product has no rate for this insured."),
}


@cache
def catalog() -> Catalog:
    """The validated catalog, loaded once per process (a broken file stops start-up). CATALOG_DIR points at
    another catalog folder (a staging copy being checked before release)."""
    folder = os.environ.get("CATALOG_DIR")
    return load_catalog(Path(folder) if folder else None)


def product(code: str, on: date | None = None) -> Product:
    try:
        return catalog().get(code, on or clock.today())
    except (UnknownProduct, ProductNotEffective) as exc:
        raise NotFound(N_("No such product."), code=exc.code) from exc


def quoted_product(quote: dict) -> Product:
    """The product version a quote — or the policy sold from it — was priced on (its terms, free-look and grace
    days, questionnaire), even after a newer version has taken over."""
    return product(quote["product_code"], on=date.fromisoformat(quote["product_version"]))


def products_on_sale(
    *, type_: str | None = None, insurer: str | None = None, channel: str | None = None
) -> list[Product]:
    found = catalog().products(clock.today())
    return [
        p
        for p in found
        if (not type_ or p.type == type_)
        and (not insurer or p.insurer_code == insurer)
        and (not channel or channel in p.channels)
    ]


def insurers() -> dict[str, tuple[str, str]]:
    """Insurer code → (Chinese name, English name), from the products on sale."""
    return {p.insurer_code: (p.insurer_name_zh, p.insurer_name_en) for p in catalog().products(clock.today())}


def _flag(value: object, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUE


def parse_risk(prod: Product | None, data: dict, errors: list[FieldError]) -> Risk | None:
    """Turn request fields (JSON or form strings) into a Risk, defaulting terms to the product's first offer."""
    birth: date | None = None
    try:
        birth = date.fromisoformat(take(data, "birth_date", "date", errors))
    except ValueError:
        errors.append(FieldError("birth_date", "birth_date_invalid", N_("Enter a birth date as YYYY-MM-DD.")))
    amount: Decimal | None = None
    try:
        amount = parse_amount(take(data, "sum_insured", "amount", errors))
    except MoneyError:
        errors.append(FieldError("sum_insured", "sum_insured_invalid", N_("Enter the sum insured in CNY.")))
    # absent means class 1 (office work); anything given must be one of the catalog's classes — 0 is not 1
    raw_class = data.get("occupation_class")
    occupation = (
        1
        if raw_class is None or raw_class == ""
        else parse_int(raw_class, ge=min(OCCUPATION_CLASSES), le=max(OCCUPATION_CLASSES))
    )
    if occupation is None:
        errors.append(FieldError("occupation_class", "occupation_unknown", RATING_MESSAGES["occupation_unknown"]))
    raw_days = data.get("trip_days")
    trip_days = None if raw_days is None or raw_days == "" else parse_int(raw_days, ge=1, le=3650)
    if raw_days not in (None, "") and trip_days is None:
        errors.append(FieldError("trip_days", "trip_days_invalid", RATING_MESSAGES["trip_days_invalid"]))
    sex = take(data, "sex", "code", errors) or None
    if sex not in (None, "male", "female"):
        errors.append(FieldError("sex", "sex_invalid", RATING_MESSAGES["sex_invalid"]))
    frequency = take(data, "frequency", "code", errors) or "annual"
    if frequency not in FREQUENCIES:
        errors.append(FieldError("frequency", "frequency_invalid", N_("Choose how often to pay.")))
    policy_term = take(data, "policy_term", "code", errors)
    premium_term = take(data, "premium_term", "code", errors)
    zone = take(data, "destination_zone", "code", errors)
    if zone and zone not in ZONES:
        errors.append(FieldError("destination_zone", "zone_invalid", RATING_MESSAGES["zone_invalid"]))
    for key, given, offered in (
        ("policy_term", policy_term, prod.policy_terms if prod else ()),
        ("premium_term", premium_term, prod.premium_terms if prod else ()),
    ):  # only what the product offers is stored with the quote
        if given and prod and given not in offered:
            message = RATING_MESSAGES[f"{key}_not_offered"]
            errors.append(FieldError(key, f"{key}_not_offered", message, {"offered": ", ".join(offered)}))
    if errors or prod is None or birth is None or amount is None or occupation is None:
        return None
    return Risk(
        birth_date=birth,
        sum_insured=amount,
        sex=sex,
        smoker=_flag(data.get("smoker"), False),
        occupation_class=occupation,
        policy_term=policy_term or prod.policy_terms[0],
        premium_term=premium_term or prod.premium_terms[0],
        frequency=frequency,
        social_insurance=_flag(data.get("social_insurance"), True),
        destination_zone=zone or None,
        trip_days=trip_days,
    )


def rating_failure(prod: Product, exc: RatingError) -> ValidationFailed:
    message = RATING_MESSAGES.get(exc.code, N_("This product cannot insure this risk."))
    return ValidationFailed([FieldError(exc.field, exc.code, message, {k: str(v) for k, v in exc.params.items()})])


@dataclass(frozen=True)
class Priced:
    product: Product
    channel: str
    risk: Risk
    breakdown: PremiumBreakdown


def for_renewal(prod: Product) -> Product:
    """The product as it prices a renewal: cover already held continues past the entry ages, up to the age by
    which the product says cover must end (``max_expiry_age``); without one, the entry ages still apply."""
    if prod.max_expiry_age is None:
        return prod
    return replace(prod, entry_age_min=0, entry_age_max=prod.max_expiry_age - 1)


def price(data: dict, renewal_from: date | None = None) -> Priced:
    """Validate and price a quote request without storing it (the live premium on the quote form).

    ``renewal_from``: a renewal starting that day — rated at the insured's age then, within renewal ages."""
    errors: list[FieldError] = []
    prod: Product | None = None
    try:
        prod = catalog().get(take(data, "product_code", "code", errors), clock.today())
    except (UnknownProduct, ProductNotEffective) as exc:
        errors.append(FieldError("product_code", exc.code, N_("No such product is on sale today.")))
    channel = take(data, "channel", "code", errors) or "direct"
    if channel not in CHANNELS or (prod and channel not in prod.channels):
        errors.append(FieldError("channel", "channel_invalid", N_("This product is not sold through this channel.")))
    risk = parse_risk(prod, data, errors)
    if errors or prod is None or risk is None:
        raise ValidationFailed(errors)
    rated = for_renewal(prod) if renewal_from else prod
    try:
        return Priced(prod, channel, risk, quote(rated, risk, renewal_from or clock.today()))
    except RatingError as exc:
        raise rating_failure(prod, exc) from exc


def breakdown_json(breakdown: PremiumBreakdown) -> list[dict]:
    return [{"code": line.code, "amount": str(line.amount), "params": line.params} for line in breakdown.lines]


def risk_json(risk: Risk) -> dict:
    return {
        "sex": risk.sex,
        "smoker": risk.smoker,
        "occupation_class": risk.occupation_class,
        "policy_term": risk.policy_term,
        "premium_term": risk.premium_term,
        "frequency": risk.frequency,
        "social_insurance": risk.social_insurance,
        "destination_zone": risk.destination_zone,
        "trip_days": risk.trip_days,
    }


async def create_quote(data: dict, user: dict | None, renewal_from: date | None = None) -> dict:
    """Store a priced quote. A customer owns theirs; an agent's quote is for a client, who buys it through the
    unguessable id the agent sends them; an anonymous visitor's quote belongs to whoever holds the id.
    ``renewal_from``: the renewal offer of cover held (see ``price``); never set from a request."""
    priced = price(data, renewal_from)
    customer_id = user["id"] if user and user["role"] == "customer" else None
    agent_id = user["id"] if user and user["role"] == "agent" else None
    b, now = priced.breakdown, clock.now()
    rows = await Quote.insert(
        Quote(
            public_id=secrets.token_hex(16),
            customer=customer_id,
            agent=agent_id,
            channel=priced.channel,
            insurer_code=priced.product.insurer_code,
            product_code=priced.product.code,
            product_version=priced.product.version,
            birth_date=priced.risk.birth_date,
            occupation_class=priced.risk.occupation_class or 0,
            risk=risk_json(priced.risk),
            sum_insured_fen=to_fen(b.sum_insured),
            annual_premium_fen=to_fen(b.gross_annual_premium),
            net_annual_premium_fen=to_fen(b.net_annual_premium),
            premium_per_payment_fen=to_fen(b.premium_per_payment),
            payments_per_year=b.payments_per_year,
            policy_term_years=b.policy_term_years,
            premium_term_years=b.premium_term_years,
            basis=b.basis[:255],
            breakdown=breakdown_json(b),
            created_at=now,
            valid_until=now + QUOTE_VALIDITY,
        )
    ).returning(*Quote.all_columns())
    return loaded(rows[0])


def loaded(row: dict) -> dict:
    row["breakdown"] = json_value(row["breakdown"])
    row["risk"] = json_value(row["risk"]) or {}
    return row


async def get_quote(public_id: str) -> dict:
    row = await Quote.select().where(Quote.public_id == public_id).first()
    if row is None:
        raise NotFound(N_("No such quote."), code="quote_not_found")
    return loaded(row)


def quote_is_valid(row: dict) -> bool:
    return row["valid_until"] > clock.now()


def quote_risk(row: dict) -> Risk:
    """The Risk a stored quote was priced for (to re-run its illustration exactly)."""
    r = row["risk"]
    return Risk(
        birth_date=row["birth_date"],
        sum_insured=from_fen(row["sum_insured_fen"]),
        sex=r.get("sex"),
        smoker=bool(r.get("smoker")),
        occupation_class=r.get("occupation_class"),
        policy_term=r.get("policy_term"),
        premium_term=r.get("premium_term"),
        frequency=r.get("frequency") or "annual",
        social_insurance=r.get("social_insurance", True),
        destination_zone=r.get("destination_zone"),
        trip_days=r.get("trip_days"),
    )


def check_illustrated(row: dict) -> Product:
    """The quote's product version, or 404 ``no_illustration`` when it has no benefit illustration."""
    prod = next(p for p in catalog().versions(row["product_code"]) if p.version == row["product_version"])
    if prod.pricing.method != "life_equivalence":
        raise NotFound(N_("This product has no benefit illustration."), code="no_illustration")
    return prod


def illustration_for(row: dict) -> tuple[Product, Illustration]:
    """Year-by-year values for a stored life quote, on the product version and date it was priced on."""
    prod = check_illustrated(row)
    risk = quote_risk(row)
    on = clock.local(row["created_at"]).date()
    terms = life_pricing.resolve(prod, risk, on)
    return prod, illustrate(prod, terms, quote(prod, risk, on))


@dataclass(frozen=True)
class Offer:
    product: Product
    breakdown: PremiumBreakdown | None
    problem: FieldError | None


def compare(data: dict) -> list[Offer]:
    """Price one need under every insurer's matching platform product; priced offers first, by premium."""
    type_ = str(data.get("product_type", ""))
    candidates = products_on_sale(type_=type_, channel="platform")
    if not candidates:
        raise ValidationFailed.one("product_type", "product_type_invalid", N_("Choose a kind of insurance."))
    offers = []
    for prod in candidates:
        errors: list[FieldError] = []
        risk = parse_risk(prod, data, errors)
        if risk is None:
            raise ValidationFailed(errors)
        try:
            offers.append(Offer(prod, quote(prod, risk, clock.today()), None))
        except RatingError as exc:
            offers.append(Offer(prod, None, rating_failure(prod, exc).errors[0]))
    return sorted(offers, key=lambda o: (o.breakdown is None, o.breakdown.premium_per_year if o.breakdown else 0))
