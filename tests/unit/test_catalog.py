"""The product catalog: the shipped data files, and how a broken file is reported (docs/catalog.md)."""

import re
import shutil
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from products.catalog import (
    CATALOG_DIR,
    Catalog,
    CatalogError,
    Illustration,
    Loadings,
    ProductNotEffective,
    UnknownProduct,
    load_catalog,
)

D = Decimal
ON = date(2026, 3, 1)
TYPES = {
    "participating_whole_life",
    "participating_endowment",
    "term_life",
    "critical_illness",
    "medical",
    "personal_accident",
    "travel",
}
INSURERS = {
    "huaxia_mutual": ("华夏互助人寿保险股份有限公司", "Huaxia Mutual Life Insurance Co., Ltd."),
    "changan_life": ("长安人寿保险股份有限公司", "Chang'an Life Insurance Co., Ltd."),
    "pingyuan_pc": ("平原财产保险股份有限公司", "Pingyuan Property & Casualty Insurance Co., Ltd."),
}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def products(catalog):
    return {p.code: p for p in catalog.products(ON)}


# --- the shipped catalog -------------------------------------------------------------------------------


def test_every_type_is_offered_by_two_insurers_of_three(products):
    # given the shipped catalog, then a customer can compare two insurers for each kind of cover
    assert len(products) == 14
    insurers_by_type = defaultdict(set)
    for product in products.values():
        insurers_by_type[product.type].add(product.insurer_code)
    assert set(insurers_by_type) == TYPES
    assert all(len(insurers) >= 2 for insurers in insurers_by_type.values()), insurers_by_type
    assert {p.insurer_code: (p.insurer_name_zh, p.insurer_name_en) for p in products.values()} == INSURERS


def test_every_insurer_has_a_storefront_and_every_type_can_be_compared_on_the_platform(products):
    direct = {p.insurer_code for p in products.values() if "direct" in p.channels}
    assert direct == set(INSURERS)
    on_platform = defaultdict(set)
    for p in products.values():
        if "platform" in p.channels:
            on_platform[p.type].add(p.insurer_code)
    assert all(len(on_platform[t]) >= 2 for t in TYPES), on_platform
    assert ("platform",) in {p.channels for p in products.values()}  # some products only through the platform
    both = [p for p in products.values() if set(p.channels) == {"platform", "direct"}]
    assert len(both) > len(products) / 2


def test_every_text_is_in_both_languages(products):
    for p in products.values():
        texts = [(p.name_zh, p.name_en), (p.description_zh, p.description_en)]
        texts += [(c.name_zh, c.name_en) for c in p.coverages] + [(e.zh, e.en) for e in p.exclusions]
        for zh, en in texts:
            assert CJK.search(zh), (p.code, zh)
            assert en.strip() and not CJK.search(en), (p.code, en)


def test_amounts_and_rates_are_decimals_never_floats(products):
    for p in products.values():
        amounts = [p.sum_insured_min, p.sum_insured_max, p.sum_insured_step, p.straight_through_limit]
        amounts += [c.deductible for c in p.coverages] + [row.value for row in p.pricing.rate_rows]
        amounts += [factor for _, factor in p.pricing.modal_factors]
        assert all(type(value) is Decimal for value in amounts), p.code


def test_life_products_price_on_the_standard_table_with_their_own_basis(products):
    life = {code: p for code, p in products.items() if p.pricing.method == "life_equivalence"}
    assert set(life) == {
        f"{kind}_{insurer}" for kind in ("wl_par", "endow_par", "term") for insurer in ("huaxia", "changan")
    }
    for code, p in life.items():
        basis = p.pricing
        assert basis.mortality_table == "sult"
        assert p.cash_values and p.cash_values.method == "reserve_less_surrender_charge"
        assert len(p.cash_values.surrender_charges) == 10 and p.cash_values.surrender_charges[-1] > 0
        assert (p.free_look_days, p.grace_period_days) == (15, 60)
        huaxia = code.endswith("huaxia")
        assert basis.interest_rate == (D("0.05") if huaxia else D("0.035"))
        assert basis.female_age_adjustment == (-3 if huaxia else -2)
        assert basis.smoker_mortality_factor == (D("1.5") if huaxia else D("1.6"))
        assert basis.modal_method == ("factors" if huaxia else "udd")
    assert dict(life["wl_par_huaxia"].pricing.modal_factors) == {
        "annual": D(1),
        "semi_annual": D("0.52"),
        "quarterly": D("0.265"),
        "monthly": D("0.09"),
    }
    assert life["wl_par_huaxia"].pricing.loadings == Loadings(D("0.12"), D("0.5"), D("20.00"))
    assert life["wl_par_huaxia"].pricing.loadings != life["wl_par_changan"].pricing.loadings
    assert life["wl_par_changan"].pricing.modal_factors == ()


