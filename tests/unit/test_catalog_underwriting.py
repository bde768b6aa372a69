"""The health questionnaire and underwriting rules are declared in each product file (`[underwriting]`,
docs/catalog.md): editing the file changes the questions and the decision, and a mistake is named at load time."""

import shutil
import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from products.catalog import CATALOG_DIR, CatalogError, load_catalog
from products.underwriting import Answer, Applicant, QuestionnaireMismatch, decide, rules_for

D = Decimal
ON = date(2026, 3, 1)
LIFE_QUESTIONS = ("cancer", "hypertension", "hospitalised", "hiv", "diabetes", "heart", "liver")


def edited(root: Path, code: str, *changes: tuple[str, str]) -> Path:
    """A catalog of one shipped product whose file has each (old, new) text replaced once."""
    shutil.copytree(CATALOG_DIR / code, root / code)
    path = root / code / "2026-01-01.toml"
    text = path.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, f"{old!r} is not in {code}"
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return root


def load_one(root: Path, code: str):
    return load_catalog(root).get(code, ON)


def applicant(rules, yes: tuple[str, ...] = (), **changes) -> Applicant:
    """A healthy 35-year-old office worker (BMI 22.9) answering every question of `rules`."""
    facts = {
        "age": 35,
        "sex": "male",
        "height_cm": 175,
        "weight_kg": D("70"),
        "occupation_class": 2,
        "smoker": False,
        "answers": tuple(Answer(q.code, q.code in yes) for q in rules.questions),
        "sum_insured": D("500000"),
        "accumulated_sum_insured": D("0"),
        "applications_last_30_days": 1,
    }
    return Applicant(**(facts | changes))


# --- the shipped files ------------------------------------------------------------------------------------


def test_every_product_of_a_type_declares_the_same_questionnaire_as_before():
    # given the shipped catalog, then each file carries its type's questions with their outcomes on "yes"
    products = load_catalog().products(ON)
    assert len(products) == 16
    by_type: dict[str, set] = {}
    for product in products:
        rules = rules_for(product)
        assert rules is product.underwriting
        by_type.setdefault(product.type, set()).add(rules.questions)
    assert all(len(questionnaires) == 1 for questionnaires in by_type.values()), by_type
    term = {q.code: (q.on_yes, q.loading) for q in load_catalog().get("term_huaxia", ON).underwriting.questions}
    assert tuple(term) == LIFE_QUESTIONS
    assert term["hypertension"] == ("load", D("0.25")) and term["hiv"] == ("decline", D(0))
    medical = load_catalog().get("medical_pingyuan", ON).underwriting
    assert medical.smoker_handling == "load" and medical.smoker_loading == D("0.10")
    assert medical.non_medical_limits == () and medical.declined_occupations == frozenset({5, 6})
    travel = load_catalog().get("travel_huaxia", ON).underwriting
    assert [q.code for q in travel.questions] == ["medical_trip", "late_pregnancy", "risky_sports"]
    assert travel.bmi_bands == () and travel.occupation_loadings == {}


# --- a product owner edits the file -----------------------------------------------------------------------


def test_a_question_added_to_the_file_is_asked_and_drives_the_decision(tmp_path):
    # given term_huaxia's file with a new question that excludes, and high blood pressure now declined
    root = edited(
        tmp_path,
        "term_huaxia",
        ('on_yes = "load 0.25"', 'on_yes = "decline"'),
        (
            '[[underwriting.questions]]\ncode = "cancer"',
            '[[underwriting.questions]]\ncode = "back_pain"\ntext_zh = "您是否患有腰椎间盘突出？"\n'
            'text_en = "Do you have a slipped disc?"\non_yes = "exclude"\nexclusion_zh = "腰椎疾病"\n'
            'exclusion_en = "spinal disease"\n\n[[underwriting.questions]]\ncode = "cancer"',
        ),
    )
    # when the catalog loads
    product = load_one(root, "term_huaxia")
    rules = rules_for(product)
    # then the new question is asked first, and each answer leads where the file says
    assert [q.code for q in rules.questions] == ["back_pain", *LIFE_QUESTIONS]
    excluded = decide(applicant(rules, yes=("back_pain",)), rules)
    assert (excluded.outcome, excluded.exclusions) == ("exclude", (("腰椎疾病", "spinal disease"),))
    assert "excluding spinal disease" in excluded.plain_reason("en")
    assert decide(applicant(rules, yes=("hypertension",)), rules).outcome == "decline"
    # and answers to the shipped questionnaire no longer fit: the new question must be answered
    shipped = load_catalog().get("term_huaxia", ON).underwriting
    with pytest.raises(QuestionnaireMismatch) as mismatch:
        decide(applicant(shipped), rules)
    assert mismatch.value.missing == ("back_pain",)


