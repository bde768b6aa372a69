"""The participating fund's results for a declaration year, shown on the preview and the notices.

Two kinds of figure, each stated exactly (fen):

- from the run, over the year's eligible policies (``declaration_run`` adds them chunk by chunk):
  ``premiums_fen`` the gross annual premiums G due in the policy year; ``expenses_fen`` the expenses actually
  incurred, E′ = expense ratio × the expenses priced into those premiums; ``investment_income_fen`` the actual
  yield i′ on the fund's assets at the start of the year, (S·V(t−1) + G − E) × i′; ``reserves_fen`` the net
  premium reserves at the year's end, Σ S·V(t) on the pricing basis;
- from the ledger, over journal entries dated in the experience year — the calendar year before the declaration
  year, whose results the declaration shares out (a declaration for 2026 is made early in 2026 on 2025's
  experience) — whose source is a policy of the fund (its
  payments, claims, payouts and the policy itself): ``ledger_premiums_fen`` premium written (credits to
  ``income:premium_written``) and ``ledger_benefits_fen`` benefits paid (claims, surrender values, maturity
  benefits: debits to those expense accounts).
"""

from __future__ import annotations

from datetime import UTC, datetime

from insure.accounts.declaration_sql import participating_products
from insure.accounts.tables import DividendAllocation
from insure.errors import N_
from insure.ledger import entries

# The names the preview and the notices show for these figures (the keys without their ``_fen`` suffix; the
# preview calls the two ledger figures ``premiums_written`` and ``benefits``).
LABELS: dict[str, str] = {
    "premiums": N_("Premiums due in the policy year"),
    "expenses": N_("Expenses incurred"),
    "investment_income": N_("Investment income"),
    "reserves": N_("Reserves at the year's end"),
    "ledger_premiums": N_("Premium written in the experience year (ledger)"),
    "ledger_benefits": N_("Benefits paid in the experience year (ledger)"),
    "premiums_written": N_("Premium written in the experience year (ledger)"),
    "benefits": N_("Benefits paid in the experience year (ledger)"),
}
BENEFIT_ACCOUNTS = (entries.CLAIMS_PAID, entries.SURRENDER_VALUES, entries.MATURITY_BENEFITS)
RUN_FIGURES = ("premiums_fen", "expenses_fen", "investment_income_fen", "reserves_fen")


async def ledger_results(insurer_code: str, year: int) -> dict[str, int]:
    """Premium written and benefits paid on the insurer's participating policies (fen) in the experience year: the
    calendar year before the declaration year ``year``."""
    codes = sorted({code for code, _ in participating_products(insurer_code)}) or [""]
    accounts = (entries.PREMIUM_WRITTEN, *BENEFIT_ACCOUNTS)
    rows = await DividendAllocation.raw(
        "SELECT la.code AS code, SUM(l.debit_fen) AS debit, SUM(l.credit_fen) AS credit FROM journal_line l "
        "JOIN ledger_account la ON la.id = l.account JOIN journal_entry e ON e.id = l.entry "
        "LEFT JOIN payment pm ON e.source_type = 'payment' AND pm.id = e.source_id "
        "LEFT JOIN claim c ON e.source_type = 'claim' AND c.id = e.source_id "
        "LEFT JOIN payout po ON e.source_type = 'payout' AND po.id = e.source_id "
        "JOIN policy p ON p.id = COALESCE(pm.policy, c.policy, po.policy, "
        "CASE WHEN e.source_type = 'policy' THEN e.source_id END) "
        f"WHERE p.insurer_code = {{}} AND p.product_code IN ({', '.join('{}' for _ in codes)}) "
        f"AND e.posted_at >= {{}} AND e.posted_at < {{}} AND la.code IN ({', '.join('{}' for _ in accounts)}) "
        "GROUP BY la.code",
        insurer_code,
        *codes,
        datetime(year - 1, 1, 1, tzinfo=UTC),
        datetime(year, 1, 1, tzinfo=UTC),
        *accounts,
    )
    by_code = {r["code"]: (int(r["debit"] or 0), int(r["credit"] or 0)) for r in rows}
    premiums = by_code.get(entries.PREMIUM_WRITTEN, (0, 0))
    return {
        "ledger_premiums_fen": premiums[1] - premiums[0],
        "ledger_benefits_fen": sum(
            by_code.get(code, (0, 0))[0] - by_code.get(code, (0, 0))[1] for code in BENEFIT_ACCOUNTS
        ),
    }
