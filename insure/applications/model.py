"""Applications (投保申请), pure rules: statuses, who may insure whom, beneficiaries, the questionnaire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from insure.errors import N_, FieldError, Forbidden
from insure.money import from_fen
from insure.state_machine import lifecycle
from insure.text_input import TextRefused, clean, parse_decimal, refusal
from products import underwriting


class ApplicationStatus(StrEnum):
    OFFERED = "offered"  # accepted on revised terms (loading / exclusion): the customer must agree first
    REFERRED = "referred"  # waiting for an underwriter
    ACCEPTED = "accepted"  # the policy exists and awaits payment
    DECLINED = "declined"
    POSTPONED = "postponed"
    WITHDRAWN = "withdrawn"


TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    ApplicationStatus.OFFERED: frozenset({ApplicationStatus.ACCEPTED, ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.REFERRED: frozenset(
        {ApplicationStatus.ACCEPTED, ApplicationStatus.OFFERED, ApplicationStatus.DECLINED, ApplicationStatus.POSTPONED}
    ),
    ApplicationStatus.ACCEPTED: frozenset(),
    ApplicationStatus.DECLINED: frozenset(),
    ApplicationStatus.POSTPONED: frozenset(),
    ApplicationStatus.WITHDRAWN: frozenset(),
}

# The underwriting outcome decides where a new application starts.
START = {
    "accept": ApplicationStatus.ACCEPTED,
    "load": ApplicationStatus.OFFERED,
    "exclude": ApplicationStatus.OFFERED,
    "refer": ApplicationStatus.REFERRED,
    "postpone": ApplicationStatus.POSTPONED,
    "decline": ApplicationStatus.DECLINED,
}

APPLICATION = lifecycle(
    "application",
    ApplicationStatus,
    TRANSITIONS,
    set(START.values()),
    refusal=N_("This application is %(status)s; that is no longer possible."),
    labels=None,  # as before: the stored status in the message
)

RELATIONS = ("self", "spouse", "child", "parent")
BENEFICIARY_RELATIONS = ("spouse", "child", "parent", "sibling", "other")  # to the insured
ADULT = 18
MARRIAGE_AGE = 20  # the lower statutory age (Civil Code art. 1047: 22 for men, 20 for women)


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def relation_problems(relation: str, holder_birth: date | None, insured_birth: date, today: date) -> list[FieldError]:
    """Insurable interest (Insurance Law art. 31): oneself, a spouse, one's minor children, one's parents."""
    if relation not in RELATIONS:
        return [
            FieldError(
                "insured.relation",
                "relation_invalid",
                N_("Choose who is insured: yourself, your spouse, a child or a parent."),
            )
        ]
    if relation == "self" or holder_birth is None:
        return []
    insured_age = age_on(insured_birth, today)
    if relation == "child" and not (insured_age < ADULT and insured_birth > holder_birth):
        return [
            FieldError(
                "insured.relation",
                "child_not_minor",
                N_("You can insure your children while they are under 18; an adult child applies themselves."),
            )
        ]
    if relation == "parent" and insured_birth >= holder_birth:
        return [FieldError("insured.relation", "parent_not_older", N_("A parent must be older than you."))]
    if relation == "spouse" and insured_age < MARRIAGE_AGE:
        return [
            FieldError(
                "insured.relation", "spouse_too_young", N_("A spouse must be at least %(age)s."), {"age": MARRIAGE_AGE}
            )
        ]
    return []


def ticked(value: object) -> bool:
    """A yes/consent flag as JSON (true) or as a form checkbox ("on")."""
    return value is True or str(value).lower() in ("true", "on", "yes")


def needs_insured_consent(relation: str, insured_birth: date, today: date) -> bool:
    """Cover on an adult other than the policyholder needs the insured's own agreement to the cover, its sum
    insured and the beneficiaries (Insurance Law art. 34, 39, 41); a parent acts for a minor child."""
    return relation != "self" and age_on(insured_birth, today) >= ADULT


def consent_problems(relation: str, insured_birth: date, today: date, consented: bool) -> list[FieldError]:
    if consented or not needs_insured_consent(relation, insured_birth, today):
        return []
    return [
        FieldError(
            "insured_consent",
            "insured_consent_missing",
            N_("The insured must agree to this cover, its sum insured and the beneficiaries (Insurance Law art. 34)."),
        )
    ]


@dataclass(frozen=True)
class Beneficiary:
    name: str
    relation: str
    share: Decimal  # percent


def parse_beneficiaries(raw: object, legal_heirs: bool) -> tuple[tuple[Beneficiary, ...], list[FieldError]]:
    """Named beneficiaries whose shares add up to exactly 100 %, or the insured's legal heirs (法定继承人)."""
    if legal_heirs:
        return (), []
    items = raw if isinstance(raw, list) else []
    if not items:
        return (), [
            FieldError(
                "beneficiaries",
                "beneficiaries_missing",
                N_("Name at least one beneficiary, or choose the legal heirs."),
            )
        ]
    out: list[Beneficiary] = []
    errors: list[FieldError] = []
    for i, item in enumerate(items):
        item = item if isinstance(item, dict) else {}
        try:
            name = clean(item.get("name"), "name")
        except TextRefused as exc:
            errors.append(refusal(f"beneficiaries[{i}].name", exc))
            name = "-"
        relation = str(item.get("relation", ""))
        share = parse_decimal(item.get("share"), ge=Decimal("0.01"), le=Decimal(100), places=2) or Decimal(-1)
        if not name:
            errors.append(
                FieldError(
                    f"beneficiaries[{i}].name", "beneficiary_name_invalid", N_("Enter the beneficiary's full name.")
                )
            )
        if relation not in BENEFICIARY_RELATIONS:
            errors.append(
                FieldError(
                    f"beneficiaries[{i}].relation",
                    "beneficiary_relation_invalid",
                    N_("Choose the beneficiary's relation to the insured."),
                )
            )
        if share < 0:
            errors.append(
                FieldError(
                    f"beneficiaries[{i}].share",
                    "beneficiary_share_invalid",
                    N_("A share is a percentage above 0 and at most 100."),
                )
            )
        out.append(Beneficiary(name, relation, share))
    if not errors and sum(b.share for b in out) != 100:
        errors.append(
            FieldError("beneficiaries", "shares_not_100", N_("The beneficiaries' shares must add up to 100 %."))
        )
    return tuple(out), errors


