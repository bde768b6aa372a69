"""The product catalog: the shipped data files, and how a broken file is reported (docs/catalog.md)."""

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from products.catalog import (
    Catalog,
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
    assert len(products) == 16
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
    bonus = {"wl_bonus_changan", "endow_bonus_huaxia"}  # priced at 1.75 %: test_catalog_participation.py
    assert set(life) - bonus == {
        f"{kind}_{insurer}" for kind in ("wl_par", "endow_par", "term") for insurer in ("huaxia", "changan")
    }
    for code, p in life.items():
        if code in bonus:
            continue
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
    cash = {"wl_par_huaxia", "wl_par_changan", "endow_par_huaxia", "endow_par_changan"}
    assert set(participating) == cash | {"wl_bonus_changan", "endow_bonus_huaxia"}
    for p in (participating[code] for code in cash):
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
    # only the participating products' launch versions (2022-07-01) were sold before 2026
    assert {p.code for p in catalog.products(date(2025, 12, 31))} == {
        "wl_par_changan",
        "wl_par_huaxia",
        "endow_par_changan",
        "endow_par_huaxia",
        "wl_bonus_changan",
    }
    assert catalog.products(date(2022, 6, 30)) == []
    with pytest.raises(ProductNotEffective) as err:
        catalog.get("pa_basic", date(2025, 12, 31))
    assert err.value.code == "product_not_effective"
    with pytest.raises(UnknownProduct) as err:
        catalog.get("no_such_product", ON)
    assert err.value.code == "unknown_product"
    with pytest.raises(UnknownProduct):
        Catalog([]).get("pa_basic", ON)
