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
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dividend_verify import INPUTS, baseline, compare, reference  # noqa: E402  (bench/ is on the path)

if TYPE_CHECKING:
    pass

PG = os.environ.get("DIVIDEND_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("DIVIDEND_BENCH_DATABASE", "insure_bench_dividends")  # the PG pass of the tests: its own
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
