"""Checks of an application that read the database or parse its parts: the insured (KYC by resident ID), height
and weight, a renewal's policy, the insured's accumulated cover and recent applications, and the regulator's cap on
a minor's death cover. ``services.submit`` gathers their problems and underwrites."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

from insure import clock
from insure.applications.model import ApplicationStatus, age_on
from insure.applications.tables import Application
from insure.db import engine
from insure.errors import N_, Conflict, FieldError, NotFound
from insure.identity import InvalidResidentId, parse_resident_id
from insure.money import from_fen
from insure.payments.model import PaymentStatus
from insure.policies.model import PolicyStatus
from insure.policies.tables import Policy
from insure.tables_base import json_value
from insure.text_input import TextRefused, clean, parse_decimal, parse_int, refusal, take
from products import services as products
from products import underwriting
from products.rating import RatingError, entry_age

OPEN = (ApplicationStatus.OFFERED, ApplicationStatus.REFERRED)
# an accepted application's policy awaits payment, then is in force
HELD = (PolicyStatus.PENDING_PAYMENT, PolicyStatus.IN_FORCE)
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


async def lock_insured(insured_id: str) -> None:
    """Hold the insured's lock until the transaction ends: every step that commits cover on one life (submit,
    accepting revised terms, an underwriter's decision) counts that life's cover and commits its own one at a
    time, so two requests in flight cannot both pass a limit. PostgreSQL: a transaction-scoped advisory lock on
    the resident ID (the same person, whoever the policyholder); SQLite: write transactions already run one at a
    time (BEGIN IMMEDIATE). Take it before any row lock, so the order is always the same."""
    if engine().engine_type != "postgres":
        return
    digest = hashlib.sha256(f"insured:{insured_id}".encode()).digest()
    await Application.raw("SELECT pg_advisory_xact_lock({})", int.from_bytes(digest[:8], "big", signed=True))


async def cover_on_life(
    insured_id: str,
    product_types: tuple[str, ...],
    *,
    applied_fen: int = 0,
    renewal_of: str = "",
    excluding: int | None = None,
) -> Decimal:
    """The sum insured on one life (by resident ID) on these product types, with `applied_fen` of new cover:
    policies awaiting payment or in force, and open applications (offered, referred) that can still become cover
    without another check by their submitter. The application being decided (`excluding`) is the new cover, not
    another one. A renewal (`renewal_of`) continues the policy it renews — the two never cover at once — so the
    pair counts once, at the larger sum."""
    from insure.payments.tables import Payment

    codes = [p.code for p in products.products_on_sale() if p.type in product_types]
    # a lapsed policy whose arrears are being charged is being reinstated: its cover is on its way back
    reinstating = await Payment.select(Payment.policy).where(
        (Payment.purpose == "reinstatement")
        & (Payment.status == PaymentStatus.PENDING)
        & (Payment.policy.insured_id_number == insured_id)
    )
    reinstated = [r["policy"] for r in reinstating]
    held = await Policy.select(Policy.number, Policy.renewal_of, Policy.sum_insured_fen).where(
        (Policy.insured_id_number == insured_id)
        & (Policy.status.is_in(list(HELD)) | Policy.id.is_in(reinstated or [0]))
        & Policy.product_code.is_in(codes or [""])
    )
    pending = await Application.select(Application.id, Application.renewal_of, Application.sum_insured_fen).where(
        (Application.insured_id_number == insured_id)
        & Application.status.is_in(list(OPEN))
        & Application.product_type.is_in(list(product_types))
    )
    renewable = {p["number"]: p["sum_insured_fen"] for p in held}
    cover = [(p["renewal_of"], p["sum_insured_fen"]) for p in held]
    cover += [(a["renewal_of"], a["sum_insured_fen"]) for a in pending if a["id"] != excluding]
    cover.append((renewal_of, applied_fen))
    total = sum(fen for _, fen in cover)
    for renewed, fen in cover:
        if renewed and renewed in renewable:
            total -= min(renewable.pop(renewed), fen)
    return from_fen(total)


async def minor_death_cover_problem(
    insured_id: str,
    age: int,
    product_type: str,
    sum_insured_fen: int,
    *,
    renewal_of: str = "",
    excluding: int | None = None,
) -> list[FieldError]:
    """The regulator's cap on a minor's death cover, counted across every product with a death benefit."""
    if product_type not in DEATH_BENEFIT_TYPES or age >= 18:
        return []
    cap = next(limit for below, limit in MINOR_DEATH_CAPS if age < below)
    total = await cover_on_life(
        insured_id, DEATH_BENEFIT_TYPES, applied_fen=sum_insured_fen, renewal_of=renewal_of, excluding=excluding
    )
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


async def reinstatement_problem(policy: dict) -> list[FieldError]:
    """Reinstating a lapsed policy brings its cover back: the regulator's cap on a minor's death cover holds again,
    counting everything else held or applied for on the insured's life (call under `lock_insured`)."""
    try:
        product_type = products.product(policy["product_code"], on=policy["effective_date"]).type
    except NotFound:
        return []
    age = age_on(policy["insured_birth_date"], clock.today())
    return await minor_death_cover_problem(policy["insured_id_number"], age, product_type, policy["sum_insured_fen"])


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
    if policy is None or policy["renewal_quote_id"] != quote["public_id"] or policy["status"] != PolicyStatus.IN_FORCE:
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


