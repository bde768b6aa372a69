"""The annual notice's figures and the account page's comparison with the illustration (pure: no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from insure.accounts.account_page import compare_years
from insure.accounts.notices import account_around, build
from products.illustration import Year


def entry(id_: int, bucket: str, fen: int, allocation: int | None, kind: str = "dividend") -> dict:
    return {"id": id_, "bucket": bucket, "amount_fen": fen, "allocation_id": allocation, "kind": kind}


HISTORY = [
    entry(1, "accumulated", 10000, 7),  # last year's dividend
    entry(2, "dividends_credited", 10000, 7),
    entry(3, "accumulated", 300, None, "interest"),  # interest at this anniversary, before the new dividend
    entry(4, "accumulated", 12345, 8),  # this year's dividend
    entry(5, "dividends_credited", 12345, 8),
    entry(6, "accumulated", -5000, None, "withdrawal"),  # later: must not change this year's notice
]


def test_the_account_before_is_after_less_this_credit_and_later_moves_are_left_out():
    before, after = account_around(HISTORY, 8)
    assert after["accumulated"] == Decimal("226.45") and before["accumulated"] == Decimal("103.00")
    assert after["dividends_credited"] == Decimal("223.45") and before["dividends_credited"] == Decimal("100.00")
    assert before["paid_out"] == after["paid_out"] == Decimal("0.00")


def test_a_reversal_of_the_allocation_is_not_part_of_its_credit():
    reversed_ = [*HISTORY, entry(7, "accumulated", -12345, 8, "reversal")]
    assert account_around(reversed_, 8) == account_around(HISTORY, 8)


POLICY = {"number": "P1", "product_code": "wl", "product_version": "2026-01-01"}


def _declaration() -> dict:
    return {
        "number": "DV-x-2027-1",
        "insurer_code": "x",
        "year": 2027,
        "eligible_policies": 3,
        "investment_yield": "0.045",
        "mortality_ratio": "0.85",
        "expense_ratio": "0.9",
        "interest_gain_fen": 100,
        "mortality_gain_fen": 50,
        "expense_gain_fen": 0,
        "distributable_fen": 150,
        "policyholder_share": "0.70",
        "policyholder_entitlement_fen": 105,
        "bonus_cost_fen": 0,
        "smoothing_transfer_fen": 5,
        "payout_fen": 100,
        "accumulation_rate": "0.03",
        "bonus_rate": "0",
        "terminal_bonus_rate": "0",
        "fund_results": '{"premiums": "1000.00"}',
    }


def _allocation() -> dict:
    return {
        "id": 8,
        "style": "cash",
        "policy_year": 2,
        "anniversary": date(2027, 3, 1),
        "status": "credited",
        "option_applied": "accumulate",
        "credited_at": None,
        "dividend_fen": 12345,
        "raw_fen": 13000,
        "interest_fen": 9000,
        "mortality_fen": 3000,
        "expense_fen": 1000,
        "bonus_sum_fen": 0,
        "settled_fen": 0,
        "basis": '{"reserve_start": "0.01", "i": "0.035"}',
    }


def test_the_notice_carries_the_sources_the_basis_and_the_fund():
    notice = build(POLICY, _declaration(), _allocation(), HISTORY)
    assert notice.dividend == Decimal("123.45") and notice.contribution == Decimal("130.00")
    assert notice.sources == {"interest": Decimal("90.00"), "mortality": Decimal("30.00"), "expense": Decimal("10.00")}
    assert notice.basis == {"reserve_start": "0.01", "i": "0.035"}
    assert notice.fund.payout == Decimal("1.00") and notice.fund.results == {"premiums": "1000.00"}
    data = notice.as_json()
    assert data["fund"]["investment_yield"] == "0.045" and data["anniversary"] == "2027-03-01"


def year(t: int, medium: str) -> Year:
    d = Decimal(medium)
    return Year(t, 40 + t, Decimal(0), Decimal(0), Decimal(0), Decimal(0), {"medium": d}, {"medium": d * t})


def test_actual_dividends_stand_beside_the_illustration_for_completed_years_only():
    illustrated = tuple(year(t, "10.00") for t in range(1, 31))
    rows = compare_years(illustrated, {1: Decimal("12.00")}, {1: Decimal("12.00"), 2: Decimal("12.36")}, completed=2)
    assert len(rows) == 10  # at least ten years, so the customer sees where the illustration was heading
    assert rows[0].actual == Decimal("12.00") and rows[0].illustrated["medium"] == Decimal("10.00")
    assert rows[1].actual == Decimal("0.00") and rows[1].accumulated == Decimal("12.36")
    assert rows[2].actual is None and rows[2].accumulated is None
    assert len(compare_years(illustrated, {}, {}, completed=12)) == 17
    assert compare_years((), {}, {}, completed=0) == []


def test_a_bonus_notice_shows_the_bonus_added_and_the_statement_in_chinese():
    from types import SimpleNamespace

    from insure import i18n
    from insure.accounts import notices
    from insure.templating import render

    bonus = {**_allocation(), "style": "reversionary_bonus", "bonus_sum_fen": 600000, "dividend_fen": 0}
    notice = build(POLICY, _declaration(), bonus, HISTORY)
    product = SimpleNamespace(insurer_name_zh="长安人寿", insurer_name_en="Chang'an Life")
    with i18n.use_locale("zh_CN"):
        html = render(
            "accounts/_notice_figures.html",
            notice=notice,
            product=product,
            statement=i18n.gettext(notices.STATEMENT),
            **notices.words(),
        )
    assert "本年度增加的保额红利" in html and "6,000.00" in html
    assert "红利分配是不确定的" in html and "累积红利" in html


def test_each_year_shows_the_accumulated_dividends_once_its_dividend_is_in():
    """Year 1's dividend was credited six weeks after its anniversary (the declaration was posted then): the
    year still shows it; each year's balance is the account on the eve of the next anniversary."""
    from insure.accounts.account_page import actuals

    def line(on: date, bucket: str, fen: int) -> dict:
        return {"on": on, "bucket": bucket, "amount_fen": fen, "kind": "dividend", "at": on}

    history = [
        line(date(2025, 4, 15), "accumulated", 10000),
        line(date(2025, 4, 15), "dividends_credited", 10000),
        {**line(date(2025, 6, 1), "", 0), "kind": "option_change"},
        line(date(2026, 3, 1), "accumulated", 300),
        line(date(2026, 3, 1), "accumulated", 12000),
        line(date(2026, 5, 1), "accumulated", -2000),
    ]
    allocations = [
        {"policy_year": 1, "dividend": Decimal("100.00"), "bonus_sum_insured": Decimal("0.00"), "status": "credited"},
        {"policy_year": 2, "dividend": Decimal("120.00"), "bonus_sum_insured": Decimal("0.00"), "status": "credited"},
        {"policy_year": 3, "dividend": Decimal("99.00"), "bonus_sum_insured": Decimal("0.00"), "status": "declared"},
    ]
    actual, accumulated = actuals(allocations, history, date(2024, 3, 1), completed=3)
    assert actual == {1: Decimal("100.00"), 2: Decimal("120.00")}  # a declared dividend is not credited yet
    assert accumulated == {1: Decimal("100.00"), 2: Decimal("203.00"), 3: Decimal("203.00")}
