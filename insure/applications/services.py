"""Applications: the customer applies from a quote, underwriting decides at once (or refers to a person),
revised terms must be accepted, and an accepted application becomes a policy awaiting payment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from insure import clock
from insure.applications import checks, dividend_option
from insure.applications.model import (
    APPLICATION,
    START,
    ApplicationStatus,
    answer_problems,
    check_may_decide,
    consent_problems,
    decision_reason,
    parse_beneficiaries,
    relation_problems,
    ticked,
)
from insure.applications.tables import Application, ApplicationEvent
from insure.db import for_update, transaction
from insure.errors import N_, Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from insure.money import from_fen
from insure.payments import payouts
from insure.policies import services as policies
from insure.policies.model import new_number
from insure.policies.tables import Policy
from insure.state import transition
from insure.tables_base import json_value
from insure.text_input import parse_decimal, take
from products import services as products
from products import underwriting
from products.catalog import Product
from products.rating import RatingError, entry_age


def _decision_json(decision: underwriting.Decision) -> dict:
    return {
        "outcome": decision.outcome,
        "total_loading": str(decision.total_loading),
        "fired": [
            {
                "code": f.code,
                "outcome": f.outcome,
                "reason_en": f.reason_en,
                "reason_zh": f.reason_zh,
                "loading": str(f.loading),
                "exclusion_en": f.exclusion_en,
                "exclusion_zh": f.exclusion_zh,
            }
            for f in decision.fired
        ],
    }


@dataclass
class _Request:
    """An application's request, parsed and checked against its quote (``_parsed``)."""

    insured: dict
    height: int
    weight: Decimal
    answers: dict
    beneficiaries: list
    address: str
    account: str
    consented: bool
    renewed: dict | None
    renewal_of: str
    age: int
    dividend_option: str = ""


async def submit(holder: dict, data: dict) -> dict:
    """Validate everything, underwrite, and store the application (and its policy when accepted outright)."""
    quote = await _quote_to_apply_on(holder, data)
    prod = products.quoted_product(quote)
    rules = underwriting.rules_for(prod)
    request = await _parsed(holder, data, quote, prod, rules)
    async with transaction():
        # the limits on the insured's accumulated cover are counted and this application stored under the
        # insured's lock: two applications in flight for one person cannot both pass a limit
        applicant, decision = await _underwrite(request, quote, prod, rules)
        app = await _record(holder, request, quote, prod, applicant, decision)
        if app["status"] == ApplicationStatus.ACCEPTED:
            app = await _create_policy(app, quote, f"user:{holder['id']}")
    return _loaded(app)


async def _quote_to_apply_on(holder: dict, data: dict) -> dict:
    """The quote applied on: the customer's own (or anonymous) and still valid; a customer account only."""
    if holder["role"] != "customer" or not holder.get("id_number"):
        raise Forbidden(
            N_("Applications are made from a customer account with a verified ID number."),
            code="customer_account_required",
        )
    quote = await products.get_quote(take(data, "quote_id", "public_id", []))
    if quote["customer"] not in (None, holder["id"]):
        raise NotFound(N_("No such quote."), code="quote_not_found")
    if not products.quote_is_valid(quote):
        raise Conflict(N_("This quote has expired; please get a new quote."), code="quote_expired")
    return quote


async def _parsed(
    holder: dict, data: dict, quote: dict, prod: Product, rules: underwriting.UnderwritingRules
) -> _Request:
    """Every field of the request parsed and checked (the insured against the quote and the product); 422 with
    every problem found."""
    errors: list[FieldError] = []
    insured = checks.insured(holder, data, errors)
    height, weight = checks.measurements(data, errors)
    answers, answer_errors = answer_problems(tuple(q.code for q in rules.questions), data.get("answers"))
    errors += answer_errors
    beneficiaries, beneficiary_errors = parse_beneficiaries(data.get("beneficiaries"), bool(data.get("legal_heirs")))
    errors += beneficiary_errors
    address = checks.text(data, "address", errors)
    if not 5 <= len(address) <= 255:
        errors.append(FieldError("address", "address_invalid", N_("Enter the policyholder's address.")))
    account = re.sub(r"\s", "", take(data, "bank_account", "digits", errors))
    if not re.fullmatch(r"[0-9]{12,19}", account):
        errors.append(
            FieldError(
                "bank_account",
                "bank_account_invalid",
                N_("Enter the 12 to 19 digits of a bank account for refunds and payouts."),
            )
        )
    if not ticked(data.get("consent")):
        errors.append(
            FieldError(
                "consent",
                "consent_missing",
                N_("Please confirm you have read the policy terms and the health declaration."),
            )
        )
    option, option_error = dividend_option.chosen(prod, data.get("dividend_option"))
    if option_error:
        errors.append(option_error)
    renewed = await checks.renewed_policy(holder, data, quote)
    consented, age = False, 0
    if insured:
        consented, age = _check_insured(insured, holder, data, quote, prod, errors)
    if errors or insured is None:
        raise ValidationFailed(errors)
    return _Request(
        insured=insured,
        height=height,
        weight=weight,
        answers=answers,
        beneficiaries=beneficiaries,
        address=address,
        account=account,
        consented=consented,
        renewed=renewed,
        renewal_of=take(data, "renewal_of", "public_id", []),
        age=age,
        dividend_option=option,
    )


