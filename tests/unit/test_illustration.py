"""The benefit illustration (products/illustration.py) and how it is told to a reader (products/illustration_view.py):
reversionary bonuses growing the cover, the terminal bonus, the total value per scenario, the summary in plain
words in both languages, and the chart."""

import base64
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from insure import i18n
from insure.money import quantize
from products.catalog import load_catalog
from products.illustration import illustrate
from products.illustration_view import chart, chart_years, summary, summary_year
from products.life_pricing import resolve
from products.rating import quote
from products.rating_model import Risk

D = Decimal
ON = date(2026, 3, 1)
CATALOG = load_catalog()


def illustrated(code, on=ON, product=None, **risk):
    product = product or CATALOG.get(code, on)
    fields = {"sex": "male", "policy_term": "whole_life", "premium_term": "10"} | risk
    r = Risk(date(1986, 1, 1), D("100000"), **fields)
    return product, illustrate(product, resolve(product, r, on), quote(product, r, on))


def test_a_bonus_is_added_each_year_on_the_sum_insured_and_the_bonuses_already_added():
    # given the changan bonus whole life, 100,000 sum insured, medium bonus rate 0.7 %, terminal rate 20 %
    _, ill = illustrated("wl_bonus_changan")
    first, second = ill.years[0], ill.years[1]
    # then year 1 adds 0.7 % of 100,000 and year 2 0.7 % of 100,700 (to the fen)
    assert first.dividends["medium"] == D("700.00") and second.dividends["medium"] == D("704.90")
    assert second.bonuses["medium"] == D("1404.90")
    assert second.sum_insured_with_bonuses["medium"] == D("101404.90")
    assert second.terminal_bonus["medium"] == quantize(D("1404.90") * D("0.20"))
    # and the cover keeps growing in every year of the medium and high scenarios
    for scenario in ("medium", "high"):
        covers = [y.sum_insured_with_bonuses[scenario] for y in ill.years]
        assert covers == sorted(covers) and len(set(covers)) == len(covers)
    assert ill.style == "reversionary_bonus" and ill.bonus_rates["high"] == D("0.012")


def test_the_total_value_adds_the_bonuses_cash_value_and_the_terminal_bonus():
    product, ill = illustrated("wl_bonus_changan")
    from insure.accounts.dividends import net_single_premium, value_of_cover

    terms = resolve(
        product, Risk(date(1986, 1, 1), D("100000"), sex="male", policy_term="whole_life", premium_term="10"), ON
    )
    year = ill.years[9]
    bonus_value = D(value_of_cover(int(year.bonuses["high"] * 100), net_single_premium(product, terms, 10))) / 100
    assert year.total_value["high"] == year.cash_value + bonus_value + year.terminal_bonus["high"]
    # the low scenario earns the guaranteed rate only: no bonus, the total is the guaranteed cash value
    assert all(y.total_value["low"] == y.cash_value and y.bonuses["low"] == 0 for y in ill.years)
    assert all(y.total_value["low"] <= y.total_value["medium"] <= y.total_value["high"] for y in ill.years)


def test_an_endowment_with_bonuses_pays_the_cover_with_bonuses_and_the_terminal_bonus_at_maturity():
    _, ill = illustrated("endow_bonus_huaxia", sex="female", policy_term="20", premium_term="5")
    last = ill.years[-1]
    assert (last.year, last.maturity_benefit, last.cash_value) == (20, D("100000"), D("100000.00"))
    for scenario in ("low", "medium", "high"):
        # the paid-up cover of the bonuses is worth its sum insured at maturity
        expected = last.sum_insured_with_bonuses[scenario] + last.terminal_bonus[scenario]
        assert last.total_value[scenario] == expected


def test_a_cash_product_totals_the_cash_value_and_the_accumulated_dividends():
    _, ill = illustrated("wl_par_changan", premium_term="20")
    assert ill.style == "cash" and ill.shows_dividends
    assert all(y.total_value[s] == y.cash_value + y.accumulated[s] for y in ill.years for s in ill.rates)
    assert all(not y.bonuses and not y.sum_insured_with_bonuses for y in ill.years)


