"""One convention for policy dates, 29 February included: cover, premium periods, policy years and renewal.

An anniversary that does not exist in a year (29 February in a common year) falls on the last day of that
month, 28 February; the cover ends the day before its last anniversary, and a renewal starts the day after.
"""

import calendar
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insure import clock
from insure.policies import services
from insure.policies.billing import FREQUENCY_MONTHS, completed_years, policy_anniversary, schedule
from insure.policies.model import cover_period

D = Decimal
ONE_DAY = timedelta(days=1)

leap_days = st.integers(min_value=2000, max_value=2040).filter(calendar.isleap).map(lambda y: date(y, 2, 29))
month_ends = st.builds(
    lambda y, m: date(y, m, calendar.monthrange(y, m)[1]), st.integers(2000, 2040), st.integers(1, 12)
)
# any date, with 29 February and other month ends drawn often (uniform dates would rarely hit them)
starts = st.one_of(st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)), leap_days, month_ends)
frequencies = st.sampled_from(sorted(FREQUENCY_MONTHS))
terms = st.integers(min_value=1, max_value=30)


@pytest.mark.parametrize(
    ("start", "years", "anniversary", "expiry"),
    [
        (date(2028, 2, 29), 1, date(2029, 2, 28), date(2029, 2, 27)),
        (date(2028, 2, 29), 3, date(2031, 2, 28), date(2031, 2, 27)),
        (date(2028, 2, 29), 4, date(2032, 2, 29), date(2032, 2, 28)),  # a leap year: the 29th again
        (date(2027, 2, 28), 1, date(2028, 2, 28), date(2028, 2, 27)),
        (date(2026, 3, 1), 1, date(2027, 3, 1), date(2027, 2, 28)),
    ],
)
def test_a_29_february_anniversary_falls_on_28_february_and_the_cover_ends_the_day_before(
    start, years, anniversary, expiry
):
    assert policy_anniversary(start, years) == anniversary
    assert cover_period(start, years) == (start, expiry)


def test_a_one_year_cover_from_29_february_and_its_renewal_leave_no_gap():
    # given a one-year cover from 29 February 2028
    _, expiry = cover_period(date(2028, 2, 29), 1)
    # then it ends on 27 February 2029 (365 days of cover), and its renewal starts on the anniversary
    assert expiry == date(2029, 2, 27) and (expiry - date(2028, 2, 29)).days + 1 == 365
    renewal, renewal_expiry = cover_period(expiry + ONE_DAY, 1)
    assert renewal == date(2029, 2, 28) and renewal_expiry == date(2030, 2, 27)


@given(starts, frequencies, terms)
def test_premium_periods_tile_the_cover_exactly(effective, frequency, years):
    # given a policy paid over its whole term, from any start date
    _, expiry = cover_period(effective, years)
    plan = schedule(effective, frequency, years, D("1.00"))
    # then the first period starts with the cover, each starts the day after the one before ends, the last
    # ends with the cover: every day of cover is paid for exactly once
    assert plan[0].period_start == effective
    assert all(later.period_start == earlier.period_end + ONE_DAY for earlier, later in pairwise(plan))
    assert all(i.period_start <= i.period_end for i in plan)
    assert plan[-1].period_end == expiry
    assert sum((i.period_end - i.period_start).days + 1 for i in plan) == (expiry - effective).days + 1


@given(starts, frequencies, terms, terms)
def test_a_shorter_premium_term_ends_on_a_policy_anniversary_within_the_cover(effective, frequency, paying, years):
    # given premiums paid for fewer years than the cover runs
    paying = min(paying, years)
    plan = schedule(effective, frequency, paying, D("1.00"))
    # then they stop the day before an anniversary of the cover, never after the cover ends
    assert plan[-1].period_end == policy_anniversary(effective, paying) - ONE_DAY
    assert plan[-1].period_end <= cover_period(effective, years)[1]


@given(starts, terms, st.integers(min_value=1, max_value=10))
def test_each_renewal_starts_the_day_after_the_cover_before_it_ends(effective, years, renewals):
    # given a cover renewed again and again for the same term
    start, expiry = cover_period(effective, years)
    for _ in range(renewals):
        # when the next term is issued, it starts the day after expiry: no gap, no overlap
        start, next_expiry = cover_period(expiry + ONE_DAY, years)
        # and lasts its full term: 365 or 366 days a year, never a day short because of a 29 February
        assert 365 * years <= (next_expiry - start).days + 1 <= 366 * years
        expiry = next_expiry


@given(starts, frequencies, terms)
def test_policy_years_agree_with_the_premium_periods_and_the_end_of_cover(effective, frequency, years):
    _, expiry = cover_period(effective, years)
    # a premium period's policy year is one more than the years completed on its first day
    for instalment in schedule(effective, frequency, years, D("1.00")):
        assert instalment.policy_year == completed_years(effective, instalment.period_start) + 1
    # the last day of cover is still in the last policy year; the day after, the whole term is complete
    assert completed_years(effective, expiry) == years - 1
    assert completed_years(effective, expiry + ONE_DAY) == years
    assert completed_years(effective, effective) == 0
    assert completed_years(effective, effective - ONE_DAY) == 0


@given(starts, st.integers(min_value=0, max_value=40 * 366))
def test_completed_years_count_the_anniversaries_reached(effective, days):
    on = effective + timedelta(days=days)
    reached = [k for k in range(1, 42) if policy_anniversary(effective, k) <= on]
    assert completed_years(effective, on) == len(reached)


@given(starts, st.integers(min_value=0, max_value=12 * 366))
def test_the_surrender_value_counts_policy_years_the_same_way(effective, days):
    # services.completed_policy_years (surrender values) reads "today" from the clock: pin it, then compare
    on = effective + timedelta(days=days)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "today", lambda: on)
        assert services.completed_policy_years({"effective_date": effective}) == completed_years(effective, on)
