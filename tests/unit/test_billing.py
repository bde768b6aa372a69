"""Billing: premium schedules, grace and lapse, free-look, reinstatement — the dates and fen a customer is told."""

import calendar
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insure.money import MoneyError, from_fen
from insure.policies.billing import (
    FREQUENCY_MONTHS,
    GRACE_DAYS_DEFAULT,
    REINSTATEMENT_WINDOW_YEARS,
    Arrears,
    Instalment,
    add_months,
    can_reinstate,
    due_between,
    free_look_ends,
    grace_ends,
    in_free_look,
    is_lapsed,
    lapses_on,
    refund_on_free_look,
    reinstatement_arrears,
    schedule,
    split_schedule,
)
from insure.policies.model import cover_period

D = Decimal
ONE_DAY = timedelta(days=1)

effective_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
frequencies = st.sampled_from(sorted(FREQUENCY_MONTHS))
terms = st.integers(min_value=1, max_value=30)
amounts = st.integers(min_value=0, max_value=10**9).map(from_fen)


def test_constants_match_the_design():
    assert FREQUENCY_MONTHS == {"annual": 12, "semi_annual": 6, "quarterly": 3, "monthly": 1}
    assert GRACE_DAYS_DEFAULT == 60
    assert REINSTATEMENT_WINDOW_YEARS == 2


# --- add_months -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 1, 31), 2, date(2024, 3, 31)),
        (date(2024, 1, 31), 3, date(2024, 4, 30)),
        (date(2024, 11, 15), 3, date(2025, 2, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 5, 10), 0, date(2024, 5, 10)),
    ],
)
def test_add_months_keeps_the_day_of_month_and_clamps_to_the_month_end(day, months, expected):
    # given an anchor date, when months are added, then the same day-of-month is kept, or the month's last day
    assert add_months(day, months) == expected


def test_add_months_refuses_a_datetime():
    # given a datetime (a date subclass carrying a time), when used as a billing date, then it is refused
    with pytest.raises(TypeError):
        add_months(datetime(2024, 1, 31, 12, 0), 1)


# --- schedules --------------------------------------------------------------------------------------------------


def test_a_monthly_policy_from_the_31st_is_due_on_the_31st_whenever_the_month_has_one():
    # given a monthly policy effective 31 January 2024, when its schedule is made
    plan = schedule(date(2024, 1, 31), "monthly", 1, D("100.00"))
    # then it falls due at the month end in short months and returns to the 31st afterwards
    assert [i.due_date for i in plan[:5]] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]
    # and each period ends the day before the next begins
    assert (plan[0].period_start, plan[0].period_end) == (date(2024, 1, 31), date(2024, 2, 28))
    assert (plan[1].period_start, plan[1].period_end) == (date(2024, 2, 29), date(2024, 3, 30))
    assert plan[-1] == Instalment(12, date(2024, 12, 31), date(2024, 12, 31), date(2025, 1, 30), D("100.00"), 1)


def test_a_single_premium_is_one_annual_instalment_covering_the_year():
    # given a single-premium policy, when scheduled as annual for one year, then there is one payment for the year
    assert schedule(date(2025, 3, 1), "annual", 1, D("5000")) == (
        Instalment(1, date(2025, 3, 1), date(2025, 3, 1), date(2026, 2, 28), D("5000.00"), 1),
    )


def test_a_quarterly_schedule_numbers_instalments_and_policy_years():
    # given a quarterly policy paying for three years, when scheduled, then there are 12 payments, 4 per policy year
    plan = schedule(date(2025, 6, 15), "quarterly", 3, D("250.00"))
    assert [i.number for i in plan] == list(range(1, 13))
    assert [i.policy_year for i in plan] == [1] * 4 + [2] * 4 + [3] * 4
    assert plan[4].due_date == date(2026, 6, 15)


def test_split_schedule_gives_the_remainder_to_the_last_instalment_of_each_year():
    # given 100.00 a year paid monthly without a modal loading, when split, then eleven 8.33 and one 8.37 each year
    plan = split_schedule(date(2025, 1, 1), "monthly", 2, D("100.00"))
    assert [i.amount for i in plan[:12]] == [D("8.33")] * 11 + [D("8.37")]
    assert [i.amount for i in plan[12:]] == [D("8.33")] * 11 + [D("8.37")]


@pytest.mark.parametrize("make", [schedule, split_schedule])
@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((date(2025, 1, 1), "weekly", 1, D("10")), ValueError),
        ((date(2025, 1, 1), "monthly", 0, D("10")), ValueError),
        ((date(2025, 1, 1), "monthly", 1, 10.0), TypeError),
        ((date(2025, 1, 1), "monthly", 1, D("10.005")), MoneyError),
        ((date(2025, 1, 1), "monthly", 1, D("-10")), MoneyError),
        (("2025-01-01", "monthly", 1, D("10")), TypeError),
    ],
)
def test_bad_schedule_input_is_refused_with_a_clear_error(make, args, error):
    # given an unknown frequency, no premium term, a float, sub-fen or negative amount, or a non-date
    # when a schedule is asked for, then it is refused rather than producing a wrong bill
    with pytest.raises(error):
        make(*args)


