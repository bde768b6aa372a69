"""Checks of an application that read the database or parse its parts: the insured (KYC by resident ID), height
and weight, a renewal's policy, the insured's accumulated cover and recent applications, and the regulator's cap on
a minor's death cover. ``services.submit`` gathers their problems and underwrites."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from insure import clock
from insure.applications.model import ApplicationStatus
from insure.applications.tables import Application
from insure.errors import N_, Conflict, FieldError
from insure.identity import InvalidResidentId, parse_resident_id
from insure.money import from_fen
from insure.policies.tables import Policy
from insure.text_input import TextRefused, clean, parse_decimal, parse_int, refusal, take
from products import services as products

OPEN = (ApplicationStatus.OFFERED, ApplicationStatus.REFERRED)
# The regulator caps a minor's total death benefit across all insurers' policies (CBIRC 2015 No. 90):
# 200,000 CNY under 10, 500,000 CNY from 10 to 17. Checked across every product with a death benefit.
MINOR_DEATH_CAPS = ((10, Decimal(200_000)), (18, Decimal(500_000)))
DEATH_BENEFIT_TYPES = (
    "participating_whole_life",
    "participating_endowment",
    "term_life",
    "personal_accident",
    "travel",
)


async def minor_death_cover_problem(
    insured_id: str, age: int, product_type: str, sum_insured: Decimal
) -> list[FieldError]:
    if product_type not in DEATH_BENEFIT_TYPES or age >= 18:
        return []
    cap = next(limit for below, limit in MINOR_DEATH_CAPS if age < below)
    codes = [p.code for p in products.products_on_sale() if p.type in DEATH_BENEFIT_TYPES]
    held = await Policy.select(Policy.sum_insured_fen).where(
        (Policy.insured_id_number == insured_id)
        & Policy.status.is_in(["pending_payment", "in_force"])
        & Policy.product_code.is_in(codes or [""])
    )
    total = from_fen(sum(r["sum_insured_fen"] for r in held)) + sum_insured
    if total <= cap:
        return []
    return [
        FieldError(
            "sum_insured",
            "minor_death_cover_cap",
            N_("A child's total death cover is capped at %(cap)s CNY under age %(age)s."),
            {"cap": f"{cap:,.0f}", "age": 10 if cap == MINOR_DEATH_CAPS[0][1] else 18},
        )
    ]


def text(data: dict, key: str, errors: list[FieldError], kind: str = "address") -> str:
    """A text field by the one input rule (``insure.text_input``): length of its kind, no control characters."""
    return take(data, key, kind, errors)


def insured(holder: dict, data: dict, errors: list[FieldError]) -> dict | None:
    """Who is insured: the policyholder, or a relation identified by their resident ID number (KYC)."""
    relation = take(data, "relation", "code", errors) or "self"
    if relation == "self":
        if not holder.get("id_number"):
            errors.append(FieldError("insured", "holder_without_id", N_("Your account has no ID number.")))
            return None
        rid = parse_resident_id(holder["id_number"])
        return {
            "relation": "self",
            "name": holder["name"],
            "id_number": rid.number,
            "birth": rid.birth_date,
            "sex": rid.sex,
        }
    insured = data.get("insured") if isinstance(data.get("insured"), dict) else {}
    try:
        name = clean(insured.get("name"), "name")
    except TextRefused as exc:
        errors.append(refusal("insured.name", exc))
        name = "-"
    if not name:
        errors.append(FieldError("insured.name", "insured_name_invalid", N_("Enter the insured's full name.")))
    try:
        rid = parse_resident_id(clean(insured.get("id_number"), "id_number"), today=clock.today())
    except (InvalidResidentId, TextRefused):
        errors.append(
            FieldError(
                "insured.id_number", "insured_id_invalid", N_("Enter the insured's 18-character resident ID number.")
            )
        )
        return None
    return {"relation": relation, "name": name, "id_number": rid.number, "birth": rid.birth_date, "sex": rid.sex}


async def renewed_policy(holder: dict, data: dict, quote: dict) -> dict | None:
    """The policy a renewal application continues: the holder's, in force, and this quote is its renewal offer."""
    number = take(data, "renewal_of", "public_id", [])
    if not number:
        return None
    policy = await Policy.select().where((Policy.number == number) & (Policy.customer == holder["id"])).first()
    if policy is None or policy["renewal_quote_id"] != quote["public_id"] or policy["status"] != "in_force":
        raise Conflict(N_("This is not the renewal offer of that policy."), code="not_renewal_offer")
    return policy


def measurements(data: dict, errors: list[FieldError]) -> tuple[int, Decimal]:
    """Height in whole centimetres; weight in kilograms with at most 2 decimals (it is stored as text, 8 long)."""
    height = parse_int(data.get("height_cm"), ge=40, le=250)
    if height is None:
        errors.append(FieldError("height_cm", "height_invalid", N_("Enter the insured's height in centimetres.")))
    weight = parse_decimal(data.get("weight_kg"), ge=Decimal(2), le=Decimal(300), places=2)
    if weight is None:
        errors.append(FieldError("weight_kg", "weight_invalid", N_("Enter the insured's weight in kilograms.")))
    return height or 0, weight or Decimal(0)


async def exposure(insured_id: str, product_type: str) -> tuple[Decimal, int]:
    """The insured's sum insured already held or applied for on this type of product, and their applications in
    the last 30 days — the same person recognised by ID number across policies and applications."""
    codes = [p.code for p in products.products_on_sale(type_=product_type)]
    held = await Policy.select(Policy.sum_insured_fen).where(
        (Policy.insured_id_number == insured_id)
        & Policy.status.is_in(["pending_payment", "in_force"])
        & Policy.product_code.is_in(codes or [""])
    )
    pending = await Application.select(Application.sum_insured_fen).where(
        (Application.insured_id_number == insured_id)
        & Application.status.is_in(list(OPEN))
        & (Application.product_type == product_type)
    )
    recent = await Application.count().where(
        (Application.insured_id_number == insured_id) & (Application.created_at >= clock.now() - timedelta(days=30))
    )
    return from_fen(sum(r["sum_insured_fen"] for r in held + pending)), recent + 1
