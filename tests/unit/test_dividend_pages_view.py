"""The actuary's declaration pages as an actuary reads them: which buttons a declaration offers (and why approval
is refused to its preparer), the progress line, the fund's figures, rates as percentages, and the pages rendered
from plain data in both languages (the preview's figures, the chart with its table, the Chinese glossary terms)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from insure import i18n
from insure.accounts import staff_view
from insure.accounts.preview import PolicyLine, Preview, ProductTotal
from insure.templating import environment

PREPARER, OTHER = {"id": 7, "role": "actuary", "name": "孙精算 Sun"}, {"id": 8, "role": "actuary", "name": "吴精算 Wu"}


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    token = i18n.set_locale("en")
    try:
        yield
    finally:
        i18n._current.reset(token)


@pytest.fixture(params=["en", "zh_CN"])
def locale(request: pytest.FixtureRequest) -> Iterator[str]:
    token = i18n.set_locale(request.param)
    try:
        yield request.param
    finally:
        i18n._current.reset(token)


def names(actions: list[staff_view.Action]) -> dict[str, bool]:
    return {a.name: a.allowed for a in actions}


def test_a_prepared_declaration_cannot_be_approved_by_its_preparer_and_says_why() -> None:
    found = staff_view.actions({"status": "prepared", "prepared_by": 7}, PREPARER)
    assert names(found) == {"approve": False, "withdraw": True}
    assert "another actuary must approve it" in found[0].why_not


def test_another_actuary_may_approve_unless_the_preview_holds_a_problem() -> None:
    assert names(staff_view.actions({"status": "prepared", "prepared_by": 7}, OTHER)) == {
        "approve": True,
        "withdraw": True,
    }
    found = staff_view.actions({"status": "prepared", "prepared_by": 7}, OTHER, "The bonus costs more than the share.")
    assert found[0].why_not == "The bonus costs more than the share."


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        ("computing", {"withdraw": True}),
        ("approved", {"post": True, "withdraw": True}),
        ("posted", {"reverse": True}),
        ("withdrawn", {}),
        ("reversed", {}),
    ],
)
def test_each_status_offers_only_the_buttons_its_life_cycle_allows(status: str, offered: dict[str, bool]) -> None:
    assert names(staff_view.actions({"status": status, "prepared_by": 7}, OTHER)) == offered


def test_progress_reads_as_done_of_total_with_rate_and_time_left() -> None:
    view = staff_view.progress_view(
        {"phase": "contribution", "done": 2500, "total": 10000, "per_second": 812.6, "seconds_left": 9.2}
    )
    assert (view["done"], view["total"], view["percent"], view["per_second"], view["time_left"]) == (
        2500,
        10000,
        25,
        813,
        "9 s",
    )
    assert view["phase"] == "Computing each policy's contribution"  # the engine's run_phase, in words
    assert staff_view.progress_view({"phase": "", "done": 0, "total": 0})["percent"] == 0
    assert staff_view.progress_view({"seconds_left": 125})["time_left"] == "2 min 5 s"


def test_rates_entered_as_fractions_read_as_percentages() -> None:
    assert [staff_view.percent(r) for r in ("0.045", "0.70", "1", "-0.01", None)] == [
        "4.5 %",
        "70 %",
        "100 %",
        "-1 %",
        "—",
    ]


def test_the_funds_results_come_in_a_fixed_order_whatever_the_keys_suffix() -> None:
    rows = staff_view.fund_rows({"reserves_fen": Decimal(5), "premiums": Decimal(100), "note": "not an amount"})
    assert rows == [("Premiums due in the policy year", Decimal(100)), ("Reserves at the year's end", Decimal(5))]
    assert staff_view.fund_rows(None) == []


def test_the_form_follows_the_engines_field_order_with_help_in_plain_words() -> None:
    fields = staff_view.form_fields(("insurer_code", "year", "investment_yield", "policyholder_share", "bonus_rate"))
    assert [f.name for f in fields] == ["investment_yield", "policyholder_share", "bonus_rate"]
    assert "0.045 = 4.5" in fields[0].help
    assert "by regulation" in fields[1].help and fields[1].default == "0.70"
    assert fields[2].bonus_only
    assert staff_view.form_defaults(2026)["policyholder_share"] == "0.70"


# ---- the templates, rendered from plain data ----------------------------------------------------------------------


def render(template: str, user: dict, **context: Any) -> str:
    request = SimpleNamespace(scope={"user": user}, url=SimpleNamespace(path="/staff/dividends"))
    base = {"request": request, "csrf_input": "", "errors": {}, "form": {}}
    return environment().get_template(template).render(**{**base, **context})


DECLARATION = {
    "number": "DV-huaxia-2026-1",
    "insurer_code": "huaxia",
    "year": 2026,
    "status": "prepared",
    "investment_yield": "0.045",
    "mortality_ratio": "0.85",
    "expense_ratio": "0.9",
    "policyholder_share": "0.70",
    "smoothing_transfer_fen": 100_000,
    "accumulation_rate": "0.025",
    "bonus_rate": "0",
    "terminal_bonus_rate": "0",
    "eligible_policies": 2,
    "interest_gain_fen": 300_000,
    "mortality_gain_fen": 50_000,
    "expense_gain_fen": 20_000,
    "distributable_fen": 370_000,
    "policyholder_entitlement_fen": 259_000,
    "bonus_cost_fen": 0,
    "payout_fen": 159_000,
    "raw_total_fen": 170_000,
    "prepared_by": 7,
    "approved_by": None,
    "reason": "",
}
BANDS = [("0–1", 0), ("1–10", 0), ("500–1000", 1), ("1000–5000", 1)]
PREVIEW = Preview(
    number="DV-huaxia-2026-1",
    status="prepared",
    insurer_code="huaxia",
    year=2026,
    investment_yield=Decimal("0.045"),
    mortality_ratio=Decimal("0.85"),
    expense_ratio=Decimal("0.9"),
    policyholder_share=Decimal("0.70"),
    accumulation_rate=Decimal("0.025"),
    bonus_rate=Decimal(0),
    terminal_bonus_rate=Decimal(0),
    ready=True,
    eligible=2,
    interest_gain=Decimal("3000.00"),
    mortality_gain=Decimal("500.00"),
    expense_gain=Decimal("200.00"),
    distributable=Decimal("3700.00"),
    entitlement=Decimal("2590.00"),
    bonus_cost=Decimal(0),
    smoothing_transfer=Decimal("1000.00"),
    smoothing_before=Decimal(0),
    smoothing_after=Decimal("1000.00"),
    payout=Decimal("1590.00"),
    raw_total=Decimal("1700.00"),
    by_product=[
        ProductTotal(
            "wl_par_huaxia",
            "华夏分红终身寿险",
            "Huaxia participating whole life",
            2,
            Decimal("1700.00"),
            Decimal("1590.00"),
            Decimal(0),
        )
    ],
    bands=BANDS,
    largest=[
        PolicyLine(
            "P-000123",
            "wl_par_huaxia",
            Decimal("994.12"),
            Decimal("1062.90"),
            Decimal("900.00"),
            Decimal("112.90"),
            Decimal("50.00"),
        )
    ],
    smallest=[],
    fund_results={"premiums_fen": Decimal("50000.00"), "ledger_benefits_fen": Decimal("1200.00")},
)


def detail(user: dict, **changes: Any) -> str:
    d = {**DECLARATION, **changes}
    return render(
        "accounts/staff/detail.html",
        user,
        d=d,
        insurer_name="华夏人寿",
        status_label=staff_view.status_label(d["status"]),
        prepared_by=PREPARER["name"],
        approved_by="",
        running=d["status"] == "computing",
        progress=staff_view.progress_view({"phase": "contribution", "done": 1, "total": 2}),
        preview=None if d["status"] == "computing" else PREVIEW,
        preview_problem="",
        chart=staff_view.distribution_chart(BANDS),
        actions=staff_view.actions(d, user),
        history=[
            {
                "from_status": "",
                "to_status": "computing",
                "actor": "actuary@insure.test",
                "reason": "",
                "at": datetime(2026, 1, 5, tzinfo=UTC),
            }
        ],
        percent=staff_view.percent,
        fund_rows=staff_view.fund_rows,
        label_status=staff_view.status_label,
    )


def test_the_preview_shows_the_surplus_down_to_the_payout_and_the_chart_with_its_table(locale: str) -> None:
    html = detail(OTHER)
    assert "1,590.00" in html  # the cash payout
    assert "3,700.00" in html  # the distributable surplus
    assert 'src="data:image/svg+xml;base64,' in html and "<img" in html
    assert "1000–5000" in html and "P-000123" in html and "994.12" in html
    assert "50,000.00" in html  # premiums in the fund's results
    assert 'action="/staff/dividends/DV-huaxia-2026-1/approve"' in html
    if locale == "zh_CN":
        for term in ("红利宣告", "可分配盈余", "利差", "死差", "费差", "平滑准备金"):
            assert term in html
    else:
        assert "Distributable surplus" in html and "4.5 %" in html


def test_the_preparer_sees_why_they_cannot_approve_instead_of_a_live_button() -> None:
    html = detail(PREPARER)
    assert "another actuary must approve it" in html
    assert 'action="/staff/dividends/DV-huaxia-2026-1/approve"' not in html


def test_posting_and_reversing_ask_for_a_confirmation_and_a_reason() -> None:
    approved = detail(OTHER, status="approved")
    assert 'name="confirm"' in approved and "/post" in approved and "1,590.00" in approved
    posted = detail(OTHER, status="posted")
    assert 'name="reason"' in posted and 'name="confirm"' in posted and "/reverse" in posted


def test_while_computing_the_page_polls_its_progress_without_a_script() -> None:
    html = detail(OTHER, status="computing")
    assert 'hx-get="/staff/dividends/DV-huaxia-2026-1/progress"' in html and 'hx-trigger="every 2s"' in html
    assert "<progress" in html and "1 of 2 policies" in html
    assert 'id="preview"' not in html


def test_the_form_shows_each_message_at_its_field_and_a_refusal_above_it(locale: str) -> None:
    html = render(
        "accounts/staff/new.html",
        OTHER,
        insurers=[{"code": "huaxia", "name_zh": "华夏人寿", "name_en": "Huaxia Life"}],
        fields=staff_view.form_fields(("investment_yield", "policyholder_share", "bonus_rate")),
        form={"investment_yield": "abc", "policyholder_share": "0.6"},
        errors={"investment_yield": ["Enter a number."]},
        problem="This year is already declared.",
    )
    assert 'id="investment_yield-error">Enter a number.' in html and 'value="abc"' in html
    assert 'id="problem"' in html and "This year is already declared." in html
    assert ("华夏人寿" if locale == "zh_CN" else "Huaxia Life") in html
    assert ("仅适用于增额红利产品" if locale == "zh_CN" else "Reversionary-bonus products only") in html
    assert "4.5 %" in html or "4.5 %" in html  # the help's %% reads as one %
