"""Operating the processes: `insure run` stops on either signal; a worker gets its connection pool back."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from insure.db import postgres_config
from tests.conftest import PG_ADMIN, PG_DATABASE, RUN_DIR

from .conftest import ROOT, Stack, _pg, free_port

pytestmark = pytest.mark.integration


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (children, their children …), from /proc."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")
def test_insure_run_stops_web_worker_and_beat_on_sigint_even_when_started_with_sigint_ignored():
    # a background job of a non-interactive shell inherits SIGINT ignored; `kill -INT` must still stop it all
    var_dir = tempfile.mkdtemp(prefix="run-", dir=RUN_DIR)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "BROKER_URL", "REDIS_URL"}}
    env |= {"VAR_DIR": var_dir, "DOCUMENT_DIR": "", "MAIL_DIR": ""}
    port = free_port()
    with Path(var_dir, "run.log").open("w") as log:  # the child keeps its own copy of the descriptor
        run = subprocess.Popen(
            [sys.executable, "-m", "insure", "run", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_ignore_sigint,
        )
    commands: dict[int, list[bytes]] = {}
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert run.poll() is None, Path(var_dir, "run.log").read_text()[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("insure run never became ready")
        commands = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") for pid in _descendants(run.pid)}
        roles = {c[3].decode() for c in commands.values() if len(c) > 3 and c[1:3] == [b"-m", b"insure"]}
        assert roles == {"web", "worker", "beat"}

        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=60) == 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(pid) for pid in commands):
            time.sleep(0.2)
        assert [pid for pid in commands if _alive(pid)] == []
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        for pid in commands:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


needs_postgres = pytest.mark.skipif(not PG_ADMIN, reason="connection pools exist on PostgreSQL only")


@pytest.fixture()
def closed_database() -> Iterator[Stack]:
    """A migrated PostgreSQL database of its own that refuses every new connection until the test opens it
    (``ALLOW_CONNECTIONS false``: what a server restarting or out of connections looks like to Insure)."""
    name = f"{PG_DATABASE}_pool_{secrets.token_hex(3)}"
    var_dir = Path(tempfile.mkdtemp(prefix="pool-", dir=RUN_DIR))
    stack = Stack(
        env={
            "VAR_DIR": str(var_dir),
            "DATABASE_URL": f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}",
            "BROKER_URL": "",  # the embedded broker, in var_dir/broker
            "REDIS_URL": "",
            "DOCUMENT_DIR": "",
            "MAIL_DIR": "",
        },
        logs=var_dir / "logs",
    )
    asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    try:
        stack.cli("migrate")
        asyncio.run(_pg(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        stack.database = name  # type: ignore[attr-defined]
        yield stack
    finally:
        stack.stop()
        asyncio.run(_pg(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _open(stack: Stack) -> None:
    asyncio.run(_pg(f'ALTER DATABASE "{stack.database}" ALLOW_CONNECTIONS true'))  # type: ignore[attr-defined]


async def _idle_pool_connections(database: str, role: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(**postgres_config(PG_ADMIN))
    try:
        return await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 AND state = 'idle'",
            database,
            f"insure {role}",
        )
    finally:
        await conn.close()


def _log_says(stack: Stack, name: str, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in (stack.logs / f"{name}.log").read_text():
        assert stack.procs[name].poll() is None, (stack.logs / f"{name}.log").read_text()[-3000:]
        assert time.monotonic() < deadline, f"{name} never logged {text!r}"
        time.sleep(0.3)


@needs_postgres
def test_a_worker_that_could_not_open_its_pool_opens_it_on_a_later_task(closed_database):
    stack = closed_database
    stack.start("worker", "worker", "--concurrency", "1")
    send_relay = "from insure.worker import celery_app; celery_app.send_task('outbox.relay')"
    stack.python(send_relay)
    _log_says(stack, "worker", "could not open the database connection pool (attempt 1")

    _open(stack)  # the database is back: the next task after the back-off opens the pool and keeps it
    deadline = time.monotonic() + 90
    while asyncio.run(_idle_pool_connections(stack.database, "worker")) < 1:
        assert time.monotonic() < deadline, "the worker never opened its pool after the database came back"
        stack.python(send_relay)
        time.sleep(2)
    assert "database connection pool open after" in (stack.logs / "worker.log").read_text()


@needs_postgres
def test_the_web_server_waits_for_a_database_that_is_not_accepting_connections_yet(closed_database):
    stack = closed_database
    stack.start("web", "web", "--port", str(stack.port))
    _log_says(stack, "web", "could not open the database connection pool (attempt 1")
    _open(stack)
    stack.wait_ready(timeout=60)  # the same process: it did not die at start-up
    assert asyncio.run(_idle_pool_connections(stack.database, "web")) >= 1