def test_bands_limits_occupations_and_smokers_come_from_the_file(tmp_path):
    root = edited(
        tmp_path,
        "term_changan",
        ('{ from = "17", to = "28", outcome = "accept" }', '{ from = "17", to = "25", outcome = "accept" }'),
        ('{ from = "28", to = "32"', '{ from = "25", to = "32"'),
        (
            '{ age_from = 0, age_to = 40, sum_insured = "3000000" }',
            '{ age_from = 0, age_to = 40, sum_insured = "600000" }',
        ),
        ('occupation_loadings = { 4 = "0.25", 5 = "0.50" }', 'occupation_loadings = { 3 = "0.10" }'),
        ("declined_occupation_classes = [6]", "declined_occupation_classes = [4, 5, 6]"),
        ('smoker = "priced"', 'smoker = "load 0.15"'),
        ("[underwriting]\n", "[underwriting]\nmax_applications_30_days = 1\n"),
    )
    rules = rules_for(load_one(root, "term_changan"))
    shipped = load_catalog().get("term_changan", ON).underwriting
    cases = [  # (facts, outcome under the shipped file, outcome under the edited file)
        ({"weight_kg": D("80")}, "accept", "load"),  # BMI 26.1
        ({"sum_insured": D("700000")}, "accept", "refer"),  # above the lowered non-medical limit
        ({"occupation_class": 3}, "accept", "load"),
        ({"occupation_class": 4}, "load", "decline"),
        ({"smoker": True}, "accept", "load"),
        ({"applications_last_30_days": 2}, "accept", "refer"),
    ]
    for changes, before, after in cases:
        assert decide(applicant(shipped, **changes), shipped).outcome == before, changes
        assert decide(applicant(rules, **changes), rules).outcome == after, changes
    assert decide(applicant(rules, smoker=True), rules).total_loading == D("0.15")


# --- mistakes are named with the file and the field -------------------------------------------------------

