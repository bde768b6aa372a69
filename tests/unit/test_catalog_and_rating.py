"""The product catalog (validated data files) and the premium it produces."""

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from products.catalog import (
    CATALOG_DIR,
    Catalog,
    CatalogError,
    ProductNotEffective,
    UnknownProduct,
    load_catalog,
)
from products.rating import RatingError, Risk, age_last_birthday, quote

D = Decimal
ON = date(2026, 3, 1)
PA_FILE = CATALOG_DIR / "pa_basic" / "2026-01-01.toml"


@pytest.fixture(scope="module")
def pa():
    return load_catalog().get("pa_basic", ON)


# --- the real catalog --------------------------------------------------------------------------------


def test_real_catalog_loads_the_personal_accident_product(pa):
    assert pa.version == "2026-01-01"
    assert pa.insurer_code == "huaxia_mutual"
    assert pa.insurer_name_zh == "华夏互助人寿保险股份有限公司"
    assert pa.name_zh == "安心意外伤害保险"
    assert pa.name_en == "Peace of Mind Personal Accident Insurance"
    assert pa.type == "personal_accident"
    assert pa.channels == ("platform", "direct")
    assert (pa.term_years, pa.entry_age_min, pa.entry_age_max) == (1, 18, 65)
    assert (pa.sum_insured_min, pa.sum_insured_max, pa.sum_insured_step) == (D(50000), D(1000000), D(10000))
    assert [pa.rate_per_mille(c) for c in (1, 2, 3, 4)] == [D("1.0"), D("1.3"), D("1.8"), D("2.6")]
    assert pa.declined_occupation_classes == (5, 6)
    assert pa.straight_through_limit == D("5000.00")
    assert (pa.waiting_period_days, pa.free_look_days) == (0, 0)
    medical = {c.code: c for c in pa.coverages}["accidental_medical"]
    assert (medical.percent_of_sum_insured, medical.deductible, medical.coinsurance_percent) == (
        D(10),
        D(100),
        D(90),
    )
    assert pa.exclusions and all(e.zh and e.en for e in pa.exclusions)
    assert all(isinstance(v, Decimal) for v in (pa.sum_insured_min, pa.straight_through_limit))


def test_catalog_answers_by_date():
    catalog = load_catalog()
    assert [p.code for p in catalog.products(ON)] == ["pa_basic"]
    assert catalog.products(date(2025, 12, 31)) == []
    with pytest.raises(ProductNotEffective) as err:
        catalog.get("pa_basic", date(2025, 12, 31))
    assert err.value.code == "product_not_effective"
    with pytest.raises(UnknownProduct) as err:
        catalog.get("no_such_product", ON)
    assert err.value.code == "unknown_product"
    assert isinstance(err.value, LookupError)


def test_a_new_version_takes_over_on_its_effective_date(tmp_path, pa):
    # given a second version from 2026-07-01, then each date gets the version in force on it
    (tmp_path / "pa_basic").mkdir()
    shutil.copy(PA_FILE, tmp_path / "pa_basic" / "2026-01-01.toml")
    text = PA_FILE.read_text(encoding="utf-8").replace('"2026-01-01"', '"2026-07-01"').replace('2 = "1.3"', '2 = "1.4"')
    (tmp_path / "pa_basic" / "2026-07-01.toml").write_text(text, encoding="utf-8")
    catalog = load_catalog(tmp_path)
    assert catalog.get("pa_basic", date(2026, 6, 30)).version == "2026-01-01"
    assert catalog.get("pa_basic", date(2026, 7, 1)).rate_per_mille(2) == D("1.4")
    assert [p.version for p in catalog.products(date(2026, 8, 1))] == ["2026-07-01"]


# --- broken catalog files name the file and the field ------------------------------------------------


def broken_catalog(tmp_path: Path, old: str, new: str) -> Path:
    text = PA_FILE.read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "pa_basic").mkdir()
    (tmp_path / "pa_basic" / "2026-01-01.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('step = "10000"', 'step = "0"', "sum_insured.step"),
        ('step = "10000"', "step = 10000.0", "sum_insured.step"),
        ('min = "50000"', 'min = "55000"', "sum_insured.min"),
        ('min = "50000"', 'min = "2000000"', "sum_insured.min"),
        ('2 = "1.3"', "2 = 1.3", "rating.rates_per_mille.2"),
        ('2 = "1.3"', '2 = "abc"', "rating.rates_per_mille.2"),
        ('channels = ["platform", "direct"]', 'channels = ["platform", "mail"]', "channels"),
        ("entry_age_min = 18", "entry_age_min = 70", "entry_age_min"),
        ("term_years = 1", 'term_years = "1"', "term_years"),
        ('code = "pa_basic"', 'code = "pa_other"', "code"),
        ('effective_from = "2026-01-01"', 'effective_from = "2026-02-01"', "effective_from"),
        ('name_en = "Peace of Mind Personal Accident Insurance"', "", "name_en"),
        (
            'straight_through_limit = "5000.00"',
            'straight_through_limit = "5000.001"',
            "straight_through_limit",
        ),
        (
            "declined_occupation_classes = [5, 6]",
            "declined_occupation_classes = [4, 5, 6]",
            "rating.declined_occupation_classes",
        ),
        ('deductible = "100"', 'deductible = "-100"', "coverages[1].deductible"),
        ('coinsurance_percent = "90"', 'coinsurance_percent = "190"', "coverages[1].coinsurance_percent"),
        ("waiting_period_days = 0", "waiting_period_days = 0\nwaiting_period = 0", "waiting_period"),
        ('type = "personal_accident"', 'type = "accident"', "type"),
    ],
)
def test_broken_file_names_file_and_field(tmp_path, old, new, field):
    # given a catalog file with one mistake, when loaded, then the error names that file and that field
    root = broken_catalog(tmp_path, old, new)
    with pytest.raises(CatalogError) as err:
        load_catalog(root)
    assert err.value.field == field
    assert err.value.file.endswith("pa_basic/2026-01-01.toml")
    assert str(err.value).startswith(f"{err.value.file}: {field}: ")


