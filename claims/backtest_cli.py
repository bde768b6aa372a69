"""`insure claims backtest [--rules FILE]`: the backtest report as text (or JSON) for the terminal."""

from __future__ import annotations

import json
from pathlib import Path

from claims.backtest import Report, candidate_from, run


def render(report: Report, *, every_claim: bool = False) -> str:
    cur, cand, total = report.current, report.candidate, report.total
    lines = [
        f"backtest over {total} historic claim(s): rules {cur.version} (in force) -> {cand.version} (candidate)",
        f"  straight through: {cur.straight_through} ({cur.rate(total)} %) -> {cand.straight_through} "
        f"({cand.rate(total)} %)",
        f"  referred:         {cur.referred} -> {cand.referred}",
        f"  automatic payout: {cur.automatic_payout} -> {cand.automatic_payout} CNY "
        f"(difference {report.payout_difference} CNY)",
        f"  decisions that change: {len(report.changed)}",
    ]
    rows = report.rows if every_claim else report.changed
    for row in rows:
        mark = "*" if row.changed else " "
        lines.append(
            f"{mark} {row.number:<20} {row.kind:<26} {row.current.outcome:>7} -> {row.candidate.outcome:<7} "
            f"score {row.current.scored.score:>3} -> {row.candidate.scored.score:<3} "
            f"payable {row.current.payable} -> {row.candidate.payable}"
        )
        if row.changed:
            lines.extend(f"      {reason}" for reason in row.candidate.reasons)
    return "\n".join(lines)


async def backtest(
    rules_file: str | None, *, every_claim: bool = False, as_json: bool = False, limit: int | None = None
) -> str:
    candidate = candidate_from(path=Path(rules_file)) if rules_file else candidate_from()
    report = await run(candidate, limit)
    if as_json:
        return json.dumps(report.as_dict(every_claim=every_claim), ensure_ascii=False, indent=2)
    return render(report, every_claim=every_claim)
