"""What a declaration will do, before anyone approves it: its figures and a few aggregate queries over its
allocations (never a row per policy in memory: the fund may hold a million)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from insure.accounts.declaration_sql import participating_products
from insure.accounts.fund_results import RUN_FIGURES
from insure.accounts.model import DeclarationStatus, DividendStyle
from insure.accounts.tables import Declaration, DividendAllocation
from insure.errors import N_
from insure.money import from_fen

# the bands of the distribution of cash dividends, in CNY: (lowest inclusive, highest exclusive or None)
BANDS: tuple[tuple[int, int | None], ...] = (
    (0, 1),
    (1, 10),
    (10, 50),
    (50, 100),
    (100, 500),
    (500, 1000),
    (1000, 5000),
    (5000, None),
)
# the fund's figures (insure.accounts.fund_results, which says exactly what each is) as the preview names them
FUND_FIGURES = {
    "premiums_fen": "premiums",  # gross premiums G of the policy year, over the eligible policies
    "ledger_premiums_fen": "premiums_written",  # premium written in the experience year (ledger)
    "ledger_benefits_fen": "benefits",  # claims, surrender values, maturity benefits paid in the experience year
    "expenses_fen": "expenses",  # actual expenses E′ = expense ratio × E
    "investment_income_fen": "investment_income",  # (S·V(t−1) + G − E) × i′
    "reserves_fen": "reserves",  # Σ S·V(t) at the year's end
}
PROBLEMS = {
    "bonus_exceeds_share": N_(
        "The reversionary bonuses cost more than the policyholders' share of the surplus: lower the bonus rate."
    ),
    "payout_negative": N_(
        "The smoothing transfer is larger than what is left of the policyholders' share: the payout would be negative."
    ),
    "no_cash_policies": N_("There is a payout but no cash-dividend policy with a contribution to share it."),
}


@dataclass(frozen=True)
class ProductTotal:
    code: str
    name_zh: str
    name_en: str
    policies: int
    raw: Decimal  # Σ contribution dividends before scaling
    dividend: Decimal  # Σ cash dividends declared
    bonus: Decimal  # Σ reversionary bonuses added to the cover


@dataclass(frozen=True)
class PolicyLine:
    policy_number: str
    product_code: str
    dividend: Decimal
    raw: Decimal
    interest: Decimal
    mortality: Decimal
    expense: Decimal


@dataclass(frozen=True)
class Preview:
    """Every figure in CNY. ``problem`` (a code, with ``problem_message``) is set when the declaration cannot be
    approved as computed; ``fund_results`` are the figures of insure.accounts.fund_results in CNY, named as in
    ``FUND_FIGURES``: premiums, premiums_written, benefits, expenses, investment_income, reserves."""

    number: str
    status: str
    insurer_code: str
    year: int
    investment_yield: Decimal
    mortality_ratio: Decimal
    expense_ratio: Decimal
    policyholder_share: Decimal
    accumulation_rate: Decimal
    bonus_rate: Decimal
    terminal_bonus_rate: Decimal
    ready: bool  # computed (prepared or later): the figures below are final
    eligible: int
    interest_gain: Decimal
    mortality_gain: Decimal
    expense_gain: Decimal
    distributable: Decimal
    entitlement: Decimal
    bonus_cost: Decimal
    smoothing_transfer: Decimal
    smoothing_before: Decimal
    smoothing_after: Decimal
    payout: Decimal
    raw_total: Decimal
    by_product: list[ProductTotal] = field(default_factory=list)
    bands: list[tuple[str, int]] = field(default_factory=list)
    largest: list[PolicyLine] = field(default_factory=list)
    smallest: list[PolicyLine] = field(default_factory=list)
    fund_results: dict[str, Decimal] = field(default_factory=dict)
    problem: str = ""
    problem_message: str = ""


def problem_of(row: dict) -> str:
    """Why a computed declaration cannot be approved ("" when it can)."""
    if row["status"] == DeclarationStatus.COMPUTING:
        return ""
    if row["bonus_cost_fen"] > row["policyholder_entitlement_fen"]:
        return "bonus_exceeds_share"
    if row["payout_fen"] < 0:
        return "payout_negative"
    if row["payout_fen"] > 0 and row["raw_total_fen"] <= 0:
        return "no_cash_policies"
    return ""


async def smoothing_reserve(insurer_code: str, *, excluding: int | None = None) -> int:
    """The fund's smoothing reserve (fen): the transfers of its posted declarations."""
    query = Declaration.select(Declaration.smoothing_transfer_fen).where(
        (Declaration.insurer_code == insurer_code) & (Declaration.status == DeclarationStatus.POSTED)
    )
    if excluding is not None:
        query = query.where(Declaration.id != excluding)
    return sum(r["smoothing_transfer_fen"] for r in await query)


def _band_label(low: int, high: int | None) -> str:
    return f"{low}+" if high is None else f"{low}–{high}"