def test_the_version_priced_at_the_guaranteed_rate_cap_costs_more_and_illustrates_dividends_again():
    # given the 2026-12-01 version of the huaxia whole life, priced at 1.75 % and illustrated at 1.75 / 2.75 / 3.5 %
    _, ill = illustrated("wl_par_huaxia", on=date(2026, 12, 1), premium_term="20")
    _, old = illustrated("wl_par_huaxia", premium_term="20")  # the 2026-01-01 version, priced at 5 %
    # then the premium for the same cover is higher (a lower guaranteed rate needs more premium) ...
    assert ill.annual_premium > old.annual_premium
    # ... the low scenario is the guaranteed values only, and medium and high illustrate dividends
    assert all(y.dividends["low"] == 0 and y.total_value["low"] == y.cash_value for y in ill.years)
    assert ill.shows_dividends and old.shows_dividends
    assert all(y.total_value["high"] >= y.total_value["medium"] >= y.cash_value for y in ill.years)
    assert ill.years[19].total_value["medium"] > ill.years[19].cash_value


# --- the summary and the chart ---------------------------------------------------------------------------


def test_the_summary_speaks_of_age_60_once_the_premiums_are_paid():
    _, ill = illustrated("wl_par_changan", premium_term="20")
    year = summary_year(ill)
    assert (year.age, year.year) == (60, 20)
    with i18n.use_locale("en"):
        text = " ".join(summary(ill))
    premium = f"{ill.annual_premium:,.2f}"
    assert text.startswith(f"If you pay {premium} CNY a year for 20 years, by age 60 the guaranteed cash value is")
    assert f"{year.cash_value:,.2f}" in text and f"{year.total_value['medium']:,.2f}" in text
    assert text.endswith("Dividends are not guaranteed.")
    with i18n.use_locale("zh_CN"):
        chinese = " ".join(summary(ill))
    assert "共交 20 年，到 60 岁时保证现金价值为" in chinese and "红利不保证" in chinese


def test_the_summary_of_a_bonus_product_names_the_grown_cover():
    _, ill = illustrated("endow_bonus_huaxia", sex="female", policy_term="20", premium_term="single")
    year = summary_year(ill)
    assert year.year == 20  # an endowment: at maturity
    with i18n.use_locale("en"):
        text = " ".join(summary(ill))
    assert text.startswith(f"If you pay {ill.annual_premium:,.2f} CNY once, by age {year.age}")
    assert f"the sum insured could grow to {year.sum_insured_with_bonuses['medium']:,.2f} CNY" in text
    assert text.endswith("Bonuses are not guaranteed.")


def test_the_summary_says_so_when_no_dividends_may_be_illustrated():
    # given a version whose every scenario earns no more than its pricing rate (as the 2026-12-01 versions would
    # had they kept a pricing rate at or above the 3.5 % illustration cap)
    product = CATALOG.get("endow_par_huaxia", date(2026, 12, 1))
    flat = replace(product.illustration, medium=product.illustration.low, high=product.illustration.low)
    _, ill = illustrated("", product=replace(product, illustration=flat), policy_term="20", premium_term="policy_term")
    with i18n.use_locale("en"):
        text = summary(ill)
    assert len(text) == 3 and "no dividends are shown above the guaranteed values" in text[1]


@pytest.mark.parametrize(("locale", "words"), [("en", "Guaranteed cash value"), ("zh_CN", "保证现金价值")])
def test_the_chart_is_an_svg_image_390_pixels_wide_in_the_readers_language(locale, words):
    _, ill = illustrated("wl_bonus_changan")
    with i18n.use_locale(locale):
        uri = chart(ill)
    assert uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")
    # (pygal embeds its config as an inline script, which never runs in an <img>; nothing is loaded from outside)
    assert 'viewBox="0 0 390 300"' in svg and words in svg and 'xlink:href="http' not in svg
    if locale == "en":
        assert "Total value, High" in svg and "Sum insured with bonuses, Medium" in svg
        assert "Total value, Low" not in svg  # the guaranteed line, drawn once


def test_a_long_illustration_is_charted_every_fifth_year_and_a_short_one_every_year():
    _, whole_life = illustrated("wl_bonus_changan")  # age 40 to 100: 60 years
    assert [y.year for y in chart_years(whole_life)] == list(range(5, 61, 5))
    _, endowment = illustrated("endow_bonus_huaxia", policy_term="20", premium_term="5")
    assert [y.year for y in chart_years(endowment)] == list(range(1, 21))
