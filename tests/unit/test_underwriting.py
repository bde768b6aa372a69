"""Automated underwriting: every rule that fires is recorded with its figures; the most severe outcome decides."""

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from products.catalog import PRODUCT_TYPES, load_catalog
from products.underwriting import (
    OUTCOMES,
    RULES,
    Answer,
    Applicant,
    Authority,
    BmiBand,
    Question,
    QuestionnaireMismatch,
    accumulated_sum_insured,
    age_sum_insured_evidence,
    anti_selection_frequency,
    bmi_band,
    decide,
    health_answers,
    loaded_fen,
    occupation_class,
    rules_for,
    severity,
    smoker,
    within_authority,
)

D = Decimal
CJK = re.compile(r"[\u4e00-\u9fff]")
PRODUCTS = load_catalog().products(date(2026, 3, 1))
# the rules of one shipped product per type, as its file declares them (every product of a type declares the same)
RULES_BY_TYPE = {}
for _product in PRODUCTS:
    RULES_BY_TYPE.setdefault(_product.type, rules_for(_product))


def applicant(product_type: str = "term_life", yes: tuple[str, ...] = (), **changes) -> Applicant:
    """A healthy 35-year-old office worker (BMI 22.9) answering the product's questionnaire, with changes."""
    answers = tuple(Answer(q.code, q.code in yes) for q in RULES_BY_TYPE[product_type].questions)
    facts = Applicant(
        age=35,
        sex="male",
        height_cm=175,
        weight_kg=D("70"),
        occupation_class=2,
        smoker=False,
        answers=answers,
        sum_insured=D("500000"),
        accumulated_sum_insured=D("0"),
        applications_last_30_days=1,
    )
    return replace(facts, **changes)


def codes(decision) -> list[str]:
    return [f.code for f in decision.fired]


@pytest.mark.parametrize("product_type", sorted(RULES_BY_TYPE))
def test_a_healthy_applicant_is_accepted_on_standard_terms(product_type):
    # given a healthy office worker, when underwritten for any product type, then accepted with nothing fired
    decision = decide(applicant(product_type), RULES_BY_TYPE[product_type])
    assert decision.outcome == "accept"
    assert decision.fired == ()
    assert decision.total_loading == 0 and decision.exclusions == ()
    assert not decision.needs_customer_acceptance
    assert decision.plain_reason("en") == "Your application is accepted on standard terms."
    assert decision.plain_reason("zh_CN") == "您的投保申请已按标准条件通过核保。"


@pytest.mark.parametrize(
    ("rule", "product_type", "changes", "outcome", "mentions"),
    [
        (health_answers, "term_life", {"yes": ("hypertension",)}, "load", ["high blood pressure", "25%"]),
        (health_answers, "medical", {"yes": ("cancer",)}, "decline", ["cancer"]),
        (bmi_band, "term_life", {"weight_kg": D("90")}, "load", ["BMI of 29.4", "90 kg", "28 to under 32", "25%"]),
        (occupation_class, "term_life", {"occupation_class": 4}, "load", ["Occupation class 4", "25%"]),
        (occupation_class, "term_life", {"occupation_class": 6}, "decline", ["Occupation class 6"]),
        (
            accumulated_sum_insured,
            "term_life",
            {"accumulated_sum_insured": D("2600000")},
            "refer",
            ["3,100,000.00 CNY", "2,600,000.00 CNY", "500,000.00 CNY", "3,000,000.00 CNY", "age 35"],
        ),
        (anti_selection_frequency, "term_life", {"applications_last_30_days": 4}, "refer", ["4 applications", "3"]),
        (smoker, "medical", {"smoker": True}, "load", ["smokes", "10%"]),
        (
            age_sum_insured_evidence,
            "term_life",
            {"age": 50, "sum_insured": D("1000000")},
            "refer",
            ["age 50", "1,000,000.00 CNY", "medical examination"],
        ),
    ],
)
def test_each_rule_fires_alone_with_a_reason_naming_the_figures(rule, product_type, changes, outcome, mentions):
    # given a healthy applicant with one fact changed, when decided, then only that rule fires and says why
    rules = RULES_BY_TYPE[product_type]
    facts = applicant(product_type, **changes)
    alone = rule(facts, rules)
    fired = alone[0] if isinstance(alone, tuple) else alone
    assert fired is not None and fired.outcome == outcome
    for text in mentions:
        assert text in fired.reason_en
    assert CJK.search(fired.reason_zh)
    decision = decide(facts, rules)
    assert decision.outcome == outcome
    assert decision.fired == (fired,)


def test_the_rules_run_in_a_stable_order_and_stay_silent_for_a_healthy_applicant():
    for rule in RULES:
        assert rule(applicant(), RULES_BY_TYPE["term_life"]) in (None, ())


