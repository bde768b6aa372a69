"""Quote speed: (a) pure rating throughput per core, (b) the quote endpoint against a trivial JSON endpoint.

    .venv/bin/python bench/quote_bench.py [--seconds 5] [--concurrency 8]

(a) prices a mix of life and non-life risks in this process and prints quotes per second.
(b) starts `insure web` on a fresh SQLite database (its own VAR_DIR), then for the same number of seconds
    and the same client concurrency drives GET /health and POST /api/v1/quotes (which prices *and stores* a
    quote), and prints both rates and their ratio. Goal: ratio >= 0.5. Loopback only, bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from products.catalog import load_catalog  # noqa: E402
from products.rating import Risk, quote  # noqa: E402

ON = date(2026, 11, 28)
QUOTE = {
    "product_code": "wl_par_huaxia",
    "birth_date": "1990-05-17",
    "sex": "male",
    "sum_insured": "500000",
    "policy_term": "whole_life",
    "premium_term": "20",
    "frequency": "monthly",
    "channel": "platform",
}


def rating_throughput(seconds: float) -> tuple[float, int]:
    catalog = load_catalog()
    mix = [
        (
            catalog.get("wl_par_huaxia", ON),
            Risk(
                date(1990, 5, 17),
                Decimal(500000),
                sex="male",
                policy_term="whole_life",
                premium_term="20",
                frequency="monthly",
            ),
        ),
        (
            catalog.get("term_changan", ON),
            Risk(date(1985, 1, 1), Decimal(1000000), sex="female", policy_term="20", premium_term="policy_term"),
        ),
        (
            catalog.get("endow_par_huaxia", ON),
            Risk(date(1980, 7, 1), Decimal(100000), sex="male", policy_term="10", premium_term="policy_term"),
        ),
        (
            catalog.get("pa_basic", ON),
            Risk(date(1990, 1, 1), Decimal(300000), occupation_class=2, policy_term="1", premium_term="single"),
        ),
        (
            catalog.get("medical_pingyuan", ON),
            Risk(date(1970, 1, 1), Decimal(2000000), policy_term="1", premium_term="single", social_insurance=False),
        ),
    ]
    for product, risk in mix:  # warm the per-basis caches, as the running app does at its first quote
        quote(product, risk, ON)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for product, risk in mix:
            quote(product, risk, ON)
        done += len(mix)
    elapsed = time.perf_counter() - start
    return done / elapsed, done


async def drive(url: str, method: str, body: dict | None, seconds: float, concurrency: int) -> float:
    count = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            r = await client.request(method, url, json=body)
            r.raise_for_status()
            count += 1

    async with httpx.AsyncClient(timeout=30) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return count / (time.perf_counter() - start)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def endpoint_ratio(seconds: float, concurrency: int, database_url: str | None) -> tuple[float, float]:
    var = tempfile.mkdtemp(prefix="insure-bench-")
    env = {**os.environ, "VAR_DIR": var}
    for key in ("DATABASE_URL", "BROKER_URL", "REDIS_URL"):
        env.pop(key, None)
    if database_url:
        env["DATABASE_URL"] = database_url
    subprocess.run([sys.executable, "-m", "insure", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "insure", "web", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        asyncio.run(drive(base + "/api/v1/quotes", "POST", QUOTE, 1, concurrency))  # warm up
        trivial = asyncio.run(drive(base + "/health", "GET", None, seconds, concurrency))
        quotes = asyncio.run(drive(base + "/api/v1/quotes", "POST", QUOTE, seconds, concurrency))
        return trivial, quotes
    finally:
        web.terminate()
        web.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", help="e.g. postgres://postgres@127.0.0.1:5432/insure_bench (must exist)")
    args = parser.parse_args()
    rate, n = rating_throughput(args.seconds)
    print(f"(a) pure rating: {rate:,.0f} quotes/s on one core ({n:,} quotes, {1e6 / rate:.1f} µs each)")
    trivial, quotes = endpoint_ratio(args.seconds, args.concurrency, args.database_url)
    engine = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"(b) GET /health: {trivial:,.0f} req/s; POST /api/v1/quotes: {quotes:,.0f} req/s "
        f"(one uvicorn process, {engine}, {args.concurrency} concurrent clients)"
    )
    print(f"    ratio quote/trivial = {quotes / trivial:.2f} (goal >= 0.5)")


if __name__ == "__main__":
    main()
