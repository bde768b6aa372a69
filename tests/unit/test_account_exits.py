"""The participating account at every exit (issue 11, H4): the pure breakdown and booking (exit_rules), the
option chosen at application, the death cover with paid-up additions and bonuses, and — on the test database —
a surrender quote and its settlement, a free-look refusal and a lapse's forfeit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from claims.coverage import cover_limit
from insure.accounts import dividends
from insure.accounts.exit_rules import ExitQuote, account_moves, exit_lines
from insure.applications import dividend_option
from insure.ledger import entries
from products import services as products

SURRENDER = ExitQuote(
    reason="surrender",
    on=date(2030, 6, 1),
    base_fen=500_000,
    accumulated_fen=12_000,
    interest_fen=120,
    pua_value_fen=8_000,
    bonus_value_fen=0,
    terminal_fen=0,
    pro_rata_fen=3_000,
    pua_sum_insured_fen=20_000,
    pua_book_fen=7_500,
    declared_fen=7_000,
    allocation_id=9,
)


def _net(lines: tuple, account: str) -> int:
    return sum(line.debit_fen - line.credit_fen for line in lines if line.account == account)


def test_the_breakdown_lists_each_part_and_adds_up_to_the_total() -> None:
    parts = SURRENDER.parts()
    assert [code for code, _, _ in parts] == ["guaranteed", "accumulated", "interest", "pua", "pro_rata"]
    assert sum(fen for _, _, fen in parts) == SURRENDER.total_fen == 523_120


def test_a_policy_without_an_account_shows_only_its_guaranteed_value() -> None:
    plain = ExitQuote(reason="surrender", on=date(2030, 1, 1), base_fen=0)
    assert [code for code, _, _ in plain.parts()] == ["guaranteed"]
    assert exit_lines(plain, entries.SURRENDER_VALUES) == ()
    assert account_moves(plain) == []


def test_the_exit_empties_every_bucket_and_records_what_left_in_money() -> None:
    moved: dict[str, int] = {}
    for bucket, fen in account_moves(SURRENDER):
        moved[bucket] = moved.get(bucket, 0) + fen
    assert moved["accumulated"] == -SURRENDER.accumulated_fen  # the balance held goes to zero
    assert moved["pua_sum_insured"] == -SURRENDER.pua_sum_insured_fen
    assert moved["paid_out"] == SURRENDER.account_fen
    assert moved["dividends_credited"] == SURRENDER.pro_rata_fen


def test_the_exit_entry_balances_releases_the_book_values_and_leaves_the_guaranteed_part_as_expense() -> None:
    lines = exit_lines(SURRENDER, entries.SURRENDER_VALUES)
    entries.validate_entry(lines)  # balanced, no zero lines
    assert _net(lines, entries.DIVIDENDS_ACCUMULATED) == 12_000  # the bucket's balance
    assert _net(lines, entries.PAID_UP_ADDITIONS) == 7_500  # the additions' book value
    assert _net(lines, entries.DIVIDENDS_DECLARED) == 7_000  # the settled allocation, whole
    assert _net(lines, entries.POLICYHOLDER_DIVIDENDS) == -4_000  # the part not paid is given back
    assert _net(lines, entries.DIVIDEND_INTEREST) == 120
    assert _net(lines, entries.BONUS_EXPENSE) == 500  # the additions are worth more today than they cost
    # the payout later debits the whole total to surrender values: what stays there is the guaranteed part
    assert _net(lines, entries.SURRENDER_VALUES) + SURRENDER.total_fen == SURRENDER.base_fen


def test_additions_worth_less_than_they_cost_credit_the_bonus_expense() -> None:
    cheap = ExitQuote(reason="surrender", on=date(2030, 1, 1), pua_value_fen=7_000, pua_book_fen=7_500)
    lines = exit_lines(cheap, entries.SURRENDER_VALUES)
    entries.validate_entry(lines)
    assert _net(lines, entries.BONUS_EXPENSE) == -500


def test_a_death_books_the_account_against_claims_paid_and_pays_no_guaranteed_part() -> None:
    death = ExitQuote(
        reason="death",
        on=date(2031, 1, 1),
        accumulated_fen=1_000,
        pua_value_fen=20_000,
        pua_sum_insured_fen=20_000,
        pua_book_fen=9_000,
        terminal_fen=300,
    )
    assert [code for code, _, _ in death.parts()] == ["accumulated", "pua", "terminal"]
    lines = exit_lines(death, entries.CLAIMS_PAID)
    entries.validate_entry(lines)
    assert _net(lines, entries.CLAIMS_PAID) == -death.account_fen


# ------------------------------------------------------------------------------------ the death cover


def test_the_death_limit_adds_the_account_cover_and_other_benefits_do_not() -> None:
    death = SimpleNamespace(percent_of_sum_insured=Decimal(100), benefit="death")
    medical = SimpleNamespace(percent_of_sum_insured=Decimal(100), benefit="medical")
    extra = Decimal("12345.67")  # paid-up additions + bonuses + terminal bonus
    assert cover_limit(Decimal(100_000), death, extra) == Decimal("112345.67")
    assert cover_limit(Decimal(100_000), medical, extra) == Decimal("100000.00")
    assert cover_limit(Decimal(100_000), death) == Decimal("100000.00")


# ------------------------------------------------------------------------------ the option at application


def _par() -> object:
    return products.product("wl_par_huaxia", on=date(2026, 1, 1))


def test_the_option_chosen_is_kept_and_none_chosen_takes_the_products_default() -> None:
    product = _par()
    assert dividend_option.chosen(product, "accumulate") == ("accumulate", None)
    assert dividend_option.chosen(product, "") == (product.participation.default_option, None)  # type: ignore[attr-defined]


def test_an_option_the_product_does_not_offer_is_refused_on_its_field() -> None:
    value, error = dividend_option.chosen(_par(), "lottery")
    assert value == "" and error is not None
    assert (error.field, error.code) == ("dividend_option", "option_not_offered")


def test_a_product_that_is_not_participating_stores_no_option() -> None:
    plain = products.product("pa_basic", on=date(2026, 1, 1))
    assert dividend_option.offered(plain) == ()
    assert dividend_option.chosen(plain, "") == ("", None)
    assert dividend_option.chosen(plain, "cash")[1] is not None
    assert dividend_option.policy_option(plain, "cash") == ""


def test_every_option_offered_has_a_label_and_a_sentence() -> None:
    for code in dividend_option.offered(_par()):
        label, sentence = dividend_option.OPTION_TEXT[code]
        assert label and sentence.endswith(".")


@pytest.mark.parametrize("days,expected", [(0, 0), (73, 1_000), (365, 5_000)])
def test_the_days_interest_is_the_yearly_rate_for_the_days(days: int, expected: int) -> None:
    assert dividends.interest(200_000, Decimal("0.025"), days, 365) == expected
