"""A running Insure for integration tests: migrated database, web server, a real Celery worker and beat,
each its own process, exactly as in production. Tests talk to it over HTTP."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import PG_ADMIN, PG_DATABASE, RUN_DIR

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _pg(sql: str) -> None:
    import asyncpg

    from insure.db import postgres_config

    conn = await asyncpg.connect(**postgres_config(PG_ADMIN))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _flush_broker() -> None:
    url = os.environ.get("BROKER_URL", "")
    if url.startswith("redis://"):
        import redis

        redis.Redis.from_url(url).flushdb()


class Stack:
    def __init__(self) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs = Path(RUN_DIR) / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def cli(self, *args: str, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "insure", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
            env={**os.environ, **(env or {})},
        )

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("w")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "insure", *args],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        return self.procs[name]

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} died:\n{(self.logs / f'{name}.log').read_text()[-3000:]}")
            try:
                if httpx.get(self.base_url + "/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the web server never became ready")

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    if PG_ADMIN:
        asyncio.run(_pg(f'CREATE DATABASE "{PG_DATABASE}"'))
    _flush_broker()
    s = Stack()
    try:
        s.cli("migrate")
        s.cli("seed")
        s.start("web", "web", "--port", str(s.port))
        s.start("worker", "worker", "--concurrency", "2")
        s.start("beat", "beat")
        s.wait_ready()
        yield s
    finally:
        s.stop()
        if PG_ADMIN:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))


@pytest.fixture()
def api(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url + "/api/v1", timeout=15) as client:
        yield client


@pytest.fixture()
def browser(stack: Stack) -> Iterator[httpx.Client]:
    """A cookie-keeping client for the HTML pages (follows no redirects, so tests see them)."""
    with httpx.Client(base_url=stack.base_url, timeout=15, headers={"Accept-Language": "en"}) as client:
        yield client
