"""How a benefit illustration is shown to a reader: a short summary in plain words and a chart (the page and the
PDF use both, with the year-by-year table below). Texts are translated in the reader's language at call time."""

from __future__ import annotations

from insure.errors import N_
from insure.i18n import gettext
from insure.labels import label
from insure.templating import amount_cny
from insure.web.charts import line_chart
from products.illustration import BONUS, SCENARIOS, Illustration, Year

CHART_WIDTH, CHART_HEIGHT = 390, 300  # fits a phone's 390 px screen; the image scales down, never up
SUMMARY_AGES = (60, 70, 80)
# a chart 390 px wide has room for about 20 points on its axis: a long illustration is drawn every 5th year
# (and its last), the table below has every year
CHART_EVERY_YEAR_UP_TO, CHART_STEP = (
    20,
    5,
)  # the first of these reached after the last premium is the age the summary speaks of

PAY_REGULAR = N_(
    "If you pay %(premium)s a year for %(years)s years, by age %(age)s the guaranteed cash value is %(guaranteed)s."
)
PAY_ONCE = N_("If you pay %(premium)s once, by age %(age)s the guaranteed cash value is %(guaranteed)s.")
WITH_DIVIDENDS = N_("With dividends at the medium rate it could be %(total)s.")
WITH_BONUSES = N_(
    "With reversionary bonuses at the medium rate the sum insured could grow to %(cover)s and the policy could be "
    "worth %(total)s."
)
NOTHING_ILLUSTRATED = N_(
    "At the rates the regulator allows to be illustrated, no dividends are shown above the guaranteed values."
)
DIVIDENDS_NOT_GUARANTEED = N_("Dividends are not guaranteed.")
BONUSES_NOT_GUARANTEED = N_("Bonuses are not guaranteed.")


def summary_year(illustration: Illustration) -> Year:
    """The year the summary speaks of: maturity for an endowment, else the first of ages 60, 70, 80 reached once
    every premium is paid (the last illustrated year if none is)."""
    years = illustration.years
    if years[-1].maturity_benefit:
        return years[-1]
    for age in SUMMARY_AGES:
        for year in years:
            if year.age == age and year.year >= illustration.premium_years:
                return year
    return years[-1]


def summary(illustration: Illustration) -> list[str]:
    """Two or three sentences: what is paid, the guaranteed value at the summary year, what it could be."""
    year = summary_year(illustration)
    premium = amount_cny(illustration.annual_premium)
    guaranteed = amount_cny(year.cash_value)
    if illustration.premium_years <= 1:
        sentences = [gettext(PAY_ONCE, premium=premium, age=year.age, guaranteed=guaranteed)]
    else:
        sentences = [
            gettext(PAY_REGULAR, premium=premium, years=illustration.premium_years, age=year.age, guaranteed=guaranteed)
        ]
    if not illustration.participating:
        return sentences
    total = amount_cny(year.total_value["medium"])
    if not illustration.shows_dividends:
        sentences.append(gettext(NOTHING_ILLUSTRATED))
    elif illustration.style == BONUS:
        cover = amount_cny(year.sum_insured_with_bonuses["medium"])
        sentences.append(gettext(WITH_BONUSES, cover=cover, total=total))
    else:
        sentences.append(gettext(WITH_DIVIDENDS, total=total))
    sentences.append(gettext(BONUSES_NOT_GUARANTEED if illustration.style == BONUS else DIVIDENDS_NOT_GUARANTEED))
    return sentences


def chart_years(illustration: Illustration) -> list[Year]:
    """The years the chart draws: every one of a short illustration, every 5th (and the last) of a long one."""
    years = list(illustration.years)
    if len(years) <= CHART_EVERY_YEAR_UP_TO:
        return years
    return [y for y in years if y.year % CHART_STEP == 0 or y is years[-1]]


def chart(illustration: Illustration) -> str:
    """A line chart by policy year (data URI for an <img>): the guaranteed cash value, what the policy could be
    worth under each scenario, and for bonus products the cover with bonuses at the medium rate."""
    years = chart_years(illustration)
    series = {gettext("Guaranteed cash value"): [y.cash_value for y in years]}
    if illustration.shows_dividends:
        for scenario in SCENARIOS:
            if all(y.total_value[scenario] == y.cash_value for y in years):
                continue  # the line would hide the guaranteed one it equals (the low scenario, usually)
            name = gettext("Total value, %(scenario)s", scenario=label("scenario", scenario))
            series[name] = [y.total_value[scenario] for y in years]
        if illustration.style == BONUS:
            name = gettext("Sum insured with bonuses, %(scenario)s", scenario=label("scenario", "medium"))
            series[name] = [y.sum_insured_with_bonuses["medium"] for y in years]
    return line_chart(
        gettext("Policy value by policy year"),
        [str(y.year) for y in years],
        series,
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
    )
