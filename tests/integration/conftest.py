"""A running Insure for integration tests: migrated database, web server, a real Celery worker and beat,
each its own process, exactly as in production. Tests talk to it over HTTP.

`stack` is the one the suite shares (one database, one demo clock). `isolated_stack` is a second, private
Insure for a test that must move the clock years ahead: its own VAR_DIR (SQLite file, embedded broker folder,
documents, mail), its own PostgreSQL database and its own Redis db numbers when the run uses them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import PG_ADMIN, PG_DATABASE, RUN_DIR

ROOT = Path(__file__).resolve().parents[2]

# Connections the suite may hold at once on PostgreSQL, two stacks (web, 2 worker children) plus this process
# and one CLI or `Stack.python` child: 2 × (3 + 2 × 3) + 3 + 3 = 24 at most, so the suite passes with 60 of a
# 100-connection server taken by other clients, as .ci/run checks (docs/deployment.md, connection budget).
os.environ.setdefault("DB_POOL_MIN", "1")
os.environ.setdefault("DB_POOL_MAX", "3")


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
    _flush_redis(os.environ.get("BROKER_URL", ""))


def _flush_redis(url: str) -> None:
    if url.startswith("redis://"):
        import redis

        redis.Redis.from_url(url).flushdb()


class Stack:
    """Web, worker and beat processes started with this process's environment plus ``env`` (a second stack
    passes its own VAR_DIR, DATABASE_URL, BROKER_URL and REDIS_URL there)."""

    def __init__(self, env: dict[str, str] | None = None, logs: Path | None = None) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.procs: dict[str, subprocess.Popen] = {}
        self.env = dict(env or {})
        self.logs = logs or Path(RUN_DIR) / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def environ(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {**os.environ, **self.env, **(extra or {})}

    def cli(self, *args: str, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "insure", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
            env=self.environ(env),
        )

    def python(self, code: str) -> str:
        """Run Python in a fresh process set up like this stack's (its database, broker and demo clock) and
        return what it printed: how a test reaches the database of a stack other than the shared one, which
        this process's own settings point at."""
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env=self.environ(),
        )
        if done.returncode:
            raise RuntimeError(f"python in the stack's environment failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("w")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "insure", *args],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.environ(env),
        )
        return self.procs[name]

    def boot(self) -> None:
        """Migrate, seed, and start web, worker and beat; return once the web answers /ready."""
        self.cli("migrate")
        self.cli("seed")
        self.start("web", "web", "--port", str(self.port))
        self.start("worker", "worker", "--concurrency", "2")
        self.start("beat", "beat")
        self.wait_ready()

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
        s.boot()
        yield s
    finally:
        s.stop()
        if PG_ADMIN:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))


ISOLATED_BROKER_DB = 9  # the shared stack's broker and sessions use 7 and 8 (.ci/run)
ISOLATED_SESSIONS_DB = 10


def _redis_db(url: str, number: int) -> str:
    return urlsplit(url)._replace(path=f"/{number}").geturl()


@pytest.fixture(scope="module")
def isolated_stack() -> Iterator[Stack]:
    """A private Insure for one test module, so it can move the demo clock years ahead: nothing it does
    (its clock, its database, its queued tasks) reaches the shared `stack` or its worker."""
    var_dir = Path(tempfile.mkdtemp(prefix="isolated-", dir=RUN_DIR))
    env = {
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'insure.sqlite3'}",
        "BROKER_URL": "",  # the embedded broker, in var_dir/broker
        "REDIS_URL": "",
        "DOCUMENT_DIR": "",
        "MAIL_DIR": "",
    }
    database = None
    if PG_ADMIN:
        database = f"{PG_DATABASE}_isolated_{secrets.token_hex(3)}"
        env["DATABASE_URL"] = f"{PG_ADMIN.rsplit('/', 1)[0]}/{database}"
    if os.environ.get("INSURE_TEST_BROKER"):
        env["BROKER_URL"] = _redis_db(os.environ["INSURE_TEST_BROKER"], ISOLATED_BROKER_DB)
    if os.environ.get("INSURE_TEST_REDIS"):
        env["REDIS_URL"] = _redis_db(os.environ["INSURE_TEST_REDIS"], ISOLATED_SESSIONS_DB)
    for url in (env["BROKER_URL"], env["REDIS_URL"]):
        _flush_redis(url)
    s = Stack(env=env, logs=var_dir / "logs")
    try:
        if database:
            asyncio.run(_pg(f'CREATE DATABASE "{database}"'))
        s.boot()
        yield s
    finally:
        s.stop()
        for url in (env["BROKER_URL"], env["REDIS_URL"]):
            _flush_redis(url)
        if database:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


@pytest.fixture()
def api(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url + "/api/v1", timeout=15) as client:
        yield client


@pytest.fixture()
def browser(stack: Stack) -> Iterator[httpx.Client]:
    """A cookie-keeping client for the HTML pages (follows no redirects, so tests see them)."""
    with httpx.Client(base_url=stack.base_url, timeout=15, headers={"Accept-Language": "en"}) as client:
        yield client


@pytest.fixture()
def isolated_api(isolated_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=isolated_stack.base_url + "/api/v1", timeout=15) as client:
        yield client