MISTAKES = [
    # (product, old, new, field, message)
    ("term_huaxia", 'on_yes = "refer"', 'on_yes = "reject"', "underwriting.questions[0].on_yes", "must be one of"),
    ("term_huaxia", 'on_yes = "refer"', 'on_yes = "accept"', "underwriting.questions[0].on_yes", "not 'accept'"),
    ("term_huaxia", 'on_yes = "refer"', "on_yes = 1", "underwriting.questions[0].on_yes", "must be one of"),
    ("term_huaxia", 'on_yes = "load 0.25"', 'on_yes = "load"', "underwriting.questions[1].on_yes", "positive"),
    ("term_huaxia", 'on_yes = "load 0.25"', 'on_yes = "load 0"', "underwriting.questions[1].on_yes", "positive"),
    ("term_huaxia", 'on_yes = "load 0.25"', 'on_yes = "load -0.25"', "underwriting.questions[1].on_yes", "positive"),
    ("term_huaxia", 'on_yes = "load 0.25"', 'on_yes = "load 25%"', "underwriting.questions[1].on_yes", "positive"),
    ("term_huaxia", 'on_yes = "load 0.25"', 'on_yes = "load 25"', "underwriting.questions[1].on_yes", "up to 5"),
    ("term_huaxia", 'code = "hospitalised"', 'code = "cancer"', "underwriting.questions[2].code", "questions[0]"),
    ("term_huaxia", 'code = "hospitalised"', 'code = "Hospital stay"', "underwriting.questions[2].code", "match"),
    (
        "term_huaxia",
        'text_en = "Have you ever been told that you have HIV or AIDS?"\n',
        "",
        "underwriting.questions[3].text_en",
        "is missing",
    ),
    (
        "term_huaxia",
        'text_zh = "您是否患有糖尿病？"',
        'text_zh = " "',
        "underwriting.questions[4].text_zh",
        "non-empty",
    ),
    ("term_huaxia", 'on_yes = "refer"', 'on_yes = "exclude"', "underwriting.questions[0].exclusion_zh", "is missing"),
    (
        "medical_changan",
        'exclusion_en = "diabetes and its complications"\n',
        "",
        "underwriting.questions[4].exclusion_en",
        "is missing",
    ),
    (
        "term_huaxia",
        'on_yes = "decline"',
        'on_yes = "decline"\nexclusion_zh = "艾滋病"',
        "underwriting.questions[3].exclusion_zh",
        'only for on_yes = "exclude"',
    ),
    ("term_huaxia", 'on_yes = "decline"', 'on_yess = "decline"', "underwriting.questions[3].on_yes", "is missing"),
    ("pa_basic", 'code = "epilepsy"', 'code = "epilepsy"\nhint = "x"', "underwriting.questions[2].hint", "not a known"),
    ("term_huaxia", 'smoker = "priced"', 'smoker = "extra"', "underwriting.smoker", '"priced"'),
    ("travel_huaxia", "bmi_bands = []", "", "underwriting.bmi_bands", "write []"),
    ("term_huaxia", '{ from = "28", to = "32"', '{ from = "29", to = "32"', "underwriting.bmi_bands[2].from", "be 28"),
    ("term_huaxia", '{ from = "0", to = "17"', '{ from = "1", to = "17"', "underwriting.bmi_bands[0].from", "be 0"),
    ("term_huaxia", '{ from = "36",', '{ from = "36", to = "50",', "underwriting.bmi_bands[4].to", "left out"),
    ("term_huaxia", '{ from = "17", to = "28"', '{ from = "17", to = "17"', "underwriting.bmi_bands[1].to", "more"),
    ("term_huaxia", 'outcome = "accept"', 'outcome = "exclude"', "underwriting.bmi_bands[1].outcome", "must be one"),
    ("term_huaxia", 'to = "28"', "to = 28.0", "underwriting.bmi_bands[1].to", "written as a string"),
    ("term_huaxia", "age_from = 41", "age_from = 42", "underwriting.non_medical_limits[1].age_from", "must be 41"),
    ("term_huaxia", "age_to = 120", "age_to = 99", "underwriting.non_medical_limits[2].age_to", "must be 120"),
    (
        "term_huaxia",
        'sum_insured = "3000000"',
        'sum_insured = "0"',
        "underwriting.non_medical_limits[0].sum_insured",
        "positive",
    ),
    ("term_huaxia", '5 = "0.50" }', '5 = "0.50", 6 = "1" }', "underwriting.occupation_loadings.6", "declined"),
    ("term_huaxia", '5 = "0.50" }', '5 = "0.50", 7 = "1" }', "underwriting.occupation_loadings.7", "from 1 to 6"),
    ("term_huaxia", '5 = "0.50" }', '5 = "0" }', "underwriting.occupation_loadings.5", "positive"),
    (
        "term_huaxia",
        "declined_occupation_classes = [6]",
        'declined_occupation_classes = ["6"]',
        "underwriting.declined_occupation_classes",
        "list",
    ),
    (
        "term_huaxia",
        'sum_insured_from = "1000000"',
        'sum_insured_from = "lots"',
        "underwriting.evidence_requirements[0].sum_insured_from",
        "amount",
    ),
    (
        "term_huaxia",
        "[underwriting]\n",
        "[underwriting]\nmax_applications_30_days = 0\n",
        "underwriting.max_applications_30_days",
        "from 1",
    ),
]


@pytest.mark.parametrize(("code", "old", "new", "field", "message"), MISTAKES, ids=[f"{m[3]}:{m[2]}" for m in MISTAKES])
def test_a_broken_underwriting_section_is_refused_naming_file_and_field(tmp_path, code, old, new, field, message):
    # given one product whose underwriting section has one mistake, when the catalog loads, then it names both
    root = edited(tmp_path, code, (old, new))
    with pytest.raises(CatalogError) as err:
        load_catalog(root)
    assert err.value.file.endswith(f"{code}/2026-01-01.toml")
    assert err.value.field == field
    assert message in err.value.message
    assert str(err.value) == f"{err.value.file}: {field}: {err.value.message}"


@pytest.mark.parametrize(
    ("cut_at", "field"), [("# Underwriting", "underwriting"), ("[[underwriting.q", "underwriting.questions")]
)
def test_the_section_and_its_questions_must_be_declared(tmp_path, cut_at, field):
    # given a product file that ends before its underwriting section (or before its questions)
    shutil.copytree(CATALOG_DIR / "travel_pingyuan", tmp_path / "travel_pingyuan")
    path = tmp_path / "travel_pingyuan" / "2026-01-01.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index(cut_at)], encoding="utf-8")
    # then the product is refused: underwriting it would ask nothing
    with pytest.raises(CatalogError, match=rf"travel_pingyuan/2026-01-01\.toml: {field}: is missing"):
        load_catalog(tmp_path)


def test_no_warning_when_a_product_is_passed():
    product = load_catalog().get("pa_basic", ON)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [q.code for q in rules_for(product).questions] == ["risky_sports", "disability", "epilepsy"]
