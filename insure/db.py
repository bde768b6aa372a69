"""Database engine and transactions, the same API on SQLite and PostgreSQL.

SQLite is the embedded default: WAL mode and a busy timeout let the web process and the worker write the
same file, and write transactions are ``BEGIN IMMEDIATE`` so two writers queue instead of deadlocking.
"""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import unquote, urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from insure.settings import Settings, get_settings

SQLITE_BUSY_TIMEOUT_S = 30


def postgres_config(url: str) -> dict[str, Any]:
    """Turn ``postgres://user:pass@host:port/db`` into asyncpg connection arguments."""
    parts = urlsplit(url)
    config: dict[str, Any] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "database": (parts.path or "/").lstrip("/") or "postgres",
        "user": unquote(parts.username or "postgres"),
    }
    if parts.password:
        config["password"] = unquote(parts.password)
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
    return PostgresEngine(config=postgres_config(settings.database_url))


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
    eng = engine()
    if isinstance(eng, PostgresEngine):
        await eng.start_connection_pool(max_size=10)


async def close_pool() -> None:
    eng = engine()
    if isinstance(eng, PostgresEngine):
        await eng.close_connection_pool()


async def ping() -> None:
    """Raise if the database cannot answer a trivial query."""
    await engine().run_ddl("SELECT 1")


def for_update(query: Any) -> Any:
    """Lock the selected rows until the transaction ends. PostgreSQL: SELECT … FOR UPDATE. SQLite needs no
    row lock: write transactions start with BEGIN IMMEDIATE, so writers already run one at a time."""
    return query.lock_rows() if engine().engine_type == "postgres" else query