@given(effective_dates, frequencies, terms, amounts, st.booleans())
def test_periods_have_no_gaps_or_overlaps_and_cover_exactly_the_premium_term(
    effective, frequency, years, amount, split
):
    # given any effective date, frequency, premium term and amount, when the schedule is made
    plan = (split_schedule if split else schedule)(effective, frequency, years, amount)
    # then there is one instalment per payment, the first period starts on the effective date,
    assert len(plan) == years * 12 // FREQUENCY_MONTHS[frequency]
    assert plan[0].period_start == effective
    # each period is non-empty and starts the day after the previous one ended,
    for earlier, later in pairwise(plan):
        assert later.period_start == earlier.period_end + ONE_DAY
    assert all(i.period_start <= i.period_end for i in plan)
    # and the last ends the day before the premium term's anniversary
    assert plan[-1].period_end == add_months(effective, 12 * years) - ONE_DAY


@given(st.one_of(effective_dates, st.sampled_from([date(2024, 2, 29), date(2028, 2, 29)])), frequencies, terms)
def test_billing_ends_where_the_cover_ends_for_any_date_even_29_february(effective, frequency, years):
    # given a policy whose cover and premium terms are equal, starting on any date (29 February included:
    # both count anniversaries the same way, 28 February in a common year)
    # when scheduled, then the last premium period ends on the cover's expiry date
    plan = schedule(effective, frequency, years, D("1"))
    assert plan[-1].period_end == cover_period(effective, years)[1]


@given(effective_dates, frequencies, terms, amounts)
def test_each_policy_years_split_instalments_add_up_exactly_to_the_annual_premium(effective, frequency, years, annual):
    # given a product without a modal loading, when its annual premium is split into instalments
    plan = split_schedule(effective, frequency, years, annual)
    by_year: dict[int, list[Decimal]] = defaultdict(list)
    for instalment in plan:
        by_year[instalment.policy_year].append(instalment.amount)
    # then every policy year is billed exactly the annual premium, in equal parts but the last, none negative
    assert sorted(by_year) == list(range(1, years + 1))
    for parts in by_year.values():
        assert len(parts) == 12 // FREQUENCY_MONTHS[frequency]
        assert sum(parts) == annual
        assert len(set(parts[:-1])) <= 1
        assert all(part >= 0 for part in parts)
        assert all(part == part.quantize(D("0.01")) for part in parts)


@given(effective_dates, frequencies, terms)
def test_due_dates_strictly_increase_and_the_day_of_month_never_drifts(effective, frequency, years):
    # given any schedule, when its due dates are read
    plan = schedule(effective, frequency, years, D("10.00"))
    # then each is later than the one before and falls on the effective day-of-month, or the month's last day
    assert all(a.due_date < b.due_date for a, b in pairwise(plan))
    for instalment in plan:
        due = instalment.due_date
        assert due == instalment.period_start
        assert due.day == min(effective.day, calendar.monthrange(due.year, due.month)[1])


# --- grace and lapse --------------------------------------------------------------------------------------------


def test_grace_ends_sixty_days_after_the_due_date_and_the_policy_lapses_the_day_after():
    # given a premium due 1 March 2025 and the default 60 days of grace
    due = date(2025, 3, 1)
    # then the last day to pay is 30 April and cover stops from 1 May
    assert grace_ends(due, GRACE_DAYS_DEFAULT) == date(2025, 4, 30)
    assert lapses_on(due, GRACE_DAYS_DEFAULT) == date(2025, 5, 1)


@pytest.mark.parametrize(
    ("on", "lapsed"),
    [(date(2025, 4, 29), False), (date(2025, 4, 30), False), (date(2025, 5, 1), True)],
    ids=["day before grace ends", "last day of grace", "day after grace"],
)
def test_an_unpaid_premium_lapses_the_policy_only_after_the_last_day_of_grace(on, lapsed):
    # given a premium due 1 March 2025 still unpaid, when checked on a day around the end of grace
    # then the policy is still in force up to and including the last day of grace, and lapsed after it
    assert is_lapsed(date(2025, 3, 1), 60, on) is lapsed


def test_negative_grace_is_refused():
    with pytest.raises(ValueError):
        grace_ends(date(2025, 3, 1), -1)


# --- free-look --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "inside"),
    [
        (date(2025, 1, 9), False),
        (date(2025, 1, 10), True),
        (date(2025, 1, 24), True),
        (date(2025, 1, 25), True),
        (date(2025, 1, 26), False),
    ],
    ids=["before delivery", "delivery day", "day before it ends", "last day", "day after"],
)
def test_free_look_runs_from_delivery_to_delivery_plus_fifteen_days_inclusive(on, inside):
    # given a policy delivered on 10 January 2025 with 15 days of free-look, then its last day is 25 January
    assert free_look_ends(date(2025, 1, 10), 15) == date(2025, 1, 25)
    # when the customer asks to cancel on a day around it, then only days inside the period qualify
    assert in_free_look(date(2025, 1, 10), 15, on) is inside