@pytest.mark.parametrize(
    ("weight", "bmi", "outcome", "loading"),
    [
        ("67.7", "16.9", "refer", "0"),  # 16.925 rounds down
        ("67.8", "17.0", "accept", "0"),  # 16.95 rounds half-up onto the boundary, which is inclusive
        ("111.6", "27.9", "accept", "0"),
        ("111.8", "28.0", "load", "0.25"),  # 27.95 rounds up: the 28 boundary belongs to the loaded band
        ("127.6", "31.9", "load", "0.25"),
        ("128", "32.0", "load", "0.50"),
        ("143.6", "35.9", "load", "0.50"),
        ("144", "36.0", "decline", "0"),
    ],
)
def test_bmi_bands_are_low_inclusive_and_high_exclusive_at_the_exact_boundaries(weight, bmi, outcome, loading):
    # given a 2 m tall applicant (BMI = weight / 4), when decided for term life, then the rounded BMI's band applies
    facts = applicant(height_cm=200, weight_kg=D(weight))
    assert facts.bmi == D(bmi)
    decision = decide(facts, RULES_BY_TYPE["term_life"])
    assert decision.outcome == outcome
    assert decision.total_loading == D(loading)
    if outcome != "accept":
        assert f"BMI of {bmi}" in decision.fired[0].reason_en


@pytest.mark.parametrize(("weight", "band"), [("60", "is under 17"), ("150", "is 36 or above")])
def test_the_open_ended_bmi_bands_are_described_as_such(weight, band):
    fired = bmi_band(applicant(height_cm=200, weight_kg=D(weight)), RULES_BY_TYPE["term_life"])
    assert fired is not None and band in fired.reason_en


def test_loadings_from_several_rules_add_up_and_the_customer_must_accept_them():
    # given high blood pressure (25 %), BMI 29.4 (25 %) and occupation class 4 (25 %)
    facts = applicant(yes=("hypertension",), weight_kg=D("90"), occupation_class=4)
    decision = decide(facts, RULES_BY_TYPE["term_life"])
    # then one loaded offer of 75 %, listing every reason, that the customer must accept before paying
    assert decision.outcome == "load"
    assert codes(decision) == ["health_answers:hypertension", "bmi_band", "occupation_class"]
    assert decision.total_loading == D("0.75")
    assert decision.needs_customer_acceptance
    reason = decision.plain_reason("en")
    assert "extra premium of 75%" in reason
    assert "your health declaration, your height and weight and your occupation" in reason
    assert "加费75%" in decision.plain_reason("zh_CN")


def test_a_loading_and_an_exclusion_combine_into_one_counter_offer():
    # given critical illness cover with high blood pressure (load) and a hepatitis B history (exclude)
    decision = decide(applicant("critical_illness", yes=("hypertension", "liver")), RULES_BY_TYPE["critical_illness"])
    # then the outcome is the more severe exclude, still carrying the loading
    assert decision.outcome == "exclude"
    assert decision.total_loading == D("0.25")
    assert decision.exclusions == (
        ("肝脏疾病（包括肝炎、肝硬化及肝癌）", "liver disease (including hepatitis, cirrhosis and liver cancer)"),
    )
    assert decision.needs_customer_acceptance
    assert "with an extra premium of 25% and excluding liver disease" in decision.plain_reason("en")
    assert "加费25%，除外责任为肝脏疾病" in decision.plain_reason("zh_CN")


def test_the_most_severe_outcome_wins_but_every_reason_is_kept():
    rules = RULES_BY_TYPE["term_life"]
    # given HIV (decline), a cancer history (refer) and high blood pressure (load)
    worst = decide(applicant(yes=("cancer", "hypertension", "hiv")), rules)
    # then decline wins, no terms are offered, and all three reasons stay on the record
    assert worst.outcome == "decline"
    assert codes(worst) == ["health_answers:cancer", "health_answers:hypertension", "health_answers:hiv"]
    assert worst.total_loading == 0 and not worst.needs_customer_acceptance
    assert (
        worst.plain_reason("en") == "We are sorry that we cannot offer this cover because of your health declaration."
    )
    # when HIV is not declared, refer beats load
    referred = decide(applicant(yes=("cancer", "hypertension")), rules)
    assert referred.outcome == "refer" and referred.total_loading == 0
    assert "underwriter" in referred.plain_reason("en")


def test_pregnancy_postpones_critical_illness_cover():
    decision = decide(
        applicant("critical_illness", yes=("pregnancy",), sex="female"), RULES_BY_TYPE["critical_illness"]
    )
    assert decision.outcome == "postpone"
    assert "apply again later" in decision.plain_reason("en")
    assert "暂时无法承保" in decision.plain_reason("zh")


def test_cover_held_on_other_policies_pushes_the_total_over_the_non_medical_limit():
    rules = RULES_BY_TYPE["participating_whole_life"]
    # given a 45-year-old (limit 1,000,000) applying for 500,000 with 500,000 already held: exactly at the limit
    at_limit = decide(applicant("participating_whole_life", age=45, accumulated_sum_insured=D("500000")), rules)
    assert at_limit.outcome == "accept"
    # when a pending application elsewhere adds one fen more, then the total needs a medical exam
    over = decide(applicant("participating_whole_life", age=45, accumulated_sum_insured=D("500000.01")), rules)
    assert over.outcome == "refer"
    assert codes(over) == ["accumulated_sum_insured"]
    assert "1,000,000.01 CNY" in over.fired[0].reason_en
    assert "non-medical limit of 1,000,000.00 CNY for age 45" in over.fired[0].reason_en
    assert "免体检额度1,000,000.00元" in over.fired[0].reason_zh


