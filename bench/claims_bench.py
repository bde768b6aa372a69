"""Claims straight through: FNOL -> paid over HTTP with a real Celery worker, against the same steps in-process.

    .venv/bin/python bench/claims_bench.py [--claims 1000] [--rate 0] [--baseline-claims 200]

On PostgreSQL (127.0.0.1:5432, trust; a fresh database of its own, dropped at the end) and Redis
(127.0.0.1:6379, db 12 as the broker):

1. *Baseline*: in this process, with no broker and no HTTP, ``--baseline-claims`` claims run the same services
   one after another: ``file_claim`` -> ``documents.upload`` (x4) -> ``run_assessment`` -> ``pay`` ->
   ``settle_payout`` (the sandbox gateway's confirmation). Claims per second, and statements per claim.
2. *The system*: ``insure web`` (1 uvicorn process), ``insure worker`` (a separate Celery process, 2 pool
   processes) and ``insure beat``. An asyncio client files ``--claims`` claims over HTTP at a steady rate
   (``--rate`` claims/s; 0: the baseline's rate), each on its own policy, then uploads its four required
   documents (POST /api/v1/claims/{number}/documents, one request each), as a claimant does. The worker may assess
   the claim before the last one arrives: it then waits for them (``awaiting_documents``) and the upload that
   completes it starts the assessment again — both paths are part of FNOL -> paid. FNOL -> paid = ``paid_at -
   created_at`` of each claim (both written by the services, web and worker); p50, p99, and claims/s from the
   first filing to the last payment; the ratio to the baseline (goal >= 0.5).

Every claim is one that goes straight through on the merged workflow (issue 10): an accidental medical expense
of 800 CNY on pa_basic as one itemised invoice (its number unique), pays 630 CNY, within the automatic limit;
complete (identity card as a PNG, invoices, expense list, discharge summary as PDFs, each file's bytes distinct:
the same file on two claims is a fraud signal); and no other signal fires: each policy has an insured of its own
(the frequent-claims signal counts an insured's claims) and a bank account of its own (an account shared by
unrelated claimants is a signal).
3. *The client*: the same client drives GET /health (a no-op endpoint) flat out for a few seconds in the same
   run: if it does many times the claim rate, the client is not the bottleneck.

Statements are counted by a small asyncpg hook (``sitecustomize`` on PYTHONPATH for web, worker and beat; the
same hook in this process for the baseline): every query Piccolo sends, BEGIN and COMMIT included, not the pool's
connection resets.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG = "postgres://postgres@127.0.0.1:5432"
BROKER = "redis://127.0.0.1:6379/12"
PASSWORD = "bench passphrase 2026"
CLAIM = {"coverage_code": "accidental_medical", "description": "Sprained an ankle on the office stairs"}
AMOUNT = "800"  # one invoice; pays 630 CNY (pa_basic's deductible and co-insurance), within the automatic limit
DOCUMENTS = ("claimant_id", "invoices", "expense_list", "discharge_summary")  # the medical kind's (claims.kinds)


def claim_body(policy_number: str, loss: date) -> dict:
    """A complete expense claim: its one invoice numbered after the policy (a shared number is a fraud signal)."""
    invoice = {
        "number": f"BENCH-{policy_number}",
        "issuer": "Bench District Hospital",
        "date": loss.isoformat(),
        "amount": AMOUNT,
        "social_insurance": "0",
    }
    return {**CLAIM, "loss_date": loss.isoformat(), "invoices": [invoice]}


def document(claim_number: str, doc_type: str) -> tuple[str, bytes]:
    """(file name, bytes) of one required document, distinct per claim (claims.seed_claims' small valid files)."""
    from claims.seed_claims import demo_pdf, demo_png

    note = f"{claim_number} {doc_type}"
    if doc_type.endswith("_id"):
        return f"{doc_type}.png", demo_png(note)
    return f"{doc_type}.pdf", demo_pdf(note)


HOOK = """
import os
from asyncpg.connection import Connection

_count = 0
_fd = None
_pid = None
_dir = os.environ["BENCH_COUNT_DIR"]


def _bump():
    global _count, _fd, _pid
    if _pid != os.getpid():  # a forked pool process counts in a file of its own
        _pid, _count = os.getpid(), 0
        _fd = os.open(os.path.join(_dir, f"{_pid}.count"), os.O_CREAT | os.O_WRONLY, 0o644)
    _count += 1
    os.pwrite(_fd, str(_count).encode().ljust(20), 0)


_execute, _executemany, _plain = Connection._execute, Connection._executemany, Connection.execute


async def _counted_execute(self, *args, **kwargs):
    _bump()
    return await _execute(self, *args, **kwargs)


async def _counted_executemany(self, *args, **kwargs):
    _bump()
    return await _executemany(self, *args, **kwargs)


async def execute(self, query, *args, **kwargs):
    if not args:  # with arguments it goes through _execute, counted there
        _bump()
    return await _plain(self, query, *args, **kwargs)


Connection._execute, Connection._executemany, Connection.execute = _counted_execute, _counted_executemany, execute
"""


def statements(count_dir: Path) -> int:
    return sum(int(p.read_text().strip() or 0) for p in count_dir.glob("*.count"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


# --- set-up: customers, and one policy in force per claim (fixture data, not measured) ---


async def prepare(customers: int, policies: int) -> tuple[list[dict], list[tuple[int, str]]]:
    """Customers (through the real sign-up) and policies in force on pa_basic, bulk-inserted as fixture data, each
    with an insured and a bank account (one the sandbox gateway knows) of its own: ``[(customer index, policy
    number)]``."""
    from insure import clock
    from insure.auth import services as auth
    from insure.auth.tables import User
    from insure.auth.validation import Registration
    from insure.identity import make_resident_id
    from insure.payments import payouts
    from insure.policies.model import PolicyStatus
    from insure.policies.tables import Policy

    people = []
    for i in range(customers):
        birth = date(1980, 1, 1) + timedelta(days=37 * i)
        reg = Registration(
            f"bench{i}@example.test",
            PASSWORD,
            f"Bench {i}",
            f"139{i:08d}",
            make_resident_id("110105", birth, i, "male"),
            birth,
        )
        await auth.create_account(reg, role="customer")
        people.append(await User.select().where(User.email == reg.email).first())
    start = clock.today() - timedelta(days=30)
    rows, numbers = [], []
    for i in range(policies):
        owner = people[i % customers]
        number = f"PBENCH{i:07d}"
        numbers.append((i % customers, number))
        insured_birth = date(1960, 1, 1) + timedelta(days=i)
        token = await payouts.vault_bank_account(f"62220202{i:011d}")
        rows.append(
            Policy(
                number=number,
                customer=owner["id"],
                quote_id=f"bench{i}",
                insurer_code="huaxia_mutual",
                product_code="pa_basic",
                product_version="2026-01-01",
                insured_name=f"Insured {i}",
                insured_id_number=make_resident_id("110105", insured_birth, i % 100, "male"),
                insured_birth_date=insured_birth,
                status=PolicyStatus.IN_FORCE,
                effective_date=start,
                expiry_date=start + timedelta(days=364),
                sum_insured_fen=30_000_000,
                bank_account_token=token,
                bank_account_last4=f"{i:04d}"[-4:],
            )
        )
    for chunk in range(0, len(rows), 500):
        await Policy.insert(*rows[chunk : chunk + 500])
    return people, numbers


async def baseline(people: list[dict], numbers: list[tuple[int, str]], count_dir: Path) -> tuple[float, float, int]:
    """The same steps in this process, one claim after another: (claims/s, statements per claim, not paid)."""
    from claims import documents, services
    from claims.assessing import run_assessment
    from claims.filing import file_claim
    from claims.tables import Claim
    from insure import clock
    from insure.outbox import OutboxMessage
    from insure.payments import payouts

    before, unpaid = statements(count_dir), 0
    start = time.perf_counter()
    for who, number in numbers:
        body = claim_body(number, clock.today() - timedelta(days=1))
        claim = await file_claim(people[who], number, body, key=secrets.token_hex(8))
        for doc_type in DOCUMENTS:
            name, data = document(claim["number"], doc_type)
            await documents.upload(people[who], claim, doc_type, [documents.Upload(name, data)])
        await run_assessment(claim["id"])
        await services.pay(claim["id"])
        payout = await services.payout_of(claim["id"])
        if payout:
            await payouts.settle_payout(payout["id"])
        done = await Claim.select(Claim.status).where(Claim.id == claim["id"]).first()
        unpaid += done["status"] != "paid"
    elapsed = time.perf_counter() - start
    used = statements(count_dir) - before
    # the rows it wrote to the outbox are done already: marked sent, so the worker never sees them
    await OutboxMessage.update({OutboxMessage.published_at: clock.real_now()}).where(
        OutboxMessage.published_at.is_null()
    )
    return len(numbers) / elapsed, used / len(numbers), unpaid


# --- the system over HTTP ---


async def client_capacity(base: str, seconds: float, concurrency: int = 16) -> float:
    """GET /health flat out: what this client can do against a no-op endpoint."""
    import httpx

    count, deadline = 0, time.perf_counter() + seconds

    async def one(client: httpx.AsyncClient) -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            (await client.get(base + "/health")).raise_for_status()
            count += 1

    async with httpx.AsyncClient(timeout=30) as client:
        start = time.perf_counter()
        await asyncio.gather(*(one(client) for _ in range(concurrency)))
        return count / (time.perf_counter() - start)


async def post(client, url: str, **kwargs):
    """POST, sent again (up to 3 times) when the connection drops before the answer: a kept-alive connection the
    server closed as the client reused it. Safe: a filing carries its Idempotency-Key, and the same file given
    again for the same document is stored once."""
    import httpx

    for attempt in range(3):
        try:
            return await client.post(url, **kwargs)
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.ConnectError):
            if attempt == 2:
                raise
            await asyncio.sleep(0.5)


async def upload_documents(client, base: str, number: str, headers: dict) -> int:
    """Upload the claim's required documents, one request each, as the claimant's app does; how many were sent."""
    for doc_type in DOCUMENTS:
        name, data = document(number, doc_type)
        r = await post(
            client,
            f"{base}/api/v1/claims/{number}/documents",
            data={"doc_type": doc_type},
            files={"files": (name, data, "application/octet-stream")},
            headers=headers,
        )
        r.raise_for_status()
    return len(DOCUMENTS)


async def file_over_http(
    base: str, people: list[dict], numbers: list[tuple[int, str]], rate: float
) -> tuple[list[str], list[float], int]:
    """File one claim per policy at a steady rate (open loop: claim i is sent at i / rate seconds, whatever the
    answers before it), each followed by its documents. Returns the claim numbers, the answer times of the
    filings and how many documents were uploaded."""
    import httpx

    from insure import clock

    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=64)) as client:
        tokens = []
        for person in people:
            r = await client.post(f"{base}/api/v1/auth/token", json={"email": person["email"], "password": PASSWORD})
            r.raise_for_status()
            tokens.append({"Authorization": f"Bearer {r.json()['access_token']}"})
        loss = clock.today() - timedelta(days=1)
        filed: list[str] = []
        answered: list[float] = []
        uploads = 0

        async def one(who: int, policy_number: str) -> None:
            nonlocal uploads
            t = time.perf_counter()
            r = await post(
                client,
                f"{base}/api/v1/claims",
                json={**claim_body(policy_number, loss), "policy_number": policy_number},
                headers={**tokens[who], "Idempotency-Key": secrets.token_hex(8)},
            )
            answered.append(time.perf_counter() - t)
            r.raise_for_status()
            number = r.json()["number"]
            filed.append(number)
            sent = await upload_documents(client, base, number, tokens[who])
            uploads += sent

        start, tasks = time.perf_counter(), []
        for i, (who, number) in enumerate(numbers):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(who, number)))
        await asyncio.gather(*tasks)
        await wait_paid(filed, len(numbers))
        return filed, answered, uploads


