"""The default underwriting rules per product type (题库与核保标准): health questions, BMI bands, non-medical
limits, occupation and smoker handling, evidence requirements — data for the engine in underwriting.py, kept
apart so the engine stays small and a product file can later declare its own."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from products.underwriting import BmiBand, EvidenceRequirement, NonMedicalLimit, Question, UnderwritingRules

# Default data per product type (a product file may later declare its own). Health questions are a table, as in an
# underwriting manual: the outcome of a "yes" for life, critical illness and medical ("" = not asked).
_HEALTH_TABLE = {
    "cancer": ("refer", "decline", "decline"),
    "hypertension": ("load 0.25", "load 0.25", "exclude"),
    "hospitalised": ("refer", "refer", "refer"),
    "hiv": ("decline", "decline", "decline"),
    "diabetes": ("refer", "decline", "exclude"),
    "heart": ("refer", "decline", "exclude"),
    "liver": ("load 0.25", "exclude", "exclude"),
    "pregnancy": ("", "postpone", ""),  # complications blur a CI risk until after the birth
}
_QUESTIONS_ZH = {
    "cancer": "您是否曾被诊断患有恶性肿瘤（癌症）或原位癌，或患有尚未明确良恶性的肿瘤？",
    "hypertension": "您是否患有高血压并正在服用降压药物？",
    "hospitalised": "过去两年内，您是否曾住院治疗或被医生建议住院？",
    "hiv": "您是否曾被告知感染艾滋病病毒（HIV）或患有艾滋病？",
    "diabetes": "您是否患有糖尿病？",
    "heart": "您是否患有冠心病、心肌梗死、心脏瓣膜病等心脏疾病，或曾接受心脏手术？",
    "liver": "您是否为乙肝病毒携带者，或患有肝炎、肝硬化等肝脏疾病？",
    "pregnancy": "您目前是否怀孕？",
    "risky_sports": "您是否参加潜水、跳伞、攀岩、赛车等高风险运动？",
    "disability": "您是否有肢体残疾，或视力、听力障碍？",
    "epilepsy": "您是否患有癫痫，或经常出现晕厥？",
    "medical_trip": "此次出行是否以就医为目的，或医生曾建议您不宜出行？",
    "late_pregnancy": "您目前是否怀孕超过28周？",
}
_QUESTIONS_EN = {
    "cancer": "Have you ever had cancer or carcinoma in situ, or do you have a tumour not yet known to be benign?",
    "hypertension": "Do you have high blood pressure for which you take medication?",
    "hospitalised": "In the last 2 years, have you been admitted to hospital or advised by a doctor to be?",
    "hiv": "Have you ever been told that you have HIV or AIDS?",
    "diabetes": "Have you been diagnosed with diabetes?",
    "heart": "Have you had coronary heart disease, a heart attack, heart valve disease or heart surgery?",
    "liver": "Do you carry hepatitis B, or have you had hepatitis, cirrhosis or another liver disease?",
    "pregnancy": "Are you currently pregnant?",
    "risky_sports": "Do you take part in high-risk sports such as diving, parachuting, rock climbing or motor racing?",
    "disability": "Do you have a physical disability, or impaired sight or hearing?",
    "epilepsy": "Do you have epilepsy or frequent fainting spells?",
    "medical_trip": "Are you travelling to receive medical treatment, or has a doctor advised you not to travel?",
    "late_pregnancy": "Are you more than 28 weeks pregnant?",
}
_EXCLUSIONS = {  # code: (zh, en), the wording printed on the policy schedule
    "hypertension": (
        "高血压及其并发症（包括脑卒中、高血压性心脏病及肾病）",
        "high blood pressure and its complications (including stroke, hypertensive heart and kidney disease)",
    ),
    "diabetes": ("糖尿病及其并发症", "diabetes and its complications"),
    "heart": ("心脏疾病及其并发症", "heart disease and its complications"),
    "liver": ("肝脏疾病（包括肝炎、肝硬化及肝癌）", "liver disease (including hepatitis, cirrhosis and liver cancer)"),
    "risky_sports": (
        "因参加潜水、跳伞、攀岩、赛车等高风险运动导致的伤害",
        "injury while taking part in high-risk sports such as diving, parachuting, rock climbing or motor racing",
    ),
}


def _ask(code: str, on_yes: str) -> Question:
    outcome, _, loading = on_yes.partition(" ")
    exclusion = _EXCLUSIONS[code] if outcome == "exclude" else ("", "")
    return Question(code, _QUESTIONS_ZH[code], _QUESTIONS_EN[code], outcome, Decimal(loading or 0), *exclusion)


def _questionnaire(column: int) -> tuple[Question, ...]:
    return tuple(_ask(code, outcomes[column]) for code, outcomes in _HEALTH_TABLE.items() if outcomes[column])


def _bands(*rows: str) -> tuple[BmiBand, ...]:
    """ "low high outcome [loading]" per band, e.g. "28 32 load 0.25"."""
    return tuple(
        BmiBand(Decimal(low), Decimal(high), outcome, Decimal(loading[0] if loading else 0))
        for low, high, outcome, *loading in (row.split() for row in rows)
    )


def _limits(*rows: tuple[int, int, str]) -> tuple[NonMedicalLimit, ...]:
    return tuple(NonMedicalLimit(age_from, age_to, Decimal(limit)) for age_from, age_to, limit in rows)


_EXAM = ("体检报告（含心电图及血液检查）", "a medical examination with ECG and blood tests")
_LIFE = UnderwritingRules(
    questions=_questionnaire(0),
    bmi_bands=_bands("0 17 refer", "17 28 accept", "28 32 load 0.25", "32 36 load 0.50", "36 Infinity decline"),
    non_medical_limits=_limits((0, 40, "2000000"), (41, 50, "1000000"), (51, 120, "500000")),
    occupation_loadings={4: Decimal("0.25"), 5: Decimal("0.50")},
    declined_occupations=frozenset({6}),
    smoker_handling="priced",  # life products carry a smoker mortality factor
    evidence_requirements=(
        EvidenceRequirement(50, Decimal("1000000"), *_EXAM),
        EvidenceRequirement(0, Decimal("5000000"), "收入及资产证明", "proof of income and assets"),
    ),
)
DEFAULT_RULES: dict[str, UnderwritingRules] = {
    "participating_whole_life": _LIFE,
    "participating_endowment": _LIFE,
    # pure protection is bought in larger amounts, so younger lives get a higher non-medical limit
    "term_life": replace(
        _LIFE, non_medical_limits=_limits((0, 40, "3000000"), (41, 50, "1500000"), (51, 120, "500000"))
    ),
    "critical_illness": UnderwritingRules(
        questions=_questionnaire(1),
        bmi_bands=_bands("0 17 refer", "17 28 accept", "28 32 load 0.25", "32 35 load 0.50", "35 Infinity decline"),
        non_medical_limits=_limits((0, 40, "800000"), (41, 50, "500000"), (51, 120, "300000")),
        occupation_loadings={5: Decimal("0.25")},
        declined_occupations=frozenset({6}),
        smoker_handling="priced",  # the rate table carries a smoker factor
        evidence_requirements=(EvidenceRequirement(45, Decimal("500000"), *_EXAM),),
    ),
    "medical": UnderwritingRules(
        questions=_questionnaire(2),
        bmi_bands=_bands("0 17 refer", "17 30 accept", "30 35 refer", "35 Infinity decline"),
        non_medical_limits=(),  # indemnity cover: a second policy does not pay twice
        occupation_loadings={4: Decimal("0.20")},
        declined_occupations=frozenset({5, 6}),
        smoker_handling="load",  # the age-band premium does not distinguish smokers
        smoker_loading=Decimal("0.10"),
    ),
    "personal_accident": UnderwritingRules(
        questions=(_ask("risky_sports", "exclude"), _ask("disability", "refer"), _ask("epilepsy", "refer")),
        bmi_bands=(),
        # a person looks at large cover on one life; for minors the limits are the regulator's caps on death cover
        non_medical_limits=_limits((0, 9, "200000"), (10, 17, "500000"), (18, 120, "3000000")),
        occupation_loadings={},  # the premium rate per occupation class already prices the risk
        declined_occupations=frozenset({6}),
        smoker_handling="priced",  # smoking does not change accident risk
    ),
    "travel": UnderwritingRules(
        questions=(_ask("medical_trip", "decline"), _ask("late_pregnancy", "decline"), _ask("risky_sports", "exclude")),
        bmi_bands=(),
        non_medical_limits=(),
        occupation_loadings={},
        declined_occupations=frozenset(),
        smoker_handling="priced",  # smoking does not change a trip's risk
    ),
}