def test_a_product_without_free_look_never_offers_one():
    # given a product stating 0 free-look days, when the customer asks on the delivery day, then there is none
    assert in_free_look(date(2025, 1, 10), 0, date(2025, 1, 10)) is False


def test_free_look_refund_is_the_full_premium_less_the_stated_cost_and_never_negative():
    assert refund_on_free_look(D("1200.00"), D("20.00")) == D("1180.00")
    assert refund_on_free_look(D("1200.00"), D("0")) == D("1200.00")
    assert refund_on_free_look(D("10.00"), D("20.00")) == D("0.00")
    with pytest.raises(TypeError):
        refund_on_free_look(1200.0, D("20.00"))


# --- reinstatement ----------------------------------------------------------------------------------------------


def _due(number: int, due_date: date, amount: str) -> Instalment:
    return Instalment(number, due_date, due_date, add_months(due_date, 1) - ONE_DAY, D(amount), 1)


def test_arrears_interest_by_hand():
    # given 1,000.00 unpaid for 90 days at 5 % a year, when reinstating
    on = date(2025, 6, 1)
    missed = _due(1, on - timedelta(days=90), "1000.00")
    arrears = reinstatement_arrears([missed], on, D("0.05"))
    # then interest is 1000 × 0.05 × 90 / 365 = 12.3287… → 12.33, on top of the premium
    assert arrears == Arrears((missed,), D("1000.00"), D("12.33"), D("1012.33"))


def test_arrears_interest_is_rounded_once_on_the_sum_not_per_instalment():
    # given three instalments of 29.20 each one day overdue at 5 % (0.004 interest each, 0.012 together)
    on = date(2025, 6, 2)
    missed = [_due(n, date(2025, 6, 1), "29.20") for n in (1, 2, 3)]
    # when the arrears are computed, then the exact sum is rounded: 0.01, where rounding each would give 0.00
    arrears = reinstatement_arrears(missed, on, D("0.05"))
    assert (arrears.premium, arrears.interest, arrears.total) == (D("87.60"), D("0.01"), D("87.61"))


def test_arrears_interest_rounds_half_up():
    # given interest of exactly half a fen (182.50 × 1 % × 1/365 = 0.005), then it rounds up to 0.01
    assert reinstatement_arrears([_due(1, date(2025, 6, 1), "182.50")], date(2025, 6, 2), D("0.01")).interest == D(
        "0.01"
    )


def test_arrears_refuse_instalments_not_yet_due_listed_twice_or_a_float_rate():
    on = date(2025, 6, 1)
    with pytest.raises(ValueError):
        reinstatement_arrears([_due(1, on + ONE_DAY, "10.00")], on, D("0.05"))
    with pytest.raises(ValueError):
        reinstatement_arrears([_due(1, on, "10.00"), _due(1, on, "10.00")], on, D("0.05"))
    with pytest.raises(TypeError):
        reinstatement_arrears([_due(1, on, "10.00")], on, 0.05)


@pytest.mark.parametrize(
    ("lapsed_on", "on", "allowed"),
    [
        (date(2024, 3, 1), date(2024, 2, 29), False),
        (date(2024, 3, 1), date(2024, 3, 1), True),
        (date(2024, 3, 1), date(2026, 2, 28), True),
        (date(2024, 3, 1), date(2026, 3, 1), True),
        (date(2024, 3, 1), date(2026, 3, 2), False),
        (date(2024, 2, 29), date(2026, 2, 28), True),
        (date(2024, 2, 29), date(2026, 3, 1), False),
    ],
    ids=["before lapse", "lapse day", "day before 2 years", "2 years to the day", "day after", "29 Feb", "29 Feb +1"],
)
def test_reinstatement_is_possible_for_two_calendar_years_after_lapse_inclusive(lapsed_on, on, allowed):
    assert can_reinstate(lapsed_on, on) is allowed


# --- billing scans ----------------------------------------------------------------------------------------------


def test_due_between_finds_what_falls_due_in_the_window_inclusive():
    # given a monthly schedule from 15 January, when the billing scan covers 15 March to 15 May
    plan = schedule(date(2025, 1, 15), "monthly", 1, D("50.00"))
    found = due_between(plan, date(2025, 3, 15), date(2025, 5, 15))
    # then the instalments due on both edges and between are found, in order
    assert [i.due_date for i in found] == [date(2025, 3, 15), date(2025, 4, 15), date(2025, 5, 15)]
    assert due_between(plan, date(2025, 3, 16), date(2025, 4, 14)) == ()
    with pytest.raises(ValueError):
        due_between(plan, date(2025, 5, 1), date(2025, 4, 1))