def test_terms_of_the_life_products(products):
    wl, endow, term = products["wl_par_changan"], products["endow_par_huaxia"], products["term_huaxia"]
    assert (wl.policy_terms, wl.premium_terms, wl.term_years) == (("whole_life",), ("single", "10", "20"), 0)
    assert (endow.policy_terms, endow.premium_terms) == (("10", "20"), ("single", "policy_term"))
    assert term.policy_terms == ("10", "20", "30", "to_age_60", "to_age_70")
    assert (term.premium_terms, term.entry_age_min, term.entry_age_max, term.max_expiry_age) == (
        ("policy_term",),
        18,
        60,
        70,
    )
    assert (wl.entry_age_min, wl.entry_age_max, wl.max_expiry_age, wl.age_basis) == (0, 60, None, "last_birthday")


def test_participating_products_illustrate_dividends_within_the_cap(products):
    participating = {code: p for code, p in products.items() if p.participating}
    assert set(participating) == {"wl_par_huaxia", "wl_par_changan", "endow_par_huaxia", "endow_par_changan"}
    for p in participating.values():
        i = p.pricing.interest_rate
        assert p.illustration == Illustration(i, i + D("0.005"), i + D("0.01"), i + D("0.01"), D("0.70"))
    assert all(p.illustration is None for p in products.values() if not p.participating)


def test_critical_illness_rates_cover_every_entry_age_sex_and_premium_term(products):
    for code in ("ci_huaxia", "ci_changan"):
        p = products[code]
        assert (p.policy_terms, p.premium_terms, p.waiting_period_days) == (("20",), ("10", "20"), 180)
        assert p.pricing.smoker_factor == D("1.3")
        rows = p.pricing.rate_rows
        for age in range(p.entry_age_min, p.entry_age_max + 1):
            for sex in ("male", "female"):
                matches = {
                    t: [r for r in rows if r.sex == sex and r.premium_term == t and r.age_from <= age <= r.age_to]
                    for t in ("10", "20")
                }
                assert all(len(found) == 1 for found in matches.values()), (code, age, sex)
                ten_pay, twenty_pay = matches["10"][0].value, matches["20"][0].value
                assert D("1.5") <= twenty_pay < ten_pay <= D(25)
        male = [r.value for r in rows if r.sex == "male" and r.premium_term == "20"]
        female = [r.value for r in rows if r.sex == "female" and r.premium_term == "20"]
        assert male == sorted(male) and all(f < m for f, m in zip(female, male, strict=True))
        assert all(r.zone is None and r.plan is None for r in rows)


def test_medical_products_are_million_cover_with_a_deductible_and_social_insurance_split(products):
    for code, choice in (("medical_pingyuan", "2000000"), ("medical_changan", "3000000")):
        p = products[code]
        assert p.sum_insured_choices == (D(choice),)
        assert (p.sum_insured_min, p.sum_insured_max, p.sum_insured_step) == (D(choice), D(choice), D(0))
        assert (p.entry_age_min, p.entry_age_max, p.waiting_period_days, p.term_years) == (0, 65, 30, 1)
        assert p.pricing.without_social_insurance_factor > 1
        general = {c.code: c for c in p.coverages}["general_medical"]
        assert (general.deductible, general.coinsurance_percent) == (D(10000), D(100))
        assert general.coinsurance_percent_without_social_insurance == D(60)
        premium = {age: r.value for r in p.pricing.rate_rows for age in range(r.age_from, r.age_to + 1)}
        assert D(120) <= premium[20] <= D(180) and D(2000) <= premium[65] <= D(3000)