def _check_insured(
    insured: dict, holder: dict, data: dict, quote: dict, prod: Product, errors: list[FieldError]
) -> tuple[bool, int]:
    """The insured against the quote (birth date, sex), the policyholder (relation, consent) and the product's
    ages; problems are added to ``errors``. Returns (the insured consented, age)."""
    risk = quote["risk"]
    if insured["birth"] != quote["birth_date"]:
        errors.append(
            FieldError(
                "insured.id_number",
                "insured_birth_date_mismatch",
                N_("The quote was priced for another birth date; please quote again for this person."),
            )
        )
    if risk.get("sex") and risk["sex"] != insured["sex"]:
        errors.append(
            FieldError(
                "insured.id_number",
                "insured_sex_mismatch",
                N_("The quote was priced for the other sex; please quote again."),
            )
        )
    errors += relation_problems(insured["relation"], holder.get("birth_date"), insured["birth"], clock.today())
    if insured["relation"] not in prod.insurable_relations:
        allowed = ", ".join(prod.insurable_relations)
        errors.append(
            FieldError(
                "insured.relation",
                "relation_not_offered",
                N_("This product can insure only: %(relations)s."),
                {"relations": allowed},
            )
        )
    consented = ticked(data.get("insured_consent"))
    errors += consent_problems(insured["relation"], insured["birth"], clock.today(), consented)
    try:
        # a renewal continues cover already held: renewal ages, not entry ages
        age = entry_age(products.for_renewal(prod) if data.get("renewal_of") else prod, insured["birth"], clock.today())
    except RatingError as exc:
        errors += products.rating_failure(prod, exc).errors
        age = 0
    return consented, age


async def _underwrite(
    request: _Request, quote: dict, prod: Product, rules: underwriting.UnderwritingRules
) -> tuple[underwriting.Applicant, underwriting.Decision]:
    """Inside the transaction, under the insured's lock: the renewal taken once, the caps and the accumulated
    cover counted, and the automated underwriting decision."""
    insured, renewal_of = request.insured, request.renewal_of
    sum_insured_fen = quote["sum_insured_fen"]
    await checks.lock_insured(insured["id_number"])
    if request.renewed:  # one renewal per policy: checked again under the lock of the policy renewed
        await for_update(Policy.select(Policy.id).where(Policy.id == request.renewed["id"])).first()
        await checks.check_not_renewed(request.renewed["number"])
    cap = await checks.minor_death_cover_problem(
        insured["id_number"], request.age, prod.type, sum_insured_fen, renewal_of=renewal_of
    )
    if cap:
        raise ValidationFailed(cap)
    held, recent = await checks.exposure(insured["id_number"], prod.type, sum_insured_fen, renewal_of=renewal_of)
    applicant = underwriting.Applicant(
        age=request.age,
        sex=insured["sex"],
        height_cm=request.height,
        weight_kg=request.weight,
        occupation_class=quote["occupation_class"] if 1 <= (quote["occupation_class"] or 0) <= 6 else 1,
        smoker=bool(quote["risk"].get("smoker")),
        answers=tuple(underwriting.Answer(code, yes) for code, yes in request.answers.items()),
        sum_insured=from_fen(sum_insured_fen),
        accumulated_sum_insured=held,
        applications_last_30_days=recent,
    )
    return applicant, underwriting.decide(applicant, rules)


