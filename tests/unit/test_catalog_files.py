"""The catalog read from files on disk: a new version taking over on its date, and how a broken file is
reported, naming the file and the field (docs/catalog.md). The shipped data itself: test_catalog.py."""

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from products.catalog import (
    CATALOG_DIR,
    CatalogError,
    load_catalog,
)

D = Decimal


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