def test_personal_accident_classes_are_rated_or_declined(products):
    pa, pingyuan = products["pa_basic"], products["pa_pingyuan"]
    assert pa.pricing.declined_occupation_classes == (5, 6)
    assert [pa.pricing.rate_per_mille(c) for c in range(1, 7)] == [D("1.0"), D("1.3"), D("1.8"), D("2.6"), None, None]
    assert pingyuan.pricing.declined_occupation_classes == (6,)
    assert pingyuan.pricing.rate_per_mille(5) > D("1.5") * pingyuan.pricing.rate_per_mille(4)


def test_travel_rates_cover_every_plan_zone_and_trip_length(products):
    for code in ("travel_huaxia", "travel_pingyuan"):
        p = products[code]
        plans = {f"{choice:.0f}" for choice in p.sum_insured_choices}
        assert len(plans) == 2
        rows = p.pricing.rate_rows
        for plan in plans:
            for zone in ("asia", "europe", "worldwide"):
                bands = sorted((r.days_from, r.days_to) for r in rows if r.plan == plan and r.zone == zone)
                assert bands == [(1, 7), (8, 15), (16, 30), (31, 90), (91, 180)]
        assert {c.code for c in p.coverages} >= {"overseas_medical", "trip_cancellation", "flight_delay"}


def test_the_personal_accident_product_keeps_its_terms(products):
    pa = products["pa_basic"]
    assert (pa.version, pa.insurer_code, pa.name_zh, pa.type) == (
        "2026-01-01",
        "huaxia_mutual",
        "安心意外伤害保险",
        "personal_accident",
    )
    assert (pa.term_years, pa.entry_age_min, pa.entry_age_max, pa.policy_terms) == (1, 18, 65, ("1",))
    assert (pa.sum_insured_min, pa.sum_insured_max, pa.sum_insured_step) == (D(50000), D(1000000), D(10000))
    assert (pa.straight_through_limit, pa.waiting_period_days, pa.free_look_days) == (D("5000.00"), 0, 0)


def test_catalog_answers_by_date(catalog):
    assert catalog.products(date(2025, 12, 31)) == []
    with pytest.raises(ProductNotEffective) as err:
        catalog.get("wl_par_huaxia", date(2025, 12, 31))
    assert err.value.code == "product_not_effective"
    with pytest.raises(UnknownProduct) as err:
        catalog.get("no_such_product", ON)
    assert err.value.code == "unknown_product"
    with pytest.raises(UnknownProduct):
        Catalog([]).get("pa_basic", ON)


def test_a_new_version_with_new_rates_takes_over_on_its_effective_date(tmp_path):
    # given a second critical illness version from 2026-07-01 with its own rate file
    root = copy_products(tmp_path, "ci_huaxia")
    folder = root / "ci_huaxia"
    toml = (folder / "2026-01-01.toml").read_text(encoding="utf-8").replace('"2026-01-01"', '"2026-07-01"')
    (folder / "2026-07-01.toml").write_text(toml, encoding="utf-8")
    rates = (folder / "2026-01-01.csv").read_text(encoding="utf-8").replace("18,20,male,20,1.6", "18,20,male,20,1.7")
    (folder / "2026-07-01.csv").write_text(rates, encoding="utf-8")
    # then each date gets the version in force on it, with that version's rates
    catalog = load_catalog(root)
    first, second = catalog.get("ci_huaxia", date(2026, 6, 30)), catalog.get("ci_huaxia", date(2026, 7, 1))
    assert (first.version, second.version) == ("2026-01-01", "2026-07-01")
    youngest_men_20_pay = [
        next(r.value for r in p.pricing.rate_rows if (r.sex, r.premium_term, r.age_from) == ("male", "20", 18))
        for p in (first, second)
    ]
    assert youngest_men_20_pay == [D("1.6"), D("1.7")]
    assert [p.version for p in catalog.versions("ci_huaxia")] == ["2026-01-01", "2026-07-01"]