def test_many_applications_in_30_days_are_referred_without_telling_the_customer_why():
    rules = RULES_BY_TYPE["critical_illness"]
    assert decide(applicant("critical_illness", applications_last_30_days=3), rules).outcome == "accept"
    decision = decide(applicant("critical_illness", applications_last_30_days=4), rules)
    assert decision.outcome == "refer"
    assert codes(decision) == ["anti_selection_frequency"]
    assert "30" not in decision.plain_reason("en") and "30" not in decision.plain_reason("zh_CN")


def test_an_incomplete_or_foreign_questionnaire_is_an_error_not_an_acceptance():
    rules = RULES_BY_TYPE["medical"]
    facts = applicant("medical")
    with pytest.raises(QuestionnaireMismatch) as missing:
        decide(replace(facts, answers=facts.answers[1:]), rules)
    assert missing.value.missing == ("cancer",)
    with pytest.raises(QuestionnaireMismatch) as foreign:
        decide(replace(facts, answers=(*facts.answers, Answer("pregnancy", True))), rules)
    assert foreign.value.unexpected == ("pregnancy",)


def test_money_and_loadings_refuse_floats():
    with pytest.raises(TypeError):
        applicant(sum_insured=500000.0)
    with pytest.raises(TypeError):
        Question("q", "问", "q?", "load", loading=0.25)
    with pytest.raises(TypeError):
        BmiBand(D(0), 17.0, "refer")
    with pytest.raises(TypeError):
        within_authority(1000000.0, Authority(D("1000000")))


@pytest.mark.parametrize(("amount", "within"), [("999999.99", True), ("1000000", True), ("1000000.01", False)])
def test_an_underwriter_decides_up_to_their_authority_limit_inclusive(amount, within):
    assert within_authority(D(amount), Authority(max_sum_insured=D("1000000"))) is within


def test_every_product_file_declares_its_rules_in_both_languages():
    assert set(RULES_BY_TYPE) == PRODUCT_TYPES
    for product in PRODUCTS:
        rules, product_type = rules_for(product), product.code
        zh_texts = [q.text_zh for q in rules.questions] + [r.evidence_zh for r in rules.evidence_requirements]
        en_texts = [q.text_en for q in rules.questions] + [r.evidence_en for r in rules.evidence_requirements]
        exclusions = [(q.exclusion_zh, q.exclusion_en) for q in rules.questions if q.on_yes == "exclude"]
        zh_texts += [zh for zh, _ in exclusions]
        en_texts += [en for _, en in exclusions]
        assert all(CJK.search(text) for text in zh_texts), product_type
        assert all(text and not CJK.search(text) for text in en_texts), product_type
        assert len({q.code for q in rules.questions}) == len(rules.questions)
        if product.type in ("participating_whole_life", "participating_endowment", "term_life", "medical"):
            assert 5 <= len(rules.questions) <= 8, product_type


@st.composite
def applications(draw):
    product_type = draw(st.sampled_from(sorted(RULES_BY_TYPE)))
    questions = RULES_BY_TYPE[product_type].questions
    yes = tuple(q.code for q in questions if draw(st.booleans()))
    facts = applicant(
        product_type,
        yes=yes,
        age=draw(st.integers(0, 80)),
        height_cm=draw(st.integers(140, 200)),
        weight_kg=D(draw(st.integers(300, 1600))) / 10,
        occupation_class=draw(st.integers(1, 6)),
        smoker=draw(st.booleans()),
        sum_insured=D(draw(st.integers(10_000, 6_000_000))),
        accumulated_sum_insured=D(draw(st.integers(0, 5_000_000))),
        applications_last_30_days=draw(st.integers(1, 6)),
    )
    return facts, RULES_BY_TYPE[product_type]


@given(applications())
def test_the_outcome_is_never_milder_than_any_rule_that_fired(case):
    facts, rules = case
    decision = decide(facts, rules)
    assert decision.outcome in OUTCOMES
    assert all(severity(decision.outcome) >= severity(f.outcome) for f in decision.fired)
    assert (decision.outcome == "accept") == (decision.fired == ())
    assert decision.needs_customer_acceptance == (decision.outcome in ("load", "exclude"))
    assert decision.plain_reason("en") and decision.plain_reason("zh_CN")


def test_a_loading_is_applied_to_the_fen_and_rounded_half_up() -> None:
    # given a 2,598.00 premium and a 25 % loading, then 3,247.50; half a fen rounds up, never to even
    assert loaded_fen(259_800, Decimal("0.25")) == 324_750
    assert loaded_fen(333, Decimal("0.5")) == 500  # 499.5 fen
    assert loaded_fen(1, Decimal("0.5")) == 2  # 1.5 fen
    assert loaded_fen(12_345, Decimal(0)) == 12_345