def test_step_error_reads_like_the_spec(tmp_path):
    root = broken_catalog(tmp_path, 'step = "10000"', 'step = "0"')
    with pytest.raises(CatalogError, match=r"2026-01-01\.toml: sum_insured\.step: must be a positive amount"):
        load_catalog(root)


def test_invalid_toml_and_empty_catalog_are_errors(tmp_path):
    with pytest.raises(CatalogError, match="no product files"):
        load_catalog(tmp_path)
    root = broken_catalog(tmp_path, "[insurer]", "[insurer")
    with pytest.raises(CatalogError, match="not valid TOML"):
        load_catalog(root)


def test_one_insurer_code_has_one_set_of_names(tmp_path):
    # given a second product from the same insurer code with a different name, then loading refuses it
    root = broken_catalog(tmp_path, "", "")
    (root / "pa_plus").mkdir()
    text = PA_FILE.read_text(encoding="utf-8").replace('code = "pa_basic"', 'code = "pa_plus"')
    text = text.replace("Huaxia Mutual Life Insurance Co., Ltd.", "Huaxia Mutual")
    (root / "pa_plus" / "2026-01-01.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(root)
    assert err.value.field == "insurer"


def test_an_empty_catalog_object_knows_no_products():
    with pytest.raises(UnknownProduct):
        Catalog([]).get("pa_basic", ON)


# --- rating -------------------------------------------------------------------------------------------


def risk(sum_insured="300000", occupation_class=2, birth_date=date(1990, 5, 5)):
    return Risk(birth_date=birth_date, occupation_class=occupation_class, sum_insured=D(sum_insured))


@pytest.mark.parametrize(
    ("sum_insured", "occupation_class", "premium"),
    [
        ("300000", 2, "390.00"),  # 300 000 × 1.3 ‰
        ("50000", 1, "50.00"),  # 50 000 × 1.0 ‰
        ("1000000", 4, "2600.00"),  # 1 000 000 × 2.6 ‰
        ("130000", 3, "234.00"),  # 130 000 × 1.8 ‰
    ],
)
def test_premium_computed_by_hand(pa, sum_insured, occupation_class, premium):
    breakdown = quote(pa, risk(sum_insured, occupation_class), ON)
    assert breakdown.annual_premium == D(premium)
    assert str(breakdown.annual_premium) == premium
    assert breakdown.lines[-1][1] == D(premium)


def test_breakdown_explains_the_premium(pa):
    breakdown = quote(pa, risk(), ON)
    assert (breakdown.product_code, breakdown.product_version) == ("pa_basic", "2026-01-01")
    assert (breakdown.sum_insured, breakdown.age, breakdown.rate_per_mille) == (D("300000.00"), 35, D("1.3"))
    assert breakdown.lines == (("base: 300,000.00 × 1.3‰", D("390.00")),)


def test_age_limits_are_inclusive(pa):
    # given someone 18 today and someone 65 today (the day before their 66th birthday), then both are quoted
    assert quote(pa, risk(birth_date=date(2008, 3, 1)), ON).age == 18
    assert quote(pa, risk(birth_date=date(1960, 3, 2)), ON).age == 65


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"birth_date": date(2008, 3, 2)}, "age_out_of_range", "birth_date"),  # 17, turns 18 tomorrow
        ({"birth_date": date(1960, 3, 1)}, "age_out_of_range", "birth_date"),  # 66 today
        ({"birth_date": date(2026, 3, 2)}, "age_out_of_range", "birth_date"),  # not born yet
        ({"sum_insured": "40000"}, "sum_insured_out_of_range", "sum_insured"),
        ({"sum_insured": "1010000"}, "sum_insured_out_of_range", "sum_insured"),
        ({"sum_insured": "305000"}, "sum_insured_not_on_step", "sum_insured"),
        ({"sum_insured": "300000.01"}, "sum_insured_not_on_step", "sum_insured"),
        ({"occupation_class": 5}, "occupation_declined", "occupation_class"),
        ({"occupation_class": 6}, "occupation_declined", "occupation_class"),
        ({"occupation_class": 7}, "occupation_unknown", "occupation_class"),
        ({"occupation_class": 0}, "occupation_unknown", "occupation_class"),
        ({"occupation_class": True}, "occupation_unknown", "occupation_class"),
    ],
)
def test_every_rating_error(pa, kwargs, code, field):
    with pytest.raises(RatingError) as err:
        quote(pa, risk(**kwargs), ON)
    assert (err.value.code, err.value.field) == (code, field)
    assert str(err.value)


def test_sum_insured_must_be_decimal():
    with pytest.raises(TypeError):
        Risk(birth_date=date(1990, 1, 1), occupation_class=1, sum_insured=300000.0)


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1990, 5, 5), date(2026, 5, 4), 35),
        (date(1990, 5, 5), date(2026, 5, 5), 36),
        (date(2000, 2, 29), date(2026, 2, 28), 25),  # common year: not a year older until 1 March
        (date(2000, 2, 29), date(2026, 3, 1), 26),
        (date(2000, 2, 29), date(2028, 2, 29), 28),  # leap year: the birthday itself
        (date(2000, 1, 1), date(2000, 1, 1), 0),
    ],
)
def test_age_last_birthday(birth, on, age):
    assert age_last_birthday(birth, on) == age


def test_age_before_birth_is_an_error():
    with pytest.raises(ValueError):
        age_last_birthday(date(2000, 1, 2), date(2000, 1, 1))
