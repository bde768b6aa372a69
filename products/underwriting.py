"""Automated underwriting (核保), pure and data-driven per product: whether, and on what terms, to take a risk.

Each named rule reads the applicant and the product's `UnderwritingRules` and either stays silent or *fires* with an
outcome and a reason in Chinese and English naming the figures it compared, so an underwriter, an auditor or the
customer can see why. Every rule runs (never stopping at the first) so the record shows every reason. The decision
is the most severe outcome that fired; loadings and exclusions combine into revised terms the customer must accept
before paying. Nothing here reads a database: the caller gathers the facts (cover already held, recent
applications) and stores the decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from products.catalog_model import Product

OUTCOMES = ("accept", "load", "exclude", "refer", "postpone", "decline")  # least to most severe
QUESTION_OUTCOMES = frozenset(OUTCOMES[1:])
TERMS_OUTCOMES = frozenset({"load", "exclude"})  # accepted on revised terms that the customer must agree to first
SEXES = ("male", "female")
_ZERO = Decimal(0)
_TOP = Decimal("Infinity")  # the upper bound of the highest BMI band


def severity(outcome: str) -> int:
    """The outcome's rank in OUTCOMES, so that combining outcomes is a max() and cannot be done two ways."""
    return OUTCOMES.index(outcome)


class _Exact:
    """Refuses floats in every Decimal field: a loading of 0.1 as a float is not 0.1, and money must be exact.

    Field types are the annotation strings (this module uses postponed annotations), hence == "Decimal".
    """

    def __post_init__(self) -> None:
        for field in fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if field.type == "Decimal" and not isinstance(value, Decimal):
                raise TypeError(f"{field.name} must be a Decimal, not {type(value).__name__}")


class QuestionnaireMismatch(ValueError):
    """The answers do not match the product's questionnaire: deciding anyway could accept an undeclared risk."""

    code = "questionnaire_mismatch"

    def __init__(self, missing: tuple[str, ...], unexpected: tuple[str, ...]) -> None:
        self.missing, self.unexpected = missing, unexpected
        super().__init__(f"answers missing for {list(missing)}; answers to questions not asked: {list(unexpected)}")


@dataclass(frozen=True)
class Answer:
    """The insured's answer to one health question (`question` is the Question's code); `detail` is free text."""

    question: str
    yes: bool
    detail: str = ""


