"""The annual dividend at scale: N participating policies, the declaration engine against hand-written SQL.

    .venv/bin/python bench/dividend_bench.py --policies 1000000 --db postgres
    .venv/bin/python bench/dividend_bench.py --policies 100000 --db sqlite

1. A fresh database (PostgreSQL at 127.0.0.1:5432, trust: ``insure_bench_dividends``, dropped and recreated; SQLite:
   a file in a temporary VAR_DIR), migrated; one customer and two actuaries; N policies bulk-loaded
   (``bench/dividend_load.py``: COPY / executemany). Load time reported.
2. *The engine*, in a child process (its peak RSS is the worker's: VmHWM from /proc/self/status, at start-up and
   at the end): ``declarations.prepare`` by one actuary, ``declaration_run.run(id)`` in-process (what the worker
   task does), ``approve`` by the other actuary, ``post`` and ``declaration_posting.run_posting(id)``. Compute and
   posting timed separately.
3. *The baseline* (``bench/dividend_baseline.py``): the same declaration's inputs, the unit values per pricing key
   from Python, one INSERT … SELECT computing every dividend, one UPDATE posting them, into ``bench_allocation``.
4. *Verification*: every eligible policy's interest, mortality and expense sources, raw and dividend, engine
   against baseline, row by row (and, with ``--reference``, both against ``dividends.contribution`` and
   ``scale_to_payout`` called per policy in Python).

Prints one line of figures (N, load s, engine compute s, posting s, total s, baseline s, ratio, peak RSS MB) and
``VERIFIED`` or the mismatches (exit status 1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

if TYPE_CHECKING:
    import dividend_baseline

PG = os.environ.get("DIVIDEND_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("DIVIDEND_BENCH_DATABASE", "insure_bench_dividends")  # the PG pass of the tests: its own
INPUTS = {  # the declaration the bench makes (Chang'an Life's fund)
    "insurer_code": "changan_life",
    "investment_yield": "0.052",
    "mortality_ratio": "0.82",
    "expense_ratio": "0.91",
    "policyholder_share": "0.75",
    "smoothing_transfer": "0",
    "accumulation_rate": "0.03",
    "bonus_rate": "0",
    "terminal_bonus_rate": "0",
}
ACTUARIES = ("bench.actuary@example.test", "bench.chief@example.test")


def peak_rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process, MB."""
    fields = dict(
        line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("Vm")
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


# ------------------------------------------------------------------------------------------------- set-up


def fresh_database(kind: str) -> dict[str, str]:
    """The environment of a new, migrated database of the bench's own."""
    var = tempfile.mkdtemp(prefix="insure-dividend-bench-")
    env = {**os.environ, "VAR_DIR": var, "REDIS_URL": "", "PYTHONPATH": str(ROOT)}
    if kind == "postgres":
        env["DATABASE_URL"] = f"{PG}/{DATABASE}"
        subprocess.run(
            ["psql", f"{PG}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'], check=True
        )
        subprocess.run(["psql", f"{PG}/postgres", "-qc", f'CREATE DATABASE "{DATABASE}"'], check=True)
    else:
        env["DATABASE_URL"] = f"sqlite:///{var}/insure.sqlite3"
    subprocess.run([sys.executable, "-m", "insure", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


async def people() -> int:
    """One customer who owns every policy, and the two actuaries (one prepares, the other approves)."""
    from insure.auth.tables import User

    customer = await User.insert(
        User(email="bench.customer@example.test", password_hash="x", name="Bench Customer")
    ).returning(User.id)
    for email in ACTUARIES:
        await User.insert(User(email=email, password_hash="x", name=email.split("@")[0], role="actuary"))
    return customer[0]["id"]


async def load(kind: str, n: int, year: int) -> float:
    import dividend_load

    from insure import clock, clock_store, db
    from insure.settings import get_settings

    await db.start_pool()
    await clock_store.refresh(force=True)
    customer = await people()
    today = clock.today()
    await db.close_pool()
    started = time.perf_counter()
    settings = get_settings()
    if kind == "postgres":
        await dividend_load.load_postgres(settings.database_url, n, year=year, customer_id=customer, today=today)
    else:
        await asyncio.to_thread(
            dividend_load.load_sqlite, str(settings.sqlite_path), n, year=year, customer_id=customer, today=today
        )
    return time.perf_counter() - started


# ------------------------------------------------------------------------------------ the engine (child)


async def engine(year: int) -> dict:
    """Prepare, run, approve, post through H1's services, timed; in a process of its own."""
    from insure import clock_store, db
    from insure.accounts import declaration_posting, declaration_run, declarations
    from insure.accounts.declaration_inputs import parse_declaration
    from insure.auth.tables import User

    await db.start_pool()
    await clock_store.refresh(force=True)
    _, start_peak = peak_rss_mb()
    preparer = await User.select().where(User.email == ACTUARIES[0]).first()
    approver = await User.select().where(User.email == ACTUARIES[1]).first()
    t0 = time.perf_counter()
    row = await declarations.prepare(preparer, parse_declaration({**INPUTS, "year": year}))
    t1 = time.perf_counter()
    await declaration_run.run(row["id"], force=True)
    t2 = time.perf_counter()
    await declarations.approve(approver, row["number"])
    t3 = time.perf_counter()
    await declarations.post(approver, row["number"])
    await declaration_posting.run_posting(row["id"], force=True)
    t4 = time.perf_counter()
    final = await declarations.get(row["number"])
    _, peak = peak_rss_mb()
    await db.close_pool()
    return {
        "declaration_id": row["id"],
        "status": final["status"],
        "eligible": final["eligible_policies"],
        "payout_fen": final["payout_fen"],
        "prepare_s": t1 - t0,
        "compute_s": t2 - t1,
        "approve_s": t3 - t2,
        "post_s": t4 - t3,
        "total_s": t4 - t0,
        "rss_start_mb": start_peak,
        "rss_peak_mb": peak,
    }


async def through_worker(year: int, worker_pid: int) -> dict:
    """The same declaration through a real ``insure worker`` process (filesystem broker in the bench's VAR_DIR):
    prepare and post here, the run and the posting on the worker; its processes' peak RSS from /proc."""
    from insure import clock_store, db, outbox
    from insure.accounts import declarations
    from insure.accounts.declaration_inputs import parse_declaration
    from insure.auth.tables import User

    await db.start_pool()
    await clock_store.refresh(force=True)
    preparer = await User.select().where(User.email == ACTUARIES[0]).first()
    approver = await User.select().where(User.email == ACTUARIES[1]).first()

    async def until(number: str, status: str) -> None:
        while (await declarations.get(number))["status"] != status:
            await outbox.relay_pending()
            await asyncio.sleep(0.5)

    t0 = time.perf_counter()
    row = await declarations.prepare(preparer, parse_declaration({**INPUTS, "year": year}))
    await until(row["number"], "prepared")
    t1 = time.perf_counter()
    await declarations.approve(approver, row["number"])
    t2 = time.perf_counter()
    await declarations.post(approver, row["number"])
    await until(row["number"], "posted")
    t3 = time.perf_counter()
    final = await declarations.get(row["number"])
    await db.close_pool()
    return {
        "declaration_id": row["id"],
        "status": final["status"],
        "eligible": final["eligible_policies"],
        "payout_fen": final["payout_fen"],
        "prepare_s": 0.0,
        "compute_s": t1 - t0,
        "approve_s": t2 - t1,
        "post_s": t3 - t2,
        "total_s": t3 - t0,
        "rss_start_mb": 0.0,
        "rss_peak_mb": max(_peak_of(pid) for pid in _family(worker_pid)),
    }


def _family(pid: int) -> list[int]:
    """The process and its descendants (the Celery pool's processes)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        children = Path(f"/proc/{p}/task/{p}/children")
        if children.exists():
            todo += [int(c) for c in children.read_text().split()]
    return found


def _peak_of(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_with_worker(env: dict[str, str], year: int) -> dict:
    log = open(Path(env["VAR_DIR"]) / "worker.log", "w")  # noqa: SIM115 - open for the worker's lifetime
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "insure",
            "worker",
            "--queues",
            "default",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        time.sleep(5)  # the worker connects to the broker
        return asyncio.run(through_worker(year, worker.pid))
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def run_engine_child(env: dict[str, str], year: int, profile: str | None) -> dict:
    cmd = [sys.executable]
    if profile:
        cmd += ["-m", "cProfile", "-o", profile]
    cmd += [str(Path(__file__).resolve()), "--engine-child", "--year", str(year)]
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"the engine's process failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------- the notices' PDFs (child)


async def notices(declaration_id: int, sample: int) -> dict:
    """Time the real notice renderer (H5's ``notice_delivery.render_pdf``: figures, both languages, wkhtmltopdf,
    stored) on ``sample`` allocations credited first through H3's ``crediting.credit_allocation`` (a notice exists
    once its dividend is credited), and extrapolate to every eligible policy."""
    try:
        from insure.accounts import crediting, notice_delivery
    except ImportError as exc:  # the account and notice branches are not merged here
        return {"skipped": str(exc)}
    from insure import clock, clock_store, db

    await db.start_pool()
    await clock_store.refresh(force=True)
    today = clock.today()
    rows = await _raw(
        "SELECT a.id FROM dividend_allocation a JOIN policy p ON p.id = a.policy WHERE a.declaration = {}"
        " AND a.status = 'declared' AND a.anniversary <= {} AND p.dividend_option = 'accumulate'"
        " ORDER BY a.id LIMIT {}",
        declaration_id,
        today,
        sample + 1,
    )
    ids = [r["id"] for r in rows]
    for allocation_id in ids:
        await crediting.credit_allocation(allocation_id, today)
    await notice_delivery.render_pdf(ids[0])  # warm-up: templates compiled, wkhtmltopdf's first start
    started = time.perf_counter()
    rendered = sum([await notice_delivery.render_pdf(i) for i in ids[1:]])
    each = (time.perf_counter() - started) / max(1, len(ids) - 1)
    await db.close_pool()
    return {"sample": len(ids) - 1, "rendered": rendered, "seconds_each": each}


async def _raw(sql: str, *args: object) -> list[dict]:
    from insure.accounts.tables import DividendAllocation

    return await DividendAllocation.raw(sql, *args)


# ------------------------------------------------------------------------------- baseline and verification


async def connect(kind: str) -> dividend_baseline.Db:
    import dividend_baseline

    from insure.settings import get_settings

    settings = get_settings()
    if kind == "postgres":
        import asyncpg

        return dividend_baseline.Db(await asyncpg.connect(settings.database_url), True)
    import sqlite3

    return dividend_baseline.Db(sqlite3.connect(str(settings.sqlite_path)), False)


def inputs(declaration_id: int, year: int) -> dividend_baseline.Inputs:
    import dividend_baseline

    return dividend_baseline.Inputs(
        declaration_id=declaration_id,
        insurer_code=INPUTS["insurer_code"],
        year=year,
        investment_yield=Decimal(INPUTS["investment_yield"]),
        mortality_ratio=Decimal(INPUTS["mortality_ratio"]),
        expense_ratio=Decimal(INPUTS["expense_ratio"]),
        policyholder_share=Decimal(INPUTS["policyholder_share"]),
        smoothing_transfer_fen=int(Decimal(INPUTS["smoothing_transfer"]) * 100),
    )


async def baseline(kind: str, declaration_id: int, year: int) -> dict:
    import dividend_baseline

    db = await connect(kind)
    await dividend_baseline.prepare_table(db)
    result = await dividend_baseline.run(db, inputs(declaration_id, year))
    await (db.conn.close() if db.postgres else asyncio.sleep(0))
    if not db.postgres:
        db.conn.close()
    return result


COMPARED = ("interest_fen", "mortality_fen", "expense_fen", "raw_fen", "dividend_fen")


async def compare(kind: str, declaration_id: int, table: str = "dividend_allocation") -> dict:
    """Row by row: the engine's allocations (of this declaration) against bench_allocation."""
    db = await connect(kind)
    differ = " OR ".join(f"a.{c} <> b.{c}" for c in COMPARED)
    ((engine_rows, engine_sum),) = await db.fetch(
        f"SELECT count(*), coalesce(sum(dividend_fen), 0) FROM {table} WHERE declaration = {declaration_id}"
    )
    ((base_rows, base_sum),) = await db.fetch("SELECT count(*), coalesce(sum(dividend_fen), 0) FROM bench_allocation")
    ((matched, different),) = await db.fetch(
        f"SELECT count(*), coalesce(sum(CASE WHEN {differ} THEN 1 ELSE 0 END), 0) FROM {table} a"
        f" JOIN bench_allocation b ON b.policy = a.policy WHERE a.declaration = {declaration_id}"
    )
    samples = await db.fetch(
        f"SELECT a.policy, {', '.join(f'a.{c}, b.{c}' for c in COMPARED)} FROM {table} a"
        f" JOIN bench_allocation b ON b.policy = a.policy WHERE a.declaration = {declaration_id} AND ({differ}) LIMIT 5"
    )
    await (db.conn.close() if db.postgres else asyncio.sleep(0))
    if not db.postgres:
        db.conn.close()
    equal = engine_rows == base_rows == matched and different == 0 and engine_sum == base_sum
    return {
        "engine_rows": engine_rows,
        "baseline_rows": base_rows,
        "matched": matched,
        "different": int(different),
        "engine_sum_fen": int(engine_sum),
        "baseline_sum_fen": int(base_sum),
        "equal": equal,
        "samples": [[int(v) for v in s] for s in samples],
    }


async def reference(kind: str, year: int) -> dict:
    """The same dividends policy by policy in Python with the shared arithmetic (dividends.contribution and
    scale_to_payout), written to ``bench_reference``: a check of the baseline that needs no engine."""
    import dividend_baseline

    from insure.accounts import dividends
    from insure.money import quantize, to_fen
    from insure.policies.billing import policy_anniversary
    from products import services as product_services

    db = await connect(kind)
    inp = inputs(0, year)
    codes = ", ".join(f"'{c}'" for c in dividend_baseline.cash_products(inp.insurer_code))
    rows = await db.fetch(
        "SELECT id, product_code, insured_birth_date, insured_sex, smoker, effective_date, policy_term_years,"
        " premium_term_years, sum_insured_fen, annual_premium_fen FROM policy"
        f" WHERE insurer_code = '{inp.insurer_code}'"
        f" AND product_code IN ({codes}) AND status = 'in_force'"
    )
    experience = dividends.Experience(inp.investment_yield, inp.mortality_ratio, inp.expense_ratio)
    out, sums = [], [0, 0, 0]
    for pid, code, birth, sex, smoker, effective, n, k, s_fen, g_fen in rows:
        birth, effective = (v if isinstance(v, date) else date.fromisoformat(v) for v in (birth, effective))
        t = year - effective.year
        if t < 1 or (n is not None and t > n) or policy_anniversary(effective, t).year != year:
            continue
        product = product_services.product(code, on=dividend_baseline.VERSION)
        terms = dividends.policy_terms(
            product,
            birth_date=birth,
            sex=sex,
            smoker=bool(smoker),
            effective=effective,
            policy_term_years=n,
            premium_term_years=k,
        )
        c = dividends.contribution(product, terms, t, Decimal(s_fen) / 100, Decimal(g_fen) / 100, experience)
        out.append((pid, c.interest_fen, c.mortality_fen, c.expense_fen, c.raw_fen))
        sums = [sums[0] + c.interest_fen, sums[1] + c.mortality_fen, sums[2] + c.expense_fen]
    distributable = Decimal(max(0, sum(sums))) / 100
    payout = to_fen(quantize(inp.policyholder_share * distributable)) - inp.smoothing_transfer_fen
    scaled = dividends.scale_to_payout([(r[0], r[4]) for r in out], payout)
    await db.execute("DROP TABLE IF EXISTS bench_reference")
    await db.execute(
        "CREATE TABLE bench_reference (policy int, declaration int, interest_fen bigint, mortality_fen bigint,"
        " expense_fen bigint, raw_fen bigint, dividend_fen bigint)"
    )
    await db.executemany("INSERT INTO bench_reference VALUES (?, 0, ?, ?, ?, ?, ?)", [(*r, scaled[r[0]]) for r in out])
    if not db.postgres:
        db.conn.commit()
        db.conn.close()
    else:
        await db.conn.close()
    return {"rows": len(out), "payout_fen": payout}


# ------------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", type=int, default=100_000)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="sqlite")
    parser.add_argument("--year", type=int, default=2026, help="the declaration year")
    parser.add_argument("--reference", action="store_true", help="also check against the per-policy Python")
    parser.add_argument("--no-engine", action="store_true", help="baseline (and --reference) only")
    parser.add_argument("--profile", help="cProfile output file of the engine's child process")
    parser.add_argument("--notices", type=int, default=20, help="notice PDFs to render as a sample (0: none)")
    parser.add_argument("--worker", action="store_true", help="run and post on a real `insure worker` process")
    parser.add_argument("--engine-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--notices-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine_child:
        print(json.dumps(asyncio.run(engine(args.year))))
        return
    if args.notices_child:
        print(json.dumps(asyncio.run(notices(args.notices_child, args.notices))))
        return

    env = fresh_database(args.db)
    os.environ.update({k: env[k] for k in ("VAR_DIR", "DATABASE_URL", "REDIS_URL")})
    load_s = asyncio.run(load(args.db, args.policies, args.year))
    print(f"loaded {args.policies:,} policies in {load_s:.1f} s", flush=True)
    figures: dict = {"db": args.db, "policies": args.policies, "load_s": round(load_s, 2)}
    ok = True
    if args.no_engine:
        declaration_id = 1
    else:
        result = run_with_worker(env, args.year) if args.worker else run_engine_child(env, args.year, args.profile)
        declaration_id = result["declaration_id"]
        figures["engine"] = result
        print(f"engine: {json.dumps(result)}", flush=True)
    base = asyncio.run(baseline(args.db, declaration_id, args.year))
    figures["baseline"] = base
    print(f"baseline: {json.dumps(base)}", flush=True)
    if not args.no_engine:
        check = asyncio.run(compare(args.db, declaration_id))
        figures["engine_vs_baseline"] = check
        figures["ratio"] = round(figures["engine"]["total_s"] - figures["engine"]["approve_s"], 3) / base["total_s"]
        ok = ok and check["equal"]
    if args.reference:
        ref = asyncio.run(reference(args.db, args.year))
        check = asyncio.run(compare(args.db, 0, table="bench_reference"))
        figures["reference"] = {**ref, **check}
        ok = ok and check["equal"]
    if not args.no_engine and args.notices:
        out = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--notices-child",
                str(declaration_id),
                "--notices",
                str(args.notices),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if out.returncode:
            figures["notices"] = {"failed": out.stderr[-2000:]}
        else:
            pdf = json.loads(out.stdout.strip().splitlines()[-1])
            if "seconds_each" in pdf:
                eligible = figures["engine"]["eligible"]
                pdf["all_hours_one_process"] = pdf["seconds_each"] * eligible / 3600
                pdf["all_hours_two_cores"] = pdf["all_hours_one_process"] / 2
            figures["notices"] = pdf
        print(f"notices: {json.dumps(figures['notices'])[:2000]}", flush=True)
    print(json.dumps(figures))
    if not args.no_engine:
        e = figures["engine"]
        print(
            f"N={args.policies} db={args.db} load={load_s:.1f}s engine compute={e['prepare_s'] + e['compute_s']:.1f}s"
            f" posting={e['post_s']:.1f}s total={e['total_s'] - e['approve_s']:.1f}s baseline={base['total_s']:.1f}s"
            f" ratio={figures['ratio']:.2f} peak_rss={e['rss_peak_mb']:.0f}MB (start {e['rss_start_mb']:.0f}MB)"
        )
    if args.db == "sqlite":  # the database file is the bench's own; PostgreSQL's stays for a look until next run
        shutil.rmtree(env["VAR_DIR"], ignore_errors=True)
    print("VERIFIED: engine and baseline agree fen for fen" if ok else "MISMATCH", flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