async def _record(
    holder: dict,
    request: _Request,
    quote: dict,
    prod: Product,
    applicant: underwriting.Applicant,
    decision: underwriting.Decision,
) -> dict:
    """Store the application as underwriting decided (its bank account vaulted at the gateway) and its event."""
    status = START[decision.outcome]
    loading = decision.total_loading
    insured, account = request.insured, request.account
    rows = await Application.insert(
        Application(
            number=new_number("A"),
            quote_id=quote["public_id"],
            customer=holder["id"],
            product_code=prod.code,
            product_type=prod.type,
            status=status,
            relation=insured["relation"],
            insured_name=insured["name"],
            insured_id_number=insured["id_number"],
            insured_birth_date=insured["birth"],
            insured_sex=insured["sex"],
            occupation_class=applicant.occupation_class,
            height_cm=request.height,
            weight_kg=str(request.weight),
            smoker=str(applicant.smoker).lower(),
            answers=request.answers,
            beneficiaries=[
                {"name": b.name, "relation": b.relation, "share": str(b.share)} for b in request.beneficiaries
            ],
            address=request.address,
            bank_account_last4=account[-4:],
            bank_account_token=await payouts.vault_bank_account(account),
            insured_consent_at=clock.now() if request.consented else None,
            sum_insured_fen=quote["sum_insured_fen"],
            annual_premium_fen=underwriting.loaded_fen(quote["annual_premium_fen"], loading),
            premium_per_payment_fen=underwriting.loaded_fen(
                quote["premium_per_payment_fen"] or quote["annual_premium_fen"], loading
            ),
            loading=str(loading),
            exclusions=[list(pair) for pair in decision.exclusions],
            decision=_decision_json(decision),
            plain_reason_zh=decision.plain_reason("zh_CN"),
            plain_reason_en=decision.plain_reason("en"),
            renewal_of=request.renewal_of,
            dividend_option=request.dividend_option,
            created_at=clock.now(),
            decided_at=clock.now() if status != ApplicationStatus.REFERRED else None,
        )
    ).returning(*Application.all_columns())
    app = rows[0]
    await _event(app["id"], "", status, f"user:{holder['id']}", f"automated underwriting: {decision.outcome}")
    return app


async def _event(app_id: int, old: str, new: str, actor: str, reason: str) -> None:
    await ApplicationEvent.insert(
        ApplicationEvent(
            application=app_id, from_status=old, to_status=new, actor=actor, reason=reason[:255], at=clock.now()
        )
    )


async def _create_policy(app: dict, quote: dict, actor: str) -> dict:
    policy = await policies.create_from_application(_loaded(app), quote, actor)
    await Application.update({Application.policy_number: policy["number"]}).where(Application.id == app["id"])
    app["policy_number"] = policy["number"]
    return app


async def _move(app: dict, target: ApplicationStatus, actor: str, reason: str, **values: object) -> None:
    cols = {getattr(Application, k): v for k, v in values.items()}
    await transition(
        Application,
        app["id"],
        app["status"],
        target,
        event_table=ApplicationEvent,
        event_owner="application",
        actor=actor,
        reason=reason,
        values=cols,
        machine=APPLICATION,  # an illegal move: IllegalTransition, 409 illegal_transition, as before
    )


async def accept_terms(holder: dict, number: str) -> dict:
    """The customer accepts the revised terms (loading / exclusion): the policy is created, ready to pay."""
    async with transaction():
        app = await _locked(number, insured=True)
        if app is None or app["customer"] != holder["id"]:
            raise NotFound(N_("No such application."), code="application_not_found")
        quote = await products.get_quote(app["quote_id"])
        if not products.quote_is_valid(quote):
            raise Conflict(N_("This quote has expired; please get a new quote."), code="quote_expired")
        if app["status"] == ApplicationStatus.OFFERED:
            await checks.check_cover_limits(app, quote, reviewed=False)
        await _move(app, ApplicationStatus.ACCEPTED, f"user:{holder['id']}", "customer accepted the revised terms")
        app["status"] = ApplicationStatus.ACCEPTED
        app = await _create_policy(app, quote, f"user:{holder['id']}")
    return _loaded(app)


async def _locked(number: str, *, insured: bool = False) -> dict | None:
    """The application, its row locked; with `insured`, the insured's lock first (always taken before rows)."""
    if insured:
        found = await Application.select(Application.insured_id_number).where(Application.number == number).first()
        if found:
            await checks.lock_insured(found["insured_id_number"])
    return await for_update(Application.select().where(Application.number == number)).first()


UNDERWRITER_DECISIONS = ("accept", "load", "exclude", "decline", "postpone")


