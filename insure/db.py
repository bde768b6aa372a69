"""Database engine and transactions, the same API on SQLite and PostgreSQL.

SQLite is the embedded default: WAL mode and a busy timeout let the web process and the worker write the
same file, and write transactions are ``BEGIN IMMEDIATE`` so two writers queue instead of deadlocking.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from insure.settings import Settings, get_settings

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_S = 30
POOL_RETRY_FIRST_S = 1.0  # a failed pool start is tried again after 1 s, 2 s, 4 s … up to a minute
POOL_RETRY_MAX_S = 60.0


def postgres_config(url: str, password: str | None = None) -> dict[str, Any]:
    """Turn ``postgres://user:pass@host:port/db`` into asyncpg connection arguments. ``password``
    (``DATABASE_PASSWORD``, taken as is) replaces a password in the URL, which would need URL encoding."""
    parts = urlsplit(url)
    config: dict[str, Any] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "database": (parts.path or "/").lstrip("/") or "postgres",
        "user": unquote(parts.username or "postgres"),
    }
    if parts.password:
        config["password"] = unquote(parts.password)
    if password:
        config["password"] = password
    return config


class _WalConnection(sqlite3.Connection):
    """Every connection Piccolo opens: in WAL mode, synchronous=NORMAL commits without an fsync each time
    (durable against a crash of the process; the last commits can be lost only on power loss) — the
    embedded single-machine mode trades that for write speed; production runs on PostgreSQL."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA synchronous = NORMAL")


def make_engine(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    if settings.is_sqlite:
        path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as conn:  # persistent per database file
            conn.execute("PRAGMA journal_mode=WAL")
        return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S, factory=_WalConnection)
    config = postgres_config(settings.database_url, settings.database_password)
    config["server_settings"] = {"application_name": application_name()}
    return PostgresEngine(config=config)


def application_name() -> str:
    """How this process's connections show in pg_stat_activity: ``insure web``, ``insure worker``, …, so an
    operator counting connections against max_connections sees which role holds them."""
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    if program in {"__main__.py", "insure"} and len(sys.argv) > 1:
        return f"insure {sys.argv[1]}"[:63]
    return f"insure ({program})"[:63]


def engine() -> Engine:
    from piccolo.engine.finder import engine_finder

    found = engine_finder()
    if found is None:  # pragma: no cover - piccolo_conf.py is part of the project
        raise RuntimeError("piccolo_conf.py not found")
    return found


def transaction():
    """A write transaction: ``async with transaction(): ...``."""
    eng = engine()
    if isinstance(eng, SQLiteEngine):
        return eng.transaction(transaction_type=TransactionType.immediate)
    return eng.transaction()


async def start_pool() -> None:
    """Open this process's PostgreSQL connection pool (nothing to do on SQLite or when it is open already).

    It keeps ``DB_POOL_MIN`` connections while idle and opens up to ``DB_POOL_MAX`` under load (asyncpg
    closes the extra ones after five idle minutes), so processes × DB_POOL_MAX bounds what Insure can take
    of the server's max_connections (docs/deployment.md). Raises if the server refuses the first ones."""
    eng = engine()
    if isinstance(eng, PostgresEngine) and eng.pool is None:
        settings = get_settings()
        await eng.start_connection_pool(min_size=settings.db_pool_min, max_size=settings.db_pool_max)


class PoolStarter:
    """Starts the pool on demand and, after a failure, again no sooner than a doubling back-off (1 s … 60 s).

    A worker process calls ``ensure`` before each task: a database that was down or full when the process
    started costs that task its pool (its queries open one connection each, as Piccolo does without a pool,
    and fail with the server's own error if it is still unavailable), not the process for its lifetime."""

    def __init__(self) -> None:
        self.failures = 0
        self.next_attempt = 0.0
        self.last_error: Exception | None = None

    async def ensure(self) -> bool:
        """True when the pool is open (or not needed, on SQLite)."""
        eng = engine()
        if not isinstance(eng, PostgresEngine) or eng.pool is not None:
            return True
        now = time.monotonic()
        if now < self.next_attempt:
            return False
        try:
            await start_pool()
        except Exception as exc:
            self.last_error = exc
            self.failures += 1
            delay = min(POOL_RETRY_MAX_S, POOL_RETRY_FIRST_S * 2 ** (self.failures - 1))
            self.next_attempt = now + delay
            log.warning(
                "could not open the database connection pool (attempt %d: %s: %s); trying again in %.0f s",
                self.failures,
                type(exc).__name__,
                exc,
                delay,
            )
            return False
        if self.failures:
            log.warning("database connection pool open after %d failed attempts", self.failures)
        self.failures = 0
        self.next_attempt = 0.0
        return True


async def start_pool_patiently(attempts: int = 6) -> None:
    """Start-up of a web process: try to open the pool ``attempts`` times with the back-off of ``PoolStarter``
    (1 + 2 + 4 + 8 + 16 s between six tries), logging each failure, so a database that is restarting or
    briefly full does not kill the process; then raise one clear error with the server's own as its cause."""
    starter = PoolStarter()
    for attempt in range(attempts):
        if await starter.ensure():
            return
        if attempt < attempts - 1:
            await asyncio.sleep(max(0.0, starter.next_attempt - time.monotonic()))
    raise RuntimeError(
        f"could not open the database connection pool in {attempts} attempts; is PostgreSQL up and does it "
        "accept more connections (max_connections; DB_POOL_MIN, DB_POOL_MAX)?"
    ) from starter.last_error


async def close_pool() -> None:
    eng = engine()
    if isinstance(eng, PostgresEngine) and eng.pool is not None:
        await eng.close_connection_pool()


async def ping() -> None:
    """Raise if the database cannot answer a trivial query."""
    await engine().run_ddl("SELECT 1")


def for_update(query: Any) -> Any:
    """Lock the selected rows until the transaction ends. PostgreSQL: SELECT … FOR UPDATE. SQLite needs no
    row lock: write transactions start with BEGIN IMMEDIATE, so writers already run one at a time."""
    return query.lock_rows() if engine().engine_type == "postgres" else query
