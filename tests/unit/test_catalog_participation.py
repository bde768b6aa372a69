"""Participation in the catalog: the reversionary-bonus products, what [illustration] holds for each dividend
style, and the regulator's caps on illustrated rates checked when the catalog loads (docs/catalog.md)."""

import shutil
import tomllib
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from products.catalog import CATALOG_DIR, CatalogError, load_catalog
from products.catalog_model import ScenarioRates
from products.illustration_caps import CAPS, PUBLISHED_BEFORE_THE_CHECK, cap_on

D = Decimal
CASH_PRODUCTS = ("wl_par_changan", "wl_par_huaxia", "endow_par_changan", "endow_par_huaxia")
BONUS_PRODUCTS = ("wl_bonus_changan", "endow_bonus_huaxia")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


# --- the shipped files -----------------------------------------------------------------------------------


def test_each_life_insurer_sells_a_reversionary_bonus_product(catalog):
    products = {code: catalog.get(code, date(2026, 3, 1)) for code in BONUS_PRODUCTS}
    assert {p.insurer_code for p in products.values()} == {"changan_life", "huaxia_mutual"}
    for p in products.values():
        assert p.participating and p.participation.style == "reversionary_bonus"
        assert (p.participation.options, p.participation.default_option) == ((), "")
        assert p.pricing.interest_rate == D("0.0175")  # the guaranteed-rate cap of participating business
        ill = p.illustration
        assert (ill.low, ill.high, ill.max_rate) == (D("0.0175"), D("0.035"), D("0.035"))
        assert ill.bonus_rates.low == 0 and ill.terminal_bonus_rates.low == 0  # the low scenario: guaranteed only
        assert ill.bonus_rates.medium < ill.bonus_rates.high and ill.terminal_bonus_rates.high < 1
        assert "增额红利" in p.name_zh and "Reversionary Bonus" in p.name_en
    assert products["wl_bonus_changan"].policy_terms == ("whole_life",)
    assert products["endow_bonus_huaxia"].policy_terms == ("10", "20")


def test_every_participating_version_illustrates_within_the_cap_in_force_on_its_date(catalog):
    # the versions published before the check are the only ones let through, and each has a successor
    checked = []
    for code in CASH_PRODUCTS + BONUS_PRODUCTS:
        for p in catalog.versions(code):
            cap = cap_on(p.effective_from)
            if (p.code, p.version) in PUBLISHED_BEFORE_THE_CHECK:
                assert catalog.get(code, date(2026, 12, 1)).version == "2026-12-01"
                continue
            limits = cap.limits(p.pricing.interest_rate)
            ill = p.illustration
            assert (ill.low, ill.medium, ill.high) <= (limits["low"], limits["medium"], limits["high"]), p.code
            assert ill.max_rate <= cap.high and ill.policyholder_share <= cap.share
            checked.append((code, p.version))
    # the four new versions, the two bonus products and the five launch versions of 2022-07-01 (the demo data's
    # participating policies several years old were sold on them: insure.accounts.seed_accounts)
    assert len(checked) == 11


def test_the_new_versions_change_only_the_illustration_and_the_pricing_rate():
    for code in CASH_PRODUCTS:
        old, new = (
            tomllib.loads((CATALOG_DIR / code / f"{day}.toml").read_text()) for day in ("2026-01-01", "2026-12-01")
        )
        assert new["effective_from"] == "2026-12-01"
        assert new["illustration"]["high"] == "0.035" and old["illustration"]["high"] in ("0.045", "0.06")
        # priced at the guaranteed-rate cap; the low scenario is the pricing rate, medium and high under the cap
        assert new["pricing"]["interest_rate"] == "0.0175" and old["pricing"]["interest_rate"] in ("0.035", "0.05")
        ill = new["illustration"]
        assert (ill["low"], ill["medium"], ill["high"], ill["max_rate"]) == ("0.0175", "0.0275", "0.035", "0.035")
        for data in (old, new):
            del data["illustration"], data["effective_from"], data["pricing"]["interest_rate"]
        assert old == new, code


def test_a_quote_before_the_new_version_keeps_the_old_rates(catalog):
    before, after = catalog.get("wl_par_huaxia", date(2026, 11, 30)), catalog.get("wl_par_huaxia", date(2026, 12, 1))
    assert (before.illustration.high, after.illustration.high) == (D("0.06"), D("0.035"))
    assert (before.pricing.interest_rate, after.pricing.interest_rate) == (D("0.05"), D("0.0175"))
    assert replace(before.pricing, interest_rate=after.pricing.interest_rate) == after.pricing