# --- broken files name the file and the field (or the CSV row) -----------------------------------------


def copy_products(root: Path, *codes: str) -> Path:
    for code in codes:
        shutil.copytree(CATALOG_DIR / code, root / code)
    return root


def broken(root: Path, code: str, old: str, new: str, suffix: str = ".toml") -> Path:
    copy_products(root, code)
    path = root / code / f"2026-01-01{suffix}"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {code}{suffix}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


MISTAKES = [
    # (product, old, new, field, message): a field "row N" is a row of the product's CSV rate file
    ("wl_par_huaxia", 'high = "0.06"', 'high = "0.065"', "illustration.high", "regulatory cap"),
    ("wl_par_huaxia", 'max_rate = "0.06"', 'max_rate = "0.05"', "illustration.medium", "cap"),
    (
        "wl_par_changan",
        'policyholder_share = "0.70"',
        'policyholder_share = "0.65"',
        "illustration.policyholder_share",
        "at least 0.70",
    ),
    ("wl_par_huaxia", 'monthly = "0.09"\n', "", "pricing.modal.factors.monthly", "is missing"),
    (
        "term_huaxia",
        'monthly = "0.09"',
        'monthly = "0.09"\nquarterly = "0.265"',
        "pricing.modal.factors.quarterly",
        "not an offered frequency",
    ),
    (
        "wl_par_huaxia",
        'monthly = "0.09"',
        'monthly = "0.08"',
        "pricing.modal.factors.monthly",
        "at least the annual premium",
    ),
    (
        "term_changan",
        'mortality_table = "sult"',
        'mortality_table = "cl2010"',
        "pricing.mortality_table",
        "cl2010.csv does not exist",
    ),
    ("term_changan", 'interest_rate = "0.035"\n', "", "pricing.interest_rate", "is missing"),
    (
        "wl_par_huaxia",
        'straight_through_limit = "20000"',
        "straight_through_limit = 20000.0",
        "straight_through_limit",
        "positive amount",
    ),
    (
        "endow_par_changan",
        'interest_rate = "0.035"',
        "interest_rate = 0.035",
        "pricing.interest_rate",
        "decimal written as a string",
    ),
    (
        "wl_par_changan",
        'method = "life_equivalence"',
        'method = "rate_table"',
        "pricing.method",
        "'life_equivalence' for a product of type 'participating_whole_life'",
    ),
    (
        "ci_huaxia",
        'smoker_factor = "1.3"',
        'smoker_factor = "1.3"\nsmoker_mortality_factor = "1.5"',
        "pricing.smoker_mortality_factor",
        "not a known field for pricing method 'rate_table'",
    ),
    ("ci_huaxia", 'method = "factors"', 'method = "udd"', "pricing.modal.method", "needs a mortality table"),
    (
        "endow_par_huaxia",
        'premium_terms = ["single", "policy_term"]',
        'premium_terms = ["single", "20"]',
        "premium_terms[1]",
        "longer than the policy term '10'",
    ),
    ("term_huaxia", '"to_age_70"]', '"to_age_75"]', "policy_terms[4]", "max_expiry_age (70)"),
    ("term_huaxia", "free_look_days = 15", "free_look_days = 10", "free_look_days", "at least 15"),
    ("endow_par_huaxia", "grace_period_days = 60", "grace_period_days = 30", "grace_period_days", "60"),
    ("wl_par_changan", "participating = true", "participating = false", "participating", "must be true"),
    (
        "term_changan",
        'surrender_charges = ["0.35", "0.28"',
        'surrender_charges = ["0.35", "0.38"',
        "cash_values.surrender_charges[1]",
        "not be more than the one before",
    ),
    (
        "ci_changan",
        "[[coverages]]",
        '[cash_values]\nmethod = "reserve_less_surrender_charge"\nsurrender_charges = ["0.1"]\n\n[[coverages]]',
        "cash_values",
        "only allowed there",
    ),
    (
        "medical_pingyuan",
        'coinsurance_percent_without_social_insurance = "60"\n',
        "",
        "coverages[0].coinsurance_percent_without_social_insurance",
        "is missing",
    ),
    (
        "medical_changan",
        'choices = ["3000000"]',
        'choices = ["3000000"]\nmin = "100"',
        "sum_insured.choices",
        "not both",
    ),
    (
        "travel_pingyuan",
        'choices = ["300000", "600000"]',
        'choices = ["600000", "300000"]',
        "sum_insured.choices[1]",
        "more than the amount before it",
    ),
    (
        "pa_pingyuan",
        "declined_occupation_classes = [6]",
        "declined_occupation_classes = []",
        "pricing.rates_per_mille",
        "missing [6]",
    ),
    ("pa_basic", 'age_basis = "last_birthday"\n', "", "age_basis", "is missing"),
    ("pa_basic", 'policy_terms = ["1"]', 'policy_terms = ["1", "10"]', "policy_terms", "one year"),
    ("pa_basic", 'frequencies = ["annual"]', 'frequencies = ["annual", "monthly"]', "frequencies", '"single"'),
    # CSV rate files: the error names the CSV and the row as a spreadsheet numbers it (the header is row 1)
    ("ci_huaxia", "18,20,male,10,2.8", "18,20,male,10,2,8", "row 2", "has 6 cells"),
    ("ci_huaxia", "21,25,male,10,3.3", "21,25,male,10,3.3‰", "row 3", "rate_per_mille"),
    ("ci_huaxia", "26,30,female,20,2.2", "26,30,woman,20,2.2", "row 28", "sex must be one of male, female"),
    ("ci_huaxia", "31,35,male,20,3.2", "31,35,male,15,3.2", "row 13", "premium_term must be one of 10, 20"),
    ("ci_changan", "21,25,male,10,3.6", "20,25,male,10,3.6", "row 3", "overlaps row 2"),
    ("ci_changan", "36,40,female,10,7.3\n", "", "row 22", "ages 36–40 for female, premium term 10: no rate"),
    (
        "ci_changan",
        "51,55,female,20,11.9",
        "51,54,female,20,11.9",
        "row 33",
        "age 55 for female, premium term 20: no rate",
    ),
    (
        "ci_changan",
        "age_from,age_to,sex,premium_term,rate_per_mille",
        "age_from,age_to,sex,term,rate_per_mille",
        "row 1",
        "header",
    ),
    ("medical_changan", "76,79,5420", "76,80,5420", "row 17", "ages 76–80: outside 0–79"),
    ("medical_pingyuan", "61,65,2486", "65,61,2486", "row 14", "after its end"),
    ("medical_pingyuan", "21,25,158", "21,25,158.005", "row 6", "annual_premium"),
    ("travel_pingyuan", "300000,asia,1,7,60", "400000,asia,1,7,60", "row 2", "sum insured choices"),
    (
        "travel_huaxia",
        "200000,europe,91,180,833",
        "200000,europe,91,120,833",
        "row 11",
        "days 121–180 for plan 200000, europe: no rate",
    ),
    ("travel_huaxia", "500000,asia,1,7,75", "500000,asia,0,7,75", "row 17", "days_from"),
]


