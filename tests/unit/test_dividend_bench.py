"""The dividend benchmark at a tiny size: the hand-written SQL baseline is only a fair yardstick if it pays every
policy exactly what the declaration engine pays. Given 300 policies loaded by the bench's bulk loader on SQLite,
when the bench runs a declaration through the engine (prepare, run, approve, post) and the baseline, then every
eligible policy's three sources, raw dividend and dividend agree fen for fen — and both agree with the shared
arithmetic called policy by policy (``dividends.contribution``, ``scale_to_payout``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_engine_and_baseline_pay_every_policy_the_same_fen() -> None:
    _check("sqlite")


@pytest.mark.skipif(not os.environ.get("INSURE_TEST_POSTGRES"), reason="PostgreSQL only (CI's PostgreSQL pass)")
def test_on_postgres_the_set_based_engine_pays_every_policy_the_same_fen() -> None:
    """The same on PostgreSQL, where the engine computes in SQL (NUMERIC) rather than Decimal per policy."""
    admin = os.environ["INSURE_TEST_POSTGRES"]
    database = f"{admin.rsplit('/', 1)[1]}_bench"
    try:
        _check("postgres", {"DIVIDEND_BENCH_PG": admin.rsplit("/", 1)[0], "DIVIDEND_BENCH_DATABASE": database})
    finally:  # the bench keeps its PostgreSQL database for a look; the test's goes
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'], check=False)


def _check(db: str, env: dict[str, str] | None = None) -> None:
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "dividend_bench.py"),
            "--policies",
            "300",
            "--db",
            db,
            "--reference",
            "--notices",
            "0",
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    lines = out.stdout.strip().splitlines()
    assert lines[-1] == "VERIFIED: engine and baseline agree fen for fen"
    figures = json.loads(next(line for line in reversed(lines) if line.startswith("{")))
    engine, check, reference = figures["engine"], figures["engine_vs_baseline"], figures["reference"]
    assert engine["status"] == "posted"
    # the loader's noise (another insurer's fund, lapsed policies) is left out by both; the rest is paid
    assert 250 < engine["eligible"] < 300
    assert check["engine_rows"] == check["baseline_rows"] == check["matched"] == engine["eligible"]
    assert check["different"] == 0
    assert check["engine_sum_fen"] == check["baseline_sum_fen"] == engine["payout_fen"] > 0
    assert reference["different"] == 0 and reference["matched"] == engine["eligible"]
    assert figures["baseline"]["post_s"] >= 0 and engine["rss_peak_mb"] > 0