def test_the_caps_follow_each_other_in_time_and_only_come_down():
    days = [cap.effective_from for cap in CAPS]
    assert days == sorted(days)
    assert [cap.high for cap in CAPS] == sorted((cap.high for cap in CAPS), reverse=True)
    assert cap_on(date(2015, 12, 31)) is None
    assert cap_on(date(2026, 6, 30)).high == D("0.039") and cap_on(date(2026, 7, 1)).high == D("0.035")
    assert all(cap.source and cap.confidence for cap in CAPS)
    # the low scenario may earn no more than the pricing rate: it shows the guaranteed benefits only
    assert cap_on(date(2026, 7, 1)).limits(D("0.0175"))["low"] == D("0.0175")
    assert cap_on(date(2026, 7, 1)).limits(D("0.05"))["low"] == D("0.035")


# --- files the loader refuses ----------------------------------------------------------------------------


def copy_product(root, code, day="2026-01-01", new_day=None, edits=()):
    shutil.copytree(CATALOG_DIR / code, root / code)
    for stale in (root / code).glob("*.toml"):
        if stale.stem != day:
            stale.unlink()
    path = root / code / f"{day}.toml"
    text = path.read_text(encoding="utf-8")
    if new_day:
        text = text.replace(f'effective_from = "{day}"', f'effective_from = "{new_day}"')
        path.unlink()
        path = root / code / f"{new_day}.toml"
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return root


def refusal(root):
    with pytest.raises(CatalogError) as err:
        load_catalog(root)
    return err.value


@pytest.mark.parametrize(
    ("new_day", "field", "limit"),
    [("2026-03-01", "illustration.medium", "0.039"), ("2026-07-01", "illustration.medium", "0.035")],
)
def test_an_old_illustration_published_again_is_refused_by_the_cap_in_force(tmp_path, new_day, field, limit):
    # given the 2026-01-01 changan file (low 3.5 %, medium 4 %, high 4.5 %) published as a new version
    root = copy_product(tmp_path, "wl_par_changan", new_day=new_day)
    error = refusal(root)
    assert error.file.endswith(f"wl_par_changan/{new_day}.toml") and error.field == field
    assert f"must not be more than {limit}, the regulator's cap in force on {new_day}" in error.message


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        (('low = "0.0175"', 'low = "0.02"'), "illustration.low", "must not be more than 0.0175"),
        (('max_rate = "0.035"', 'max_rate = "0.04"'), "illustration.max_rate", "must not be more than 0.035"),
        (
            ('policyholder_share = "0.70"', 'policyholder_share = "0.75"'),
            "illustration.policyholder_share",
            "must not illustrate more than 0.70",
        ),
        (('high = "0.012"', 'high = "0.013"'), "illustration.bonus_rates.high", "must not be more than 0.01225"),
        (('medium = "0.007"', 'medium = "0.02"'), "illustration.bonus_rates.medium", "between low and high"),
        (
            ("terminal_bonus_rates = { low", "terminal_bonus = { low"),
            "illustration.terminal_bonus_rates",
            "is missing",
        ),
        (
            ('style = "reversionary_bonus"', 'style = "reversionary_bonus"\noptions = ["cash"]'),
            "participation.options",
            "is not a known field",
        ),
    ],
)
def test_a_bonus_product_file_with_a_mistake_is_refused(tmp_path, edit, field, message):
    root = copy_product(tmp_path, "wl_bonus_changan", new_day="2026-12-01", edits=[edit])
    error = refusal(root)
    assert (error.field, message in error.message) == (field, True), error


def test_bonus_rates_belong_to_bonus_products_only(tmp_path):
    edit = (
        'policyholder_share = "0.70"',
        'policyholder_share = "0.70"\nbonus_rates = { low = "0", medium = "0", high = "0" }',
    )
    root = copy_product(tmp_path, "wl_par_changan", day="2026-12-01", edits=[edit])
    error = refusal(root)
    assert error.field == "illustration.bonus_rates"
    assert "for reversionary-bonus products only" in error.message


def test_the_bonus_rates_are_read_per_scenario(catalog):
    ill = catalog.get("endow_bonus_huaxia", date(2026, 12, 1)).illustration
    assert ill.bonus_rates == ScenarioRates(D("0"), D("0.006"), D("0.011"))
    assert ill.terminal_bonus_rates == ScenarioRates(D("0"), D("0.15"), D("0.30"))