def answer_problems(question_codes: tuple[str, ...], answers: object) -> tuple[dict[str, bool], list[FieldError]]:
    """Every question of the product's health declaration answered yes or no — none skipped, none invented."""
    given = answers if isinstance(answers, dict) else {}
    clean: dict[str, bool] = {}
    errors: list[FieldError] = []
    for code in question_codes:
        value = given.get(code)
        if isinstance(value, str):
            value = {"yes": True, "true": True, "no": False, "false": False}.get(value.lower())
        if not isinstance(value, bool):
            errors.append(FieldError(f"answers.{code}", "answer_missing", N_("Answer this question yes or no.")))
        else:
            clean[code] = value
    for code in given:
        if code not in question_codes:
            errors.append(
                FieldError(f"answers.{str(code)[:40]}", "answer_unknown", N_("This question is not on the form."))
            )
    return clean, errors


def decision_reason(data: dict, errors: list[FieldError]) -> str:
    """An underwriter's reason, whitespace normalised; every decision needs one (it is audited)."""
    try:
        reason = clean(data.get("reason"), "reason")
    except TextRefused:
        reason = ""
    if not 5 <= len(reason) <= 255:
        errors.append(FieldError("reason", "reason_missing", N_("Give the reason for the decision (it is audited).")))
    return reason


def check_may_decide(underwriter: dict, customer_id: int, sum_insured: Decimal, own: Forbidden) -> None:
    """Never on one's own business (``own`` says which); only up to one's authority, above it a senior decides."""
    if customer_id == underwriter["id"]:
        raise own
    authority = underwriting.Authority(from_fen(underwriter["authority_fen"]))
    if not underwriting.within_authority(sum_insured, authority):
        raise Forbidden(
            N_("This sum insured is above your authority; a senior underwriter must decide."), code="above_authority"
        )