@pytest.mark.parametrize(("code", "old", "new", "field", "message"), MISTAKES, ids=[m[3] for m in MISTAKES])
def test_a_broken_file_is_refused_naming_file_and_field(tmp_path, code, old, new, field, message):
    # given one product with one mistake, when the catalog loads, then the error names that file and field
    suffix = ".csv" if field.startswith("row ") else ".toml"
    root = broken(tmp_path, code, old, new, suffix)
    with pytest.raises(CatalogError) as err:
        load_catalog(root)
    assert err.value.file.endswith(f"{code}/2026-01-01{suffix}")
    assert err.value.field == field
    assert message in err.value.message
    assert str(err.value) == f"{err.value.file}: {field}: {err.value.message}"


def test_a_csv_error_reads_like_a_spreadsheet_reference(tmp_path):
    root = broken(tmp_path, "ci_huaxia", "46,50,male,20,8.8", "46,50,male,20,-8.8", ".csv")
    with pytest.raises(CatalogError, match=r"ci_huaxia/2026-01-01\.csv: row 16: rate_per_mille must be a positive"):
        load_catalog(root)


def test_a_missing_mortality_table_stops_the_life_products(tmp_path):
    # given the tables directory has no sult.csv, then every life product names its table
    root = copy_products(tmp_path / "catalog", "term_huaxia")
    (tmp_path / "tables").mkdir()
    with pytest.raises(CatalogError) as err:
        load_catalog(root, tables_dir=tmp_path / "tables")
    assert err.value.field == "pricing.mortality_table"
    assert err.value.file.endswith("term_huaxia/2026-01-01.toml")
    assert "sult.csv does not exist" in err.value.message