async def decide(underwriter: dict, number: str, data: dict) -> dict:
    """An underwriter decides a referred application within their authority; every decision is audited."""
    errors: list[FieldError] = []
    outcome = take(data, "outcome", "code", errors)
    if outcome not in UNDERWRITER_DECISIONS:
        errors.append(FieldError("outcome", "outcome_invalid", N_("Choose a decision.")))
    loading = Decimal(0)
    if outcome == "load":
        # percent with at most 2 decimals, so the stored fraction ("1.2345") fits its column
        percent = parse_decimal(data.get("loading"), ge=Decimal(5), le=Decimal(300), places=2)
        loading = percent / 100 if percent is not None else Decimal(0)
        if percent is None:
            errors.append(FieldError("loading", "loading_invalid", N_("Enter an extra premium from 5 to 300 %.")))
    exclusion = (take(data, "exclusion_zh", "reason", errors), take(data, "exclusion_en", "reason", errors))
    if outcome == "exclude" and not all(exclusion):
        errors.append(FieldError("exclusion_en", "exclusion_missing", N_("Word the exclusion in Chinese and English.")))
    reason = decision_reason(data, errors)
    if errors:
        raise ValidationFailed(errors)
    async with transaction():
        app = await _locked(number, insured=True)
        if app is None:
            raise NotFound(N_("No such application."), code="application_not_found")
        if app["status"] != ApplicationStatus.REFERRED:
            raise Conflict(N_("Only a referred application waits for an underwriter's decision."), code="not_referred")
        own = Forbidden(N_("You cannot decide your own application."), code="own_application")
        check_may_decide(underwriter, app["customer"], from_fen(app["sum_insured_fen"]), own)
        target = {
            "accept": ApplicationStatus.ACCEPTED,
            "load": ApplicationStatus.OFFERED,
            "exclude": ApplicationStatus.OFFERED,
            "decline": ApplicationStatus.DECLINED,
            "postpone": ApplicationStatus.POSTPONED,
        }[outcome]
        quote = await products.get_quote(app["quote_id"])
        if not products.quote_is_valid(quote):
            raise Conflict(N_("This quote has expired; please get a new quote."), code="quote_expired")
        if target in (ApplicationStatus.ACCEPTED, ApplicationStatus.OFFERED):
            await checks.check_cover_limits(app, quote, reviewed=True)
        values: dict[str, object] = {"decided_at": clock.now()}
        if outcome == "load":
            values["loading"] = str(loading)
            values["annual_premium_fen"] = underwriting.loaded_fen(quote["annual_premium_fen"], loading)
            per = quote["premium_per_payment_fen"] or quote["annual_premium_fen"]
            values["premium_per_payment_fen"] = underwriting.loaded_fen(per, loading)
        if outcome == "exclude":
            values["exclusions"] = [*json_value(app["exclusions"]), list(exclusion)]
        actor = f"underwriter:{underwriter['id']}"
        await _move(app, target, actor, f"{outcome}: {reason}", **values)
        app = await Application.select().where(Application.id == app["id"]).first()
        if target == ApplicationStatus.ACCEPTED:
            app = await _create_policy(app, quote, actor)
    return _loaded(app)


def _loaded(app: dict) -> dict:
    for key in ("answers", "beneficiaries", "exclusions", "decision"):
        app[key] = json_value(app[key])
    return app


async def get_for(user: dict, number: str) -> dict:
    """The policyholder sees their own; underwriters and admins see any (the queue); everyone else gets 404."""
    app = await Application.select().where(Application.number == number).first()
    if app is None or not (app["customer"] == user["id"] or user["role"] in ("underwriter", "admin")):
        raise NotFound(N_("No such application."), code="application_not_found")
    return _loaded(app)


async def list_for(holder: dict) -> list[dict]:
    rows = (
        await Application.select().where(Application.customer == holder["id"]).order_by(Application.id, ascending=False)
    )
    return [_loaded(r) for r in rows]


async def referred_queue() -> list[dict]:
    rows = await Application.select().where(Application.status == ApplicationStatus.REFERRED).order_by(Application.id)
    return [_loaded(r) for r in rows]


async def other_policies(app: dict) -> list[dict]:
    """The insured's other policies, for the underwriter (the same person, by ID number)."""
    return await Policy.select(Policy.number, Policy.product_code, Policy.status, Policy.sum_insured_fen).where(
        Policy.insured_id_number == app["insured_id_number"]
    )


async def events(app_id: int) -> list[dict]:
    return await ApplicationEvent.select().where(ApplicationEvent.application == app_id).order_by(ApplicationEvent.id)