async def exposure(
    insured_id: str, product_type: str, sum_insured_fen: int, *, renewal_of: str = "", excluding: int | None = None
) -> tuple[Decimal, int]:
    """The insured's sum insured already held or applied for on this type of product, besides this application's
    own, and their applications in the last 30 days — the same person recognised by ID number across policies and
    applications."""
    total = await cover_on_life(
        insured_id, (product_type,), applied_fen=sum_insured_fen, renewal_of=renewal_of, excluding=excluding
    )
    recent = await Application.count().where(
        (Application.insured_id_number == insured_id) & (Application.created_at >= clock.now() - timedelta(days=30))
    )
    return total - from_fen(sum_insured_fen), recent + 1


async def check_cover_limits(app: dict, quote: dict, *, reviewed: bool) -> None:
    """Again at each step that commits cover (under the insured's lock): the limits on the insured's accumulated
    cover, counting what is held or applied for now, besides this application. A 409 changes nothing.

    The regulator's cap on a minor's death cover binds everyone. The non-medical limit sends an application to an
    underwriter: when revised terms are accepted (`reviewed` false) and the cover has grown past it since, the
    terms were set without the medical evidence they now need."""
    prod = products.quoted_product(quote)
    try:
        age = entry_age(
            products.for_renewal(prod) if app["renewal_of"] else prod, app["insured_birth_date"], clock.today()
        )
    except RatingError:
        age = age_on(app["insured_birth_date"], clock.today())
    for problem in await minor_death_cover_problem(
        app["insured_id_number"],
        age,
        prod.type,
        app["sum_insured_fen"],
        renewal_of=app["renewal_of"],
        excluding=app["id"],
    ):
        raise Conflict(problem.message, code=problem.code, **problem.params)
    if reviewed:
        return
    held, _ = await exposure(
        app["insured_id_number"], prod.type, app["sum_insured_fen"], renewal_of=app["renewal_of"], excluding=app["id"]
    )
    limit = next(
        (lim.limit for lim in underwriting.rules_for(prod).non_medical_limits if lim.age_from <= age <= lim.age_to),
        None,
    )
    already = any(f["code"] == "accumulated_sum_insured" for f in json_value(app["decision"]).get("fired", []))
    if limit is not None and held + from_fen(app["sum_insured_fen"]) > limit and not already:
        raise Conflict(
            N_(
                "The insured's total cover has grown past the limit without a medical examination since these "
                "terms were offered; please apply again."
            ),
            code="accumulated_cover_changed",
        )


async def check_not_renewed(number: str) -> None:
    """409 if a renewal of this policy exists (awaiting payment or in force) or is being underwritten; call it
    again with the policy row locked where a renewal is created, so a double click cannot make two."""
    taken = await Policy.exists().where((Policy.renewal_of == number) & (Policy.status != PolicyStatus.CANCELLED))
    pending = await Application.exists().where((Application.renewal_of == number) & Application.status.is_in(OPEN))
    if taken or pending:
        raise Conflict(N_("This policy has already been renewed."), code="already_renewed")