@dataclass(frozen=True)
class Applicant(_Exact):
    """The facts the rules read, gathered when the application is submitted.

    `accumulated_sum_insured`: the insured's in-force and pending sum insured on all policies of the same product
    type, not counting this application. `applications_last_30_days`: the insured's applications for any product
    in the last 30 days, this one included.
    """

    age: int
    sex: str
    height_cm: int
    weight_kg: Decimal
    occupation_class: int
    smoker: bool
    answers: tuple[Answer, ...]
    sum_insured: Decimal
    accumulated_sum_insured: Decimal
    applications_last_30_days: int

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.sex not in SEXES or not 0 <= self.age <= 120 or not 1 <= self.occupation_class <= 6:
            raise ValueError(f"sex must be one of {SEXES}, age 0 to 120 and occupation class 1 to 6")
        if min(self.height_cm, self.weight_kg, self.sum_insured) <= 0:
            raise ValueError("height, weight and sum insured must be positive")
        if self.accumulated_sum_insured < 0 or self.applications_last_30_days < 1:
            raise ValueError("cover held cannot be negative and the applications counted include this one")
        if len({answer.question for answer in self.answers}) != len(self.answers):
            raise ValueError("each question is answered once")

    @property
    def bmi(self) -> Decimal:
        """Weight / height² in kg/m², to 1 dp half-up: bands are published to 1 dp, so compare like with like."""
        metres = Decimal(self.height_cm) / 100
        return (self.weight_kg / (metres * metres)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Question(_Exact):
    """One question of the product's health questionnaire (健康告知); a "yes" answer fires `on_yes`."""

    code: str
    text_zh: str
    text_en: str
    on_yes: str
    loading: Decimal = _ZERO
    exclusion_zh: str = ""
    exclusion_en: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.on_yes not in QUESTION_OUTCOMES or (self.on_yes == "load") != (self.loading > 0):
            raise ValueError(f"question {self.code}: on_yes must be one of {OUTCOMES[1:]}, a loading only with 'load'")
        if (self.on_yes == "exclude") != bool(self.exclusion_zh and self.exclusion_en):
            raise ValueError(f"question {self.code}: an exclusion needs its wording in Chinese and English")


@dataclass(frozen=True)
class BmiBand(_Exact):
    """BMI from `low` (inclusive) to `high` (exclusive; Decimal("Infinity") for the top band) → outcome."""

    low: Decimal
    high: Decimal
    outcome: str
    loading: Decimal = _ZERO

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.outcome not in OUTCOMES or self.outcome == "exclude" or not self.low < self.high:
            raise ValueError(f"BMI band {self.low}–{self.high}: bad bounds or outcome {self.outcome!r}")
        if (self.outcome == "load") != (self.loading > 0):
            raise ValueError(f"BMI band {self.low}–{self.high}: a loading goes with the outcome 'load' only")


@dataclass(frozen=True)
class NonMedicalLimit(_Exact):
    """Up to `limit` of total sum insured, an insured aged age_from–age_to (inclusive) needs no medical exam."""

    age_from: int
    age_to: int
    limit: Decimal


@dataclass(frozen=True)
class EvidenceRequirement(_Exact):
    """From this age and this sum insured applied for (both inclusive) the insurer wants evidence first."""

    age_from: int
    sum_insured_from: Decimal
    evidence_zh: str
    evidence_en: str


@dataclass(frozen=True)
class UnderwritingRules(_Exact):
    """One product version's underwriting data, read from its file's `[underwriting]` (catalog_underwriting.py);
    the rule functions below are the same for every product."""

    questions: tuple[Question, ...]
    bmi_bands: tuple[BmiBand, ...]  # empty: BMI is not underwritten (accident, travel)
    non_medical_limits: tuple[NonMedicalLimit, ...]
    occupation_loadings: dict[int, Decimal]
    declined_occupations: frozenset[int]
    smoker_handling: str  # "priced": the premium basis already prices smokers; "load": add smoker_loading
    smoker_loading: Decimal = _ZERO
    max_applications_30_days: int = 3
    evidence_requirements: tuple[EvidenceRequirement, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        if not all(isinstance(loading, Decimal) for loading in self.occupation_loadings.values()):
            raise TypeError("occupation loadings must be Decimals")
        if (self.smoker_handling, self.smoker_loading > 0) not in (("priced", False), ("load", True)):
            raise ValueError("smoker_handling is 'priced', or 'load' with a positive smoker_loading")


@dataclass(frozen=True)
class Fired(_Exact):
    """A rule that fired: its outcome, why (naming the figures compared), and any loading or exclusion it adds."""

    code: str
    outcome: str
    reason_en: str
    reason_zh: str
    loading: Decimal = _ZERO
    exclusion_en: str = ""
    exclusion_zh: str = ""


def _percent(fraction: Decimal) -> str:
    return f"{(fraction * 100).normalize():f}%"


def _join(items: list[str], lang: int) -> str:
    """Chinese lists take 、; English ones read "a, b and c"."""
    return "、".join(items) if lang == 0 else " and ".join(filter(None, [", ".join(items[:-1]), *items[-1:]]))


def _cny(amount: Decimal) -> tuple[str, str]:
    return f"{amount:,.2f}元", f"{amount:,.2f} CNY"


# what the customer is told caused the outcome; internal signals (frequency, accumulation) are never named to them
_TOPICS = {
    "health_answers": ("您的健康告知", "your health declaration"),
    "bmi_band": ("您的身高体重", "your height and weight"),
    "occupation_class": ("您的职业", "your occupation"),
    "smoker": ("您的吸烟情况", "your smoking"),
}
_PLAIN = {
    "accept": ("您的投保申请已按标准条件通过核保。", "Your application is accepted on standard terms."),
    "refer": (
        "您的投保申请需要由核保人员人工审核，我们会尽快通知您结果。",
        "An underwriter needs to review your application, and we will let you know the result.",
    ),
    "postpone": (
        "根据{about}，我们暂时无法承保，欢迎您日后再次投保。",
        "We cannot offer cover at the moment because of {about}, but you are welcome to apply again later.",
    ),
    "decline": (
        "很抱歉，根据{about}，我们无法承保本产品。",
        "We are sorry that we cannot offer this cover because of {about}.",
    ),
    "terms": (
        "根据{about}，我们可以按调整后的条件承保：{terms}，请在付款前确认接受。",
        "We can offer cover {terms} because of {about}; please accept these revised terms before you pay.",
    ),
}


@dataclass(frozen=True)
class Decision(_Exact):
    """The outcome, every rule that fired, and the revised terms (only for a load or exclude outcome).

    A refer, postpone or decline offers no terms yet, so total_loading is 0 and exclusions are empty; the fired
    rules still carry their loadings and exclusions for the underwriter to start from.
    """

    outcome: str
    fired: tuple[Fired, ...]
    total_loading: Decimal
    exclusions: tuple[tuple[str, str], ...]  # (zh, en)
    needs_customer_acceptance: bool

    def plain_reason(self, locale: str) -> str:
        """One sentence the customer understands: Chinese for "zh…" locales (zh_CN), otherwise English."""
        lang = 0 if locale.lower().startswith("zh") else 1
        deciding = TERMS_OUTCOMES if self.outcome in TERMS_OUTCOMES else {self.outcome}
        causes = dict.fromkeys(f.code.split(":")[0] for f in self.fired if f.outcome in deciding)
        topics = dict.fromkeys(
            _TOPICS.get(cause, ("您提供的信息", "the information you gave"))[lang] for cause in causes
        )
        loading = (f"加费{_percent(self.total_loading)}", f"with an extra premium of {_percent(self.total_loading)}")
        excluded = (
            f"除外责任为{'；'.join(zh for zh, _ in self.exclusions)}",
            f"excluding {'; '.join(en for _, en in self.exclusions)}",
        )
        terms = [loading[lang]] * bool(self.total_loading) + [excluded[lang]] * bool(self.exclusions)
        template = _PLAIN["terms" if self.outcome in TERMS_OUTCOMES else self.outcome][lang]
        return template.format(about=_join(list(topics), lang), terms=("，", " and ")[lang].join(terms))


def _fired(
    code: str, outcome: str, found: tuple[str, str], loading: Decimal = _ZERO, exclusion: tuple[str, str] = ("", "")
) -> Fired:
    """One wording for every rule: "<what was found (zh, en)>, which leads to <the outcome and its figures>"."""
    then = {
        "load": (f"加费{_percent(loading)}", f"an extra premium of {_percent(loading)}"),
        "exclude": (f"除外{exclusion[0]}", f"the exclusion of {exclusion[1]}"),
        "refer": ("需转人工核保", "a review by an underwriter"),
        "postpone": ("延期承保", "postponement"),
        "decline": ("拒保", "a decline"),
    }[outcome]
    kept = exclusion if outcome == "exclude" else ("", "")
    return Fired(
        code=code,
        outcome=outcome,
        reason_en=f"{found[1]}, which leads to {then[1]}.",
        reason_zh=f"{found[0]}，因此{then[0]}。",
        loading=loading if outcome == "load" else _ZERO,
        exclusion_en=kept[1],
        exclusion_zh=kept[0],
    )


def health_answers(applicant: Applicant, rules: UnderwritingRules) -> tuple[Fired, ...]:
    """Every "yes" fires its question's outcome, each recorded on its own ("health_answers:<code>"), because one
    declaration can bring a loading and an exclusion at once and both must appear on the revised terms."""
    answers = {answer.question: answer for answer in applicant.answers}
    missing = tuple(q.code for q in rules.questions if q.code not in answers)
    asked = {q.code for q in rules.questions}
    unexpected = tuple(code for code in answers if code not in asked)
    if missing or unexpected:
        raise QuestionnaireMismatch(missing, unexpected)
    fired = []
    for q in rules.questions:
        if (answer := answers[q.code]).yes:
            note = (f"（说明：{answer.detail}）", f' (details: "{answer.detail}")') if answer.detail else ("", "")
            found = (f"被保险人对“{q.text_zh}”回答“是”{note[0]}", f'The insured answered yes to "{q.text_en}"{note[1]}')
            fired.append(
                _fired(f"health_answers:{q.code}", q.on_yes, found, q.loading, (q.exclusion_zh, q.exclusion_en))
            )
    return tuple(fired)


def bmi_band(applicant: Applicant, rules: UnderwritingRules) -> Fired | None:
    """Under- and overweight raise mortality and morbidity; the product's bands say by how much."""
    if not rules.bmi_bands:
        return None
    bmi, height, weight = applicant.bmi, applicant.height_cm, applicant.weight_kg
    zh, en = (
        f"BMI为{bmi}（身高{height}厘米，体重{weight}千克）",
        f"A BMI of {bmi} (height {height} cm, weight {weight} kg)",
    )
    band = next((band for band in rules.bmi_bands if band.low <= bmi < band.high), None)
    if band is None:  # a gap in the product's bands: a person decides rather than a default
        return _fired("bmi_band", "refer", (f"{zh}不在任何BMI区间内", f"{en} is in no BMI band"))
    if band.outcome == "accept":
        return None
    if band.high == _TOP:
        found = (f"{zh}在{band.low}及以上区间", f"{en} is {band.low} or above")
    elif band.low == 0:
        found = (f"{zh}低于{band.high}", f"{en} is under {band.high}")
    else:
        found = (f"{zh}在{band.low}至{band.high}（不含）区间", f"{en} is from {band.low} to under {band.high}")
    return _fired("bmi_band", band.outcome, found, band.loading)


def occupation_class(applicant: Applicant, rules: UnderwritingRules) -> Fired | None:
    """Hazardous work (classes 1–6, 6 the most hazardous) is loaded, or declined when no loading covers it."""
    job = applicant.occupation_class
    if job in rules.declined_occupations:
        found = (f"职业类别为{job}类，本产品不承保该类职业", f"Occupation class {job} is not insured by this product")
        return _fired("occupation_class", "decline", found)
    if (loading := rules.occupation_loadings.get(job, _ZERO)) > 0:
        found = (f"职业类别为{job}类，职业风险较高", f"Occupation class {job} carries a higher risk")
        return _fired("occupation_class", "load", found, loading)
    return None


def accumulated_sum_insured(applicant: Applicant, rules: UnderwritingRules) -> Fired | None:
    """Above the non-medical limit for the age, total cover on one life needs a medical exam; counting every
    in-force and pending policy stops a large risk being split into several small, unexamined applications."""
    age, held, applied = applicant.age, applicant.accumulated_sum_insured, applicant.sum_insured
    limit = next((limit for limit in rules.non_medical_limits if limit.age_from <= age <= limit.age_to), None)
    if limit is None or held + applied <= limit.limit:
        return None
    total, held_, applied_, limit_ = _cny(held + applied), _cny(held), _cny(applied), _cny(limit.limit)
    zh = f"累计保额{total[0]}（已生效及审核中{held_[0]}，本次申请{applied_[0]}）超过{age}岁的免体检额度{limit_[0]}"
    en = (
        f"The total sum insured of {total[1]} ({held_[1]} in force or pending plus {applied_[1]} applied for) is above "
        f"the non-medical limit of {limit_[1]} for age {age}"
    )
    return _fired("accumulated_sum_insured", "refer", (zh, en))


def anti_selection_frequency(applicant: Applicant, rules: UnderwritingRules) -> Fired | None:
    """Many applications in a short time suggest someone who knows something we don't (anti-selection) or fraud."""
    count, allowed = applicant.applications_last_30_days, rules.max_applications_30_days
    if count <= allowed:
        return None
    zh = f"被保险人近30天内投保{count}次，超过{allowed}次的上限"
    en = f"The insured made {count} applications in the last 30 days, more than the {allowed} allowed"
    return _fired("anti_selection_frequency", "refer", (zh, en))


def smoker(applicant: Applicant, rules: UnderwritingRules) -> Fired | None:
    """Smokers are loaded here only when the product's premium basis does not already price them."""
    if rules.smoker_handling != "load" or not applicant.smoker:
        return None
    return _fired("smoker", "load", ("被保险人吸烟", "The insured smokes"), rules.smoker_loading)


def age_sum_insured_evidence(applicant: Applicant, rules: UnderwritingRules) -> Fired | None:
    """Large cover at older ages needs medical or financial evidence before a person can decide."""
    age, amount = applicant.age, _cny(applicant.sum_insured)
    needed = [
        r for r in rules.evidence_requirements if age >= r.age_from and applicant.sum_insured >= r.sum_insured_from
    ]
    if not needed:
        return None
    zh = f"被保险人{age}岁、申请保额{amount[0]}，需提供{'、'.join(r.evidence_zh for r in needed)}"
    en = f"At age {age} a sum insured of {amount[1]} needs {', and '.join(r.evidence_en for r in needed)}"
    return _fired("age_sum_insured_evidence", "refer", (zh, en))


# health_answers returns a tuple (one entry per "yes"); every other rule returns one Fired or None
RULES: tuple[Callable[[Applicant, UnderwritingRules], Fired | tuple[Fired, ...] | None], ...] = (
    health_answers,
    bmi_band,
    occupation_class,
    accumulated_sum_insured,
    anti_selection_frequency,
    smoker,
    age_sum_insured_evidence,
)


def decide(applicant: Applicant, rules: UnderwritingRules) -> Decision:
    """Run every rule and take the most severe outcome; loadings add up and exclusions accumulate on the terms."""
    fired: list[Fired] = []
    for rule in RULES:
        result = rule(applicant, rules)
        fired.extend((result,) if isinstance(result, Fired) else result or ())
    outcome = max((f.outcome for f in fired), key=severity, default="accept")
    on_terms = outcome in TERMS_OUTCOMES
    loading = sum((f.loading for f in fired), _ZERO) if on_terms else _ZERO
    exclusions = tuple(dict.fromkeys((f.exclusion_zh, f.exclusion_en) for f in fired if f.exclusion_en))
    return Decision(outcome, tuple(fired), loading, exclusions if on_terms else (), on_terms)


@dataclass(frozen=True)
class Authority(_Exact):
    """The largest sum insured an underwriter may decide a referred application for."""

    max_sum_insured: Decimal


def within_authority(decision_sum_insured: Decimal, authority: Authority) -> bool:
    """Whether this underwriter may decide (the limit included); above it a senior underwriter must. Pass the
    total the decision puts at risk on the life (held + applied for) when the insurer limits total exposure."""
    if not isinstance(decision_sum_insured, Decimal):
        raise TypeError(f"decision_sum_insured must be a Decimal, not {type(decision_sum_insured).__name__}")
    return decision_sum_insured <= authority.max_sum_insured


def rules_for(product: Product) -> UnderwritingRules:
    """The underwriting rules and questionnaire declared in the product version's file (`[underwriting]`)."""
    return product.underwriting


def loaded_fen(premium_fen: int, loading: Decimal) -> int:
    """A premium in fen with an underwriting loading applied (0.25 = 25 % extra), rounded half-up to the fen: the
    one rule for a new application, an underwriter's loading and a guaranteed renewal on the terms agreed."""
    return int((Decimal(premium_fen) * (1 + loading)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
