"""Reads a product file's `[underwriting]` section: the health declaration (健康告知) and the rules the automated
underwriting applies (products/underwriting.py), checked field by field so that a product owner who edits them
gets the file and the dotted field of any mistake, at start-up and in `insure products check`.

An outcome with a loading is written as one string, "load 0.25" (25 % extra premium), in questions, BMI bands
and `smoker`, so that an outcome and its loading cannot disagree. Format: docs/catalog.md, "Underwriting".
"""

from __future__ import annotations

from decimal import Decimal

from products.catalog_reader import CODE_RE, Table, parse_amount, parse_decimal
from products.underwriting import (
    BmiBand,
    EvidenceRequirement,
    NonMedicalLimit,
    Question,
    UnderwritingRules,
)

QUESTION_OUTCOMES = ("refer", "decline", "postpone", "exclude")  # and "load <loading>"
BAND_OUTCOMES = ("accept", "refer", "postpone", "decline")  # and "load <loading>"; a BMI band excludes nothing
MAX_LOADING = Decimal(5)  # 500 % extra premium: "load 25" (meant as 25 %) is a typo, not a rating
OCCUPATION_CLASSES = range(1, 7)
OLDEST = 120  # non-medical limits cover every age from 0 to this
_TOP = Decimal("Infinity")


def read_underwriting(uw: Table) -> UnderwritingRules:
    """`[underwriting]`: every field is required (an empty list says "not underwritten") except
    `max_applications_30_days` (3), so that leaving a rule out is never an accident."""
    smoker, smoker_loading = _outcome(uw, "smoker", ("priced",))
    declined, loadings = _occupations(uw)
    rules = UnderwritingRules(
        questions=_questions(uw),
        bmi_bands=_bmi_bands(uw),
        non_medical_limits=_non_medical_limits(uw),
        occupation_loadings=loadings,
        declined_occupations=declined,
        smoker_handling="priced" if smoker == "priced" else "load",
        smoker_loading=smoker_loading,
        max_applications_30_days=uw.integer("max_applications_30_days", 1, 100, default=3),
        evidence_requirements=_evidence(uw),
    )
    uw.done()
    return rules


def _outcome(table: Table, key: str, allowed: tuple[str, ...]) -> tuple[str, Decimal]:
    """One of `allowed`, or "load <loading>" with a positive decimal loading of at most MAX_LOADING."""
    value = table.get(key)
    word, _, loading = value.partition(" ") if isinstance(value, str) else ("", "", "")
    if word == "load":
        amount = parse_decimal(loading)
        if amount is None or not 0 < amount <= MAX_LOADING:
            table.fail(key, f'must be "load" and a positive decimal up to {MAX_LOADING}, e.g. "load 0.25" for 25 %')
        return "load", amount
    if word not in allowed or loading:
        choices = ", ".join(f'"{choice}"' for choice in allowed)
        table.fail(key, f'must be one of {choices} or "load" with a loading, e.g. "load 0.25", not {value!r}')
    return word, Decimal(0)


def _questions(uw: Table) -> tuple[Question, ...]:
    questions: list[Question] = []
    first: dict[str, int] = {}
    for i, item in enumerate(uw.tables("questions")):
        code = item.text("code", CODE_RE)
        if code in first:
            item.fail("code", f"repeats the code of underwriting.questions[{first[code]}]: {code!r}")
        first[code] = i
        text_zh, text_en = item.text("text_zh"), item.text("text_en")
        outcome, loading = _outcome(item, "on_yes", QUESTION_OUTCOMES)
        wording = ("", "")
        if outcome == "exclude":
            for key in ("exclusion_zh", "exclusion_en"):
                if not item.has(key):
                    item.fail(key, 'is missing: on_yes = "exclude" prints this wording on the policy schedule')
            wording = (item.text("exclusion_zh"), item.text("exclusion_en"))
        else:
            for key in ("exclusion_zh", "exclusion_en"):
                if item.has(key):
                    item.fail(key, 'is only for on_yes = "exclude": it is the exclusion printed on the policy')
        item.done()
        questions.append(Question(code, text_zh, text_en, outcome, loading, *wording))
    return tuple(questions)