def test_rate_files_must_belong_to_a_product_that_reads_them(tmp_path):
    # a rate file without its product file, a product without its rate file, a rate file nobody reads
    root = copy_products(tmp_path / "a", "ci_huaxia")
    (root / "ci_huaxia" / "2026-01-01.toml").rename(root / "ci_huaxia" / "2026-02-01.toml")
    with pytest.raises(CatalogError, match=r"2026-01-01\.csv: belongs to no product version"):
        load_catalog(root)
    root = copy_products(tmp_path / "b", "travel_huaxia")
    (root / "travel_huaxia" / "2026-01-01.csv").unlink()
    with pytest.raises(CatalogError, match=r"2026-01-01\.csv: is missing: pricing method travel_zone_days"):
        load_catalog(root)
    root = copy_products(tmp_path / "c", "pa_basic", "medical_changan")
    shutil.copy(root / "medical_changan" / "2026-01-01.csv", root / "pa_basic" / "2026-01-01.csv")
    with pytest.raises(CatalogError, match=r"pa_basic/2026-01-01\.csv: is not used by per_mille_by_occupation_class"):
        load_catalog(root)


def test_a_participating_product_needs_an_illustration(tmp_path):
    root = copy_products(tmp_path, "endow_par_changan")
    path = root / "endow_par_changan" / "2026-01-01.toml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("[illustration]"), text.index("[[coverages]]")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(root)
    assert (err.value.field, err.value.message) == (
        "illustration",
        "is required for a participating product and only allowed there",
    )


def test_one_insurer_code_has_one_set_of_names(tmp_path):
    # given two products of changan_life, one spelling the English name differently, then loading refuses it
    root = broken(tmp_path, "term_changan", "Chang'an Life Insurance Co., Ltd.", "Changan Life Insurance Co., Ltd.")
    copy_products(root, "ci_changan")
    with pytest.raises(CatalogError) as err:
        load_catalog(root)
    assert err.value.field == "insurer"
    assert "names differ" in err.value.message


def test_invalid_toml_and_empty_catalog_are_errors(tmp_path):
    with pytest.raises(CatalogError, match="no product files"):
        load_catalog(tmp_path)
    root = broken(tmp_path, "pa_basic", "[insurer]", "[insurer")
    with pytest.raises(CatalogError, match="not valid TOML"):
        load_catalog(root)


def test_a_free_look_charge_is_read_from_the_file_and_capped_at_ten_yuan(tmp_path):
    on = date(2026, 6, 1)
    assert load_catalog().get("wl_par_huaxia", on).free_look_charge == Decimal("10.00")
    assert load_catalog().get("wl_par_changan", on).free_look_charge == Decimal(0)  # states none: full refund
    shutil.copytree(CATALOG_DIR / "wl_par_huaxia", tmp_path / "wl_par_huaxia")
    path = tmp_path / "wl_par_huaxia" / "2026-01-01.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('free_look_charge = "10"', 'free_look_charge = "50"'))
    with pytest.raises(CatalogError, match=r"wl_par_huaxia/2026-01-01\.toml: free_look_charge: must not exceed 10"):
        load_catalog(tmp_path)