async def wait_paid(filed: list[str], expected: int, timeout: float = 900) -> None:
    from claims.tables import Claim

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        paid = await Claim.count().where(Claim.number.is_in(filed) & (Claim.status == "paid"))
        if paid >= expected:
            break
        await asyncio.sleep(0.25)


async def http_figures(filed: list[str]) -> tuple[list[float], float, dict[str, int]]:
    from claims.tables import Claim

    rows = await Claim.select(Claim.status, Claim.created_at, Claim.paid_at).where(Claim.number.is_in(filed))
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
    done = [r for r in rows if r["paid_at"] is not None]
    latencies = [(r["paid_at"] - r["created_at"]).total_seconds() for r in done]
    span = (max(r["paid_at"] for r in done) - min(r["created_at"] for r in rows)).total_seconds() if done else 0
    return latencies, (len(done) / span if span else 0.0), by_status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=0, help="claims/s offered over HTTP (0: the baseline's rate)")
    parser.add_argument("--baseline-claims", type=int, default=200)
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="insure-claims-bench-"))
    count_dir = var / "statements"
    hook_dir = var / "hook"
    count_dir.mkdir()
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(HOOK)
    database = f"insure_claims_bench_{secrets.token_hex(3)}"
    env = {
        **os.environ,
        "VAR_DIR": str(var),
        "DATABASE_URL": f"{PG}/{database}",
        "BROKER_URL": BROKER,
        "REDIS_URL": "",
        "BENCH_COUNT_DIR": str(count_dir),
        "PYTHONPATH": f"{hook_dir}{os.pathsep}{ROOT}",
        "LOGIN_RATE_LIMIT": "100000",
    }
    os.environ.update({k: env[k] for k in ("VAR_DIR", "DATABASE_URL", "BROKER_URL", "REDIS_URL", "BENCH_COUNT_DIR")})
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f'CREATE DATABASE "{database}"'], check=True)
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    procs: list[subprocess.Popen] = []
    try:
        subprocess.run([sys.executable, "-m", "insure", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
        exec(HOOK, {"__name__": "bench_hook"})  # the same statement counter in this process, for the baseline
        report = asyncio.run(run(args, env, count_dir, procs))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        subprocess.run(
            ["psql", f"{PG}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'], check=False
        )
    print(report)


async def run(args: argparse.Namespace, env: dict, count_dir: Path, procs: list) -> str:
    import httpx

    from insure import clock_store, db

    await db.start_pool()
    await clock_store.refresh(force=True)
    n, m = args.claims, args.baseline_claims
    print(f"set-up: {args.customers} customers, {n + m} policies in force ...", flush=True)
    people, numbers = await prepare(args.customers, n + m)
    print(f"baseline: {m} claims in-process (file -> assess -> pay -> confirm) ...", flush=True)
    base_rate, base_statements, base_unpaid = await baseline(people, numbers[n:], count_dir)
    rate = args.rate or base_rate
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    logs = Path(env["VAR_DIR"])
    for name, cmd in (
        ("web", ["web", "--port", str(port)]),
        ("worker", ["worker", "--concurrency", str(args.worker_concurrency), "--loglevel", "WARNING"]),
        ("beat", ["beat", "--loglevel", "WARNING"]),
    ):
        log = (logs / f"{name}.log").open("w")
        procs.append(
            subprocess.Popen([sys.executable, "-m", "insure", *cmd], cwd=ROOT, env=env, stdout=log, stderr=log)
        )
    for _ in range(300):
        try:
            if httpx.get(base + "/ready", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.2)
    capacity = await client_capacity(base, 3)
    print(
        f"system: {n} claims over HTTP at {rate:.1f}/s (client alone: {capacity:.0f} req/s on /health) ...", flush=True
    )
    before = per_process(count_dir)
    own = statements_in_this_process(count_dir)
    filed, answered, uploads = await file_over_http(base, people, numbers[:n], rate)
    used = statements(count_dir) - sum(before.values()) - (statements_in_this_process(count_dir) - own)
    roles = by_role(procs, before, per_process(count_dir))
    latencies, throughput, by_status = await http_figures(filed)
    await db.close_pool()
    lines = [
        "",
        f"claims filed over HTTP       {len(filed)} at {rate:.1f}/s offered; by status: {by_status}; "
        f"documents uploaded: {uploads}",
        f"FNOL -> paid                 p50 {statistics.median(latencies):.3f} s, "
        f"p99 {percentile(latencies, 99):.3f} s, max {max(latencies):.3f} s",
        f"POST /api/v1/claims answer   p50 {statistics.median(answered) * 1000:.1f} ms, "
        f"p99 {percentile(answered, 99) * 1000:.1f} ms",
        f"claims/s (system)            {throughput:.1f}",
        f"claims/s (in-process)        {base_rate:.1f}  ({m} claims, {base_unpaid} not paid)",
        f"ratio                        {throughput / base_rate:.2f}  (goal >= 0.5)",
        f"statements per claim         system {used / len(filed):.1f} (web + worker + beat), "
        f"in-process {base_statements:.1f}",
        "  by process                 "
        + ", ".join(f"{role} {count / len(filed):.1f}" for role, count in roles.items()),
        f"client on /health            {capacity:.0f} req/s  ({capacity / rate:.0f}x the claim rate)",
    ]
    return "\n".join(lines)


def per_process(count_dir: Path) -> dict[int, int]:
    return {int(p.stem): int(p.read_text().strip() or 0) for p in count_dir.glob("*.count")}


def by_role(procs: list, before: dict[int, int], after: dict[int, int]) -> dict[str, int]:
    """Statements made during the run by web, worker (its main process and pool processes) and beat."""
    web, worker, beat = (p.pid for p in procs)
    pool = set()
    for task in Path(f"/proc/{worker}/task").iterdir():
        pool.update(int(pid) for pid in (task / "children").read_text().split())
    roles = {"web": {web}, "worker": {worker} | pool, "beat": {beat}}
    return {role: sum(after.get(pid, 0) - before.get(pid, 0) for pid in pids) for role, pids in roles.items()}


def statements_in_this_process(count_dir: Path) -> int:
    """This process's own statements (the client's polling for paid claims), left out of the system's."""
    mine = count_dir / f"{os.getpid()}.count"
    return int(mine.read_text().strip() or 0) if mine.exists() else 0


if __name__ == "__main__":
    main()