async def _bands(declaration_id: int) -> list[tuple[str, int]]:
    cases = " ".join(
        f"WHEN dividend_fen >= {low * 100}" + (f" AND dividend_fen < {high * 100}" if high else "") + f" THEN {n}"
        for n, (low, high) in enumerate(BANDS)
    )
    rows = await DividendAllocation.raw(
        f"SELECT CASE {cases} END AS band, COUNT(*) AS n FROM dividend_allocation "
        "WHERE declaration = {} AND style = {} GROUP BY band",
        declaration_id,
        str(DividendStyle.CASH),
    )
    counts = {int(r["band"]): int(r["n"]) for r in rows if r["band"] is not None}
    return [(_band_label(low, high), counts.get(n, 0)) for n, (low, high) in enumerate(BANDS)]


async def _lines(declaration_id: int, largest: bool) -> list[PolicyLine]:
    order = "DESC" if largest else "ASC"
    rows = await DividendAllocation.raw(
        "SELECT p.number AS number, p.product_code AS product, a.dividend_fen AS d, a.raw_fen AS r, "
        "a.interest_fen AS i, a.mortality_fen AS m, a.expense_fen AS e FROM dividend_allocation a "
        "JOIN policy p ON p.id = a.policy WHERE a.declaration = {} AND a.style = {} "
        f"ORDER BY a.dividend_fen {order}, a.raw_fen {order}, a.policy LIMIT 10",
        declaration_id,
        str(DividendStyle.CASH),
    )
    return [
        PolicyLine(
            r["number"],
            r["product"],
            from_fen(int(r["d"])),
            from_fen(int(r["r"])),
            from_fen(int(r["i"])),
            from_fen(int(r["m"])),
            from_fen(int(r["e"])),
        )
        for r in rows
    ]


async def _by_product(row: dict) -> list[ProductTotal]:
    rows = await DividendAllocation.raw(
        "SELECT p.product_code AS code, COUNT(*) AS n, SUM(a.raw_fen) AS r, SUM(a.dividend_fen) AS d, "
        "SUM(a.bonus_sum_fen) AS b FROM dividend_allocation a JOIN policy p ON p.id = a.policy "
        "WHERE a.declaration = {} GROUP BY p.product_code ORDER BY p.product_code",
        row["id"],
    )
    names = {code: (p.name_zh, p.name_en) for (code, _), p in participating_products(row["insurer_code"]).items()}
    return [
        ProductTotal(
            r["code"],
            *names.get(r["code"], (r["code"], r["code"])),
            int(r["n"]),
            from_fen(int(r["r"] or 0)),
            from_fen(int(r["d"] or 0)),
            from_fen(int(r["b"] or 0)),
        )
        for r in rows
    ]


async def build(row: dict) -> Preview:
    """The preview of a declaration row (its aggregates only while it is still computing)."""
    ready = row["status"] != DeclarationStatus.COMPUTING
    before = await smoothing_reserve(row["insurer_code"], excluding=row["id"])
    transfer = row["smoothing_transfer_fen"]
    results = row["fund_results"] if isinstance(row["fund_results"], dict) else json.loads(row["fund_results"] or "{}")
    code = problem_of(row)
    return Preview(
        number=row["number"],
        status=row["status"],
        insurer_code=row["insurer_code"],
        year=row["year"],
        investment_yield=Decimal(row["investment_yield"]),
        mortality_ratio=Decimal(row["mortality_ratio"]),
        expense_ratio=Decimal(row["expense_ratio"]),
        policyholder_share=Decimal(row["policyholder_share"]),
        accumulation_rate=Decimal(row["accumulation_rate"]),
        bonus_rate=Decimal(row["bonus_rate"]),
        terminal_bonus_rate=Decimal(row["terminal_bonus_rate"]),
        ready=ready,
        eligible=row["eligible_policies"] if ready else row["run_total"],
        interest_gain=from_fen(row["interest_gain_fen"]),
        mortality_gain=from_fen(row["mortality_gain_fen"]),
        expense_gain=from_fen(row["expense_gain_fen"]),
        distributable=from_fen(row["distributable_fen"]),
        entitlement=from_fen(row["policyholder_entitlement_fen"]),
        bonus_cost=from_fen(row["bonus_cost_fen"]),
        smoothing_transfer=from_fen(transfer),
        smoothing_before=from_fen(before),
        smoothing_after=from_fen(before + transfer),
        payout=from_fen(row["payout_fen"]),
        raw_total=from_fen(row["raw_total_fen"]),
        by_product=await _by_product(row) if ready else [],
        bands=await _bands(row["id"]) if ready else [],
        largest=await _lines(row["id"], True) if ready else [],
        smallest=await _lines(row["id"], False) if ready else [],
        fund_results={FUND_FIGURES[k]: from_fen(int(v)) for k, v in results.items() if k in FUND_FIGURES},
        problem=code,
        problem_message=PROBLEMS.get(code, ""),
    )


__all__ = ["BANDS", "FUND_FIGURES", "RUN_FIGURES", "PolicyLine", "Preview", "ProductTotal", "build", "problem_of"]