def _bmi_bands(uw: Table) -> tuple[BmiBand, ...]:
    """Bands from BMI 0 upwards, each starting where the one before ends; only the last has no `to`."""
    bands: list[BmiBand] = []
    items = _list(uw, "bmi_bands")
    for i, item in enumerate(items):
        low = _bmi(item, "from")
        expected = bands[-1].high if bands else Decimal(0)
        if low != expected:
            item.fail("from", f"must be {expected}: " + ("where the band before it ends" if bands else "BMI from 0"))
        last = i == len(items) - 1
        if last and item.has("to"):
            item.fail("to", 'must be left out: the last band has no upper bound ("36 and above")')
        high = _TOP if last else _bmi(item, "to")
        if high <= low:
            item.fail("to", f"must be more than from ({low})")
        outcome, loading = _outcome(item, "outcome", BAND_OUTCOMES)
        item.done()
        bands.append(BmiBand(low, high, outcome, loading))
    return tuple(bands)


def _bmi(item: Table, key: str) -> Decimal:
    value = parse_decimal(item.get(key))
    if value is None or value > 100:
        item.fail(key, 'must be a BMI from 0 to 100 written as a string, e.g. "28" or "27.5"')
    return value


def _non_medical_limits(uw: Table) -> tuple[NonMedicalLimit, ...]:
    """Age bands from 0 to OLDEST, each starting the year after the one before ends."""
    limits: list[NonMedicalLimit] = []
    items = _list(uw, "non_medical_limits")
    for item in items:
        age_from = item.integer("age_from", 0, OLDEST)
        expected = limits[-1].age_to + 1 if limits else 0
        if age_from != expected:
            item.fail("age_from", f"must be {expected}: the bands cover every age from 0 to {OLDEST} in order")
        age_to = item.integer("age_to", age_from, OLDEST)
        limit = item.amount("sum_insured")
        item.done()
        limits.append(NonMedicalLimit(age_from, age_to, limit))
    if limits and limits[-1].age_to != OLDEST:
        items[-1].fail("age_to", f"must be {OLDEST}: the bands cover every age from 0 to {OLDEST}")
    return tuple(limits)


def _occupations(uw: Table) -> tuple[frozenset[int], dict[int, Decimal]]:
    """`declined_occupation_classes` (a list) and `occupation_loadings` ({class = "loading"}): never both."""
    declined = uw.get("declined_occupation_classes")
    span = f"{OCCUPATION_CLASSES[0]} to {OCCUPATION_CLASSES[-1]}"
    if not isinstance(declined, list) or not all(type(c) is int and c in OCCUPATION_CLASSES for c in declined):
        uw.fail("declined_occupation_classes", f"must be a list of occupation classes from {span}, e.g. [6]")
    table = uw.table("occupation_loadings")
    loadings: dict[int, Decimal] = {}
    for key in table.data:
        if not key.isdigit() or int(key) not in OCCUPATION_CLASSES:
            table.fail(key, f"must be an occupation class from {span}")
        if int(key) in declined:
            table.fail(key, "is a declined occupation class: a class is loaded or declined, not both")
        loadings[int(key)] = table.rate(key, MAX_LOADING)
    return frozenset(declined), dict(sorted(loadings.items()))


def _evidence(uw: Table) -> tuple[EvidenceRequirement, ...]:
    requirements = []
    for item in _list(uw, "evidence_requirements"):
        sum_insured = parse_amount(item.get("sum_insured_from"), positive=False)
        if sum_insured is None:
            item.fail("sum_insured_from", 'must be an amount of zero or more, e.g. "1000000"')
        requirement = EvidenceRequirement(
            item.integer("age_from", 0, OLDEST), sum_insured, item.text("evidence_zh"), item.text("evidence_en")
        )
        item.done()
        requirements.append(requirement)
    return tuple(requirements)


def _list(uw: Table, key: str) -> list[Table]:
    """A required list of tables that may be empty (`[]`: this rule does not apply to the product)."""
    if not uw.has(key):
        uw.fail(key, "is missing (write [] if the product does not use it)")
    if not isinstance(uw.get(key), list):
        uw.fail(key, "must be a list of tables, e.g. [{ ... }, { ... }], or []")
    return uw.tables(key, required=False)
