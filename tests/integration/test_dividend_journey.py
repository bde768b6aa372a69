"""The participating account's whole story over HTTP, with the real worker and beat, through two policy years.

On a private stack (its clock moves two years): customers buy annual-premium participating whole-life policies,
one for each dividend option (Huaxia's fund), plus a reversionary bonus policy and a cash one of Changan's fund.
Each year an actuary prepares the declarations through the staff API, is refused approval of their own, the chief
actuary approves and posts, and the daily batch run (beat → worker) credits each policy on its anniversary.

The expected dividends are recomputed here from the pure formulas of ``insure/accounts/dividends.py`` and the
policies' own facts (not read back from the allocations), then scaled to the payout; the test checks that the
service gave each policy exactly that and that they add up to the payout. The tests of this module are steps of
one story and run in order.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest

from insure.accounts import dividends
from insure.policies.billing import policy_anniversary

from .dividend_journey_helpers import (
    CHANGAN,
    DECLARATIONS,
    HUAXIA,
    OPTIONS,
    STATEMENT_EN,
    STATEMENT_ZH,
    _account,
    _allocation,
    _buy,
    _clock,
    _cny,
    _credited,
    _declare,
    _expected_dividends,
    _facts,
    _fund_numbers,
    _payouts,
    _pdf_text,
    _product_and_terms,
    _rows,
    _schedule,
    _staff,
    _travel_to,
    _trial_balance,
)
from .helpers import auth, wait_for, web_session

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def state(isolated_stack) -> dict:
    """Six policies in force; the clock the day before their first anniversary."""
    with httpx.Client(base_url=isolated_stack.base_url + "/api/v1", timeout=20) as api:
        owners: dict[str, dict] = {}  # one customer a policy: six on one life would need a medical exam
        bought = {option: _buy(api, owners, "wl_par_huaxia", option) for option in OPTIONS}
        bonus = _buy(api, owners, "wl_bonus_changan", None)
        changan = _buy(api, owners, "wl_par_changan", None)
        effective = {date.fromisoformat(p["effective_date"]) for p in [*bought.values(), bonus, changan]}
        assert len(effective) == 1, effective  # bought the same day: one anniversary for all
        start = effective.pop()
        return {
            "customer": owners,
            "policies": bought,
            "bonus": bonus,
            "changan": changan,
            "numbers": [p["number"] for p in [*bought.values(), bonus, changan]],
            "start": start,
            "actuary": _staff(api, "actuary@insure.test"),
            "chief": _staff(api, "chief.actuary@insure.test"),
        }


def test_1_the_option_chosen_at_application_is_on_each_policy(isolated_api, state):
    api, customer = isolated_api, state["customer"]
    for option, policy in state["policies"].items():
        assert policy["dividend_option"] == option
        seen = _account(api, customer, policy["number"])
        assert (seen["style"], seen["option"], seen["values"]["accumulated"]) == ("cash", option, "0.00")
    assert _account(api, customer, state["bonus"]["number"])["style"] == "reversionary_bonus"
    assert state["changan"]["dividend_option"] == "accumulate"  # the product's default


def test_2_first_year_declared_by_one_approved_by_another_posted_and_credited_on_the_anniversary(
    isolated_stack, isolated_api, state
):
    api, customer = isolated_api, state["customer"]
    first = policy_anniversary(state["start"], 1)
    _travel_to(api, first - timedelta(days=1))
    huaxia = _declare(api, state, "huaxia_mutual", first.year, accumulation_rate="0.03", **HUAXIA)
    changan = _declare(api, state, "changan_life", first.year, bonus_rate="0.002", terminal_bonus_rate="0.5", **CHANGAN)
    state["declarations"] = {1: (huaxia, changan)}
    # nothing is credited before the anniversary
    assert all(a["status"] == "declared" for a in _account(api, customer, state["numbers"][0])["allocations"])

    _travel_to(api, first)
    accounts = _credited(api, state, 1)
    state["year1"] = accounts

    # the figures, recomputed here from the formulas and each policy's facts: the fund's every eligible policy
    # (this story's four and the demo seed's Huaxia policies), since each one's share depends on them all
    numbers = _fund_numbers(isolated_stack, huaxia["number"])
    mine = [p["number"] for p in state["policies"].values() if p["number"] in numbers]
    assert len(mine) == 4  # one a dividend option
    facts = _facts(isolated_stack, numbers)
    payout, expected, contributions = _expected_dividends(facts, first.year, HUAXIA)
    assert huaxia["amounts"]["payout"] == _cny(payout)
    assert huaxia["eligible_policies"] == len(numbers)
    for number, fen in ((n, expected[n]) for n in mine):
        allocation = _allocation(accounts[number], 1)
        c = contributions[number]
        assert allocation["dividend"] == _cny(fen), number
        assert allocation["sources"] == {
            "interest": _cny(c.interest_fen),
            "mortality": _cny(c.mortality_fen),
            "expense": _cny(c.expense_fen),
        }
        assert allocation["declaration"] == huaxia["number"]
    assert sum(expected.values()) == payout > 0
    state["expected1"] = expected
    state["facts"] = facts


def test_3_each_option_does_what_it_says_in_the_first_year(isolated_stack, isolated_api, state):
    api, customer, expected = isolated_api, state["customer"], state["expected1"]
    accounts = {o: _account(api, customer, p["number"]) for o, p in state["policies"].items()}
    for option, acc in accounts.items():
        assert _allocation(acc, 1)["option_applied"] == option
        assert acc["values"]["dividends_credited"] == _cny(expected[state["policies"][option]["number"]])

    # cash: paid to the bank account through the gateway
    cash = state["policies"]["cash"]
    paid = wait_for(
        lambda: _payouts(api, customer, cash["number"]),
        lambda ps: ps and ps[0]["status"] == "succeeded",
        timeout=60,
    )
    assert [(p["amount"], p["status"]) for p in paid] == [(_cny(expected[cash["number"]]), "succeeded")]
    assert accounts["cash"]["values"]["accumulated"] == "0.00"
    assert accounts["cash"]["values"]["paid_out"] == _cny(expected[cash["number"]])

    # accumulate: left in the account
    acc = state["policies"]["accumulate"]
    assert accounts["accumulate"]["values"]["accumulated"] == _cny(expected[acc["number"]])

    # premium offset: the premium due today was being collected from the card; the dividend pays part of the next
    offset = state["policies"]["premium_offset"]
    premium = Decimal(offset["premium_per_payment"])
    schedule = _schedule(api, customer, offset["number"])
    lowered = [i for i in schedule if i["paid_by_dividends"] != "0.00"]
    dividend = Decimal(_cny(expected[offset["number"]]))
    assert len(lowered) == 1 and lowered[0]["due_date"] == policy_anniversary(state["start"], 2).isoformat()
    assert (Decimal(lowered[0]["amount"]), Decimal(lowered[0]["paid_by_dividends"])) == (premium - dividend, dividend)
    assert accounts["premium_offset"]["values"]["accumulated"] == "0.00"

    # paid-up additions: the dividend buys cover at the net single premium of the attained age
    pua = state["policies"]["paid_up_additions"]
    product, terms = _product_and_terms(state["facts"][pua["number"]])
    added = dividends.paid_up_addition(expected[pua["number"]], dividends.net_single_premium(product, terms, 1))
    values = accounts["paid_up_additions"]["values"]
    assert values["pua_sum_insured"] == _cny(added) and added > expected[pua["number"]]
    assert Decimal(values["death_benefit"]) == Decimal(pua["sum_insured"]) + Decimal(_cny(added))
    assert values["accumulated"] == "0.00" and Decimal(values["pua_cash_value"]) > 0

    # the reversionary bonus raises the cover; the terminal bonus is the declared rate on it
    bonus = _account(api, customer, state["bonus"]["number"])
    added_bonus = dividends.reversionary_bonus(Decimal("0.002"), 20_000_000, 0)
    assert _allocation(bonus, 1)["option_applied"] == "reversionary_bonus"
    assert bonus["values"]["bonus_sum_insured"] == _cny(added_bonus) == "400.00"
    assert bonus["values"]["terminal_bonus"] == _cny(dividends.terminal_bonus(Decimal("0.5"), added_bonus))
    assert Decimal(bonus["values"]["death_benefit"]) == Decimal("200000") + Decimal("400") + Decimal("200")

    # the changan fund's cash payout is what is left of the policyholders' share once the bonuses' cost is taken
    # off (shared by this story's cash policy and the demo seed's cash policies of the fund)
    changan = state["declarations"][1][1]
    only = _allocation(_account(api, customer, state["changan"]["number"]), 1)
    assert 0 < Decimal(only["dividend"]) <= Decimal(changan["amounts"]["payout"])
    assert Decimal(changan["amounts"]["payout"]) + Decimal(changan["amounts"]["bonus_cost"]) == Decimal(
        changan["amounts"]["policyholder_entitlement"]
    )


def test_4_the_notice_pdf_reads_in_chinese_and_english(isolated_api, state):
    api, customer = isolated_api, state["customer"]
    policy = state["policies"]["accumulate"]
    declaration = state["declarations"][1][0]["number"]
    listed = api.get(f"/policies/{policy['number']}/dividend-notices", headers=auth(customer[policy["number"]])).json()
    assert [n["declaration_number"] for n in listed] == [declaration]
    dividend = _cny(state["expected1"][policy["number"]])
    url = f"/policies/{policy['number']}/dividend-notices/{declaration}"
    with web_session(api, customer[policy["number"]]["email"]) as web:
        assert web.get(url).status_code == 200  # the first view asks for the PDF
        pdf = wait_for(
            lambda: web.get(url + ".pdf"),
            lambda r: r.headers.get("content-type") == "application/pdf",
            timeout=90,
            every=1,
        )
    assert pdf.status_code == 200, pdf.text[:300]
    text = _pdf_text(pdf.content)
    shown = f"{Decimal(dividend):,.2f}"
    for words in ("Annual dividend notice", STATEMENT_EN, "年度红利通知书", STATEMENT_ZH, policy["number"], shown):
        assert words in text, words
    assert "华夏互助人寿" in text and "累积生息" in text  # the insurer and the option, in Chinese


def test_5_second_year_interest_option_change_premium_offset_and_control_account(isolated_stack, isolated_api, state):
    api, customer = isolated_api, state["customer"]
    first, second = policy_anniversary(state["start"], 1), policy_anniversary(state["start"], 2)
    # the second premiums were collected from the saved cards on the first anniversary
    for number in state["numbers"]:
        schedule = _schedule(api, customer, number)
        assert [i["status"] for i in schedule[:2]] == ["paid", "paid"], (number, schedule[:3])

    # during the second year the accumulating policy changes to cash: from the next credit
    acc = state["policies"]["accumulate"]
    r = api.put(
        f"/policies/{acc['number']}/dividend-option", json={"option": "cash"}, headers=auth(customer[acc["number"]])
    )
    assert r.status_code == 200, r.text

    _travel_to(api, second - timedelta(days=1))
    inputs = {**HUAXIA, "investment_yield": "0.06"}
    huaxia = _declare(api, state, "huaxia_mutual", second.year, accumulation_rate="0.035", **inputs)
    _declare(api, state, "changan_life", second.year, bonus_rate="0.002", terminal_bonus_rate="0.5", **CHANGAN)
    _travel_to(api, second)
    accounts = _credited(api, state, 2)

    facts = _facts(isolated_stack, _fund_numbers(isolated_stack, huaxia["number"]))
    payout, expected, _ = _expected_dividends(facts, second.year, inputs)
    assert huaxia["amounts"]["payout"] == _cny(payout)
    for number in (n for n in expected if n in accounts):
        assert _allocation(accounts[number], 2)["dividend"] == _cny(expected[number])

    # the accumulated balance earned a year's interest at the latest declared rate, before the new dividend,
    # which (the option now cash) was paid out
    held = state["expected1"][acc["number"]]
    interest = dividends.interest(held, Decimal("0.035"))
    mine = accounts[acc["number"]]
    assert [h["amount"] for h in mine["history"] if h["kind"] == "interest"] == [_cny(interest)]
    assert mine["values"]["accumulated"] == _cny(held + interest)
    assert (_allocation(mine, 1)["option_applied"], _allocation(mine, 2)["option_applied"]) == ("accumulate", "cash")
    paid = wait_for(
        lambda: _payouts(api, customer, acc["number"]),
        lambda ps: ps and all(p["status"] == "succeeded" for p in ps),
        timeout=60,
    )
    assert [p["amount"] for p in paid] == [_cny(expected[acc["number"]])]

    # the premium offset: the third premium was charged less the first year's dividend
    offset = state["policies"]["premium_offset"]
    premium = Decimal(offset["premium_per_payment"])
    charged = wait_for(
        lambda: api.get(f"/policies/{offset['number']}/payments", headers=auth(customer[offset["number"]])).json(),
        lambda ps: len(ps) == 3 and all(p["status"] != "pending" for p in ps),
        timeout=90,
    )
    amounts = sorted(Decimal(p["amount"]) for p in charged)
    assert amounts == sorted([premium, premium, premium - Decimal(_cny(state["expected1"][offset["number"]]))])
    schedule = _schedule(api, customer, offset["number"])
    due_third = {i["due_date"]: i for i in schedule}[second.isoformat()]
    assert due_third["status"] == "paid"
    nxt = {i["due_date"]: i for i in schedule}[policy_anniversary(state["start"], 3).isoformat()]
    assert nxt["paid_by_dividends"] == _cny(expected[offset["number"]])

    # paid-up additions bought again, at the attained age of the second anniversary
    pua = state["policies"]["paid_up_additions"]
    product, terms = _product_and_terms(state["facts"][pua["number"]])
    bought = sum(
        dividends.paid_up_addition(fen, dividends.net_single_premium(product, terms, t))
        for t, fen in ((1, state["expected1"][pua["number"]]), (2, expected[pua["number"]]))
    )
    assert accounts[pua["number"]]["values"]["pua_sum_insured"] == _cny(bought)

    # the compound reversionary bonus: the rate on the sum insured and the bonuses already added
    bonus = _account(api, customer, state["bonus"]["number"])
    assert bonus["values"]["bonus_sum_insured"] == _cny(
        40_000 + dividends.reversionary_bonus(Decimal("0.002"), 20_000_000, 40_000)
    )

    # the control account equals the sum of the accounts' accumulated buckets (every dividend payout confirmed)
    cash = state["policies"]["cash"]["number"]
    wait_for(
        lambda: _payouts(api, customer, cash),
        lambda ps: len(ps) == 2 and all(p["status"] == "succeeded" for p in ps),
        timeout=60,
    )
    # … over every account of the stack (the demo seed's too), once no dividend payout is in flight (a payout is
    # booked against the control account when the gateway confirms it)
    wait_for(
        lambda: _rows(
            isolated_stack, "SELECT COUNT(*) AS n FROM payout WHERE reason = 'dividend' AND status = 'pending'"
        ),
        lambda rows: int(rows[0]["n"]) == 0,
        timeout=60,
    )
    [held] = _rows(isolated_stack, "SELECT SUM(amount_fen) AS fen FROM account_entry WHERE bucket = 'accumulated'")
    books = _trial_balance(isolated_stack)
    assert books["liability:dividends_accumulated"] == -int(held["fen"])
    assert books.get("liability:dividends_declared", 0) == 0  # every declared dividend credited
    assert first < second


def test_6_a_declaration_posted_after_the_anniversary_is_credited_at_posting_not_a_day_later(isolated_api, state):
    """The third anniversary passes (the day's batch runs are done) before the year is declared: posting credits
    the dividends of anniversaries already past that same business day (docs/dividends.md, "Crediting")."""
    api = isolated_api
    third = policy_anniversary(state["start"], 3)
    _travel_to(api, third)
    admin = _staff(api, "admin@insure.test")
    runs = wait_for(
        lambda: api.get("/admin/batches", params={"job": "credit_dividends"}, headers=admin).json(),
        lambda rs: any(r["business_day"] == third.isoformat() and r["status"] == "done" for r in rs),
        timeout=150,
        every=2,
    )
    assert any(r["business_day"] == third.isoformat() and r["status"] == "done" for r in runs), runs
    state["declaration3"] = _declare(api, state, "huaxia_mutual", third.year, accumulation_rate="0.035", **HUAXIA)
    numbers = [p["number"] for p in state["policies"].values()]
    accounts = wait_for(
        lambda: {n: _account(api, state["customer"], n) for n in numbers},
        lambda found: all(
            any(a["policy_year"] == 3 and a["status"] == "credited" for a in acc["allocations"])
            for acc in found.values()
        ),
        timeout=90,
        every=2,
    )
    assert _clock(api) == third
    assert {n: [a["status"] for a in acc["allocations"] if a["policy_year"] == 3] for n, acc in accounts.items()} == {
        n: ["credited"] for n in numbers
    }


def test_7_a_credited_declaration_reversed_takes_back_what_is_still_in_the_accounts(
    isolated_stack, isolated_api, state
):
    """The third year's declaration, credited, is reversed: the dividends left in the accounts and the cover they
    bought are taken back; money already paid out (cash, premium offset) leaves the accumulated balance negative;
    the control accounts follow the accounts."""
    api, customer, chief = isolated_api, state["customer"], state["chief"]
    number = state["declaration3"]["number"]
    for option, count in (("cash", 3), ("accumulate", 2)):  # every dividend paid in cash, confirmed
        paid = wait_for(
            lambda n=state["policies"][option]["number"]: _payouts(api, customer, n),
            lambda ps, c=count: len(ps) == c and all(p["status"] == "succeeded" for p in ps),
            timeout=60,
        )
        assert [p["status"] for p in paid] == ["succeeded"] * count, (option, paid)
    numbers = {option: p["number"] for option, p in state["policies"].items()}
    before = {option: _account(api, customer, n) for option, n in numbers.items()}
    dividend = {option: Decimal(_allocation(acc, 3)["dividend"]) for option, acc in before.items()}

    r = api.post(f"{DECLARATIONS}/{number}/reverse", json={"reason": "the yield was mistyped"}, headers=chief)
    assert r.status_code == 202, r.text
    reversed_ = wait_for(
        lambda: api.get(f"{DECLARATIONS}/{number}", headers=chief).json(),
        lambda b: b["status"] == "reversed",
        timeout=90,
        every=0.5,
    )
    assert reversed_["status"] == "reversed", reversed_
    after = {option: _account(api, customer, n) for option, n in numbers.items()}
    for option, acc in after.items():
        assert _allocation(acc, 3)["status"] == "reversed", option
        assert (
            Decimal(acc["values"]["dividends_credited"])
            == Decimal(before[option]["values"]["dividends_credited"]) - dividend[option]
        ), option
    # paid out in money (cash; the accumulating policy now on cash; the premium offset): owed back by the account
    for option in ("cash", "accumulate", "premium_offset"):
        assert (
            Decimal(after[option]["values"]["accumulated"])
            == Decimal(before[option]["values"]["accumulated"]) - dividend[option]
        ), option
    # the paid-up cover the dividend bought is taken back
    pua = after["paid_up_additions"]["values"]
    assert Decimal(pua["pua_sum_insured"]) < Decimal(before["paid_up_additions"]["values"]["pua_sum_insured"])
    assert pua["accumulated"] == before["paid_up_additions"]["values"]["accumulated"]

    wait_for(  # no dividend payout in flight: each is booked against the control account when confirmed
        lambda: _rows(
            isolated_stack, "SELECT COUNT(*) AS n FROM payout WHERE reason = 'dividend' AND status = 'pending'"
        ),
        lambda rows: int(rows[0]["n"]) == 0,
        timeout=60,
    )
    books = _trial_balance(isolated_stack)
    [held] = _rows(isolated_stack, "SELECT SUM(amount_fen) AS fen FROM account_entry WHERE bucket = 'accumulated'")
    assert books["liability:dividends_accumulated"] == -int(held["fen"])  # every account of the stack
    assert books.get("liability:dividends_declared", 0) == 0
