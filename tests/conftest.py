"""Test session environment, fixed before any Insure module reads its settings.

Every run gets its own VAR_DIR (SQLite file, embedded broker folder, documents). When CI exports
INSURE_TEST_POSTGRES (an admin URL such as postgres://postgres@127.0.0.1:5432/postgres) the run creates a
fresh database on that server instead; INSURE_TEST_BROKER (e.g. redis://127.0.0.1:6379/7) swaps the
embedded broker for a real one.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from collections.abc import Iterator

import pytest

RUN_DIR = tempfile.mkdtemp(prefix="insure-test-")
os.environ["VAR_DIR"] = RUN_DIR
os.environ.pop("DATABASE_URL", None)
os.environ.pop("BROKER_URL", None)
os.environ.pop("REDIS_URL", None)
os.environ["INSURE_ENV"] = "test"
os.environ["PAYMENT_WEBHOOK_SECRET"] = "test-webhook-secret"
os.environ["LOGIN_RATE_LIMIT"] = "100000"  # the suite signs up hundreds of customers from one address
# hostile-input and contract tests send many wrong passwords for the demo accounts; the per-account lock is
# tested with its own limits in tests/integration/test_login_hardening.py
os.environ["LOGIN_FAILURE_LIMIT"] = "100000"

PG_ADMIN = os.environ.get("INSURE_TEST_POSTGRES")
PG_DATABASE = f"insure_test_{secrets.token_hex(4)}" if PG_ADMIN else None
if PG_ADMIN:
    base = PG_ADMIN.rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{base}/{PG_DATABASE}"
if os.environ.get("INSURE_TEST_BROKER"):
    os.environ["BROKER_URL"] = os.environ["INSURE_TEST_BROKER"]
if os.environ.get("INSURE_TEST_REDIS"):
    os.environ["REDIS_URL"] = os.environ["INSURE_TEST_REDIS"]  # sessions in Redis, as in production


# Building the Litestar app in this process (tests that read its routes, some while collecting) has Litestar
# configure the root logger with a handler bound to the stderr captured at that moment; later tests then logged
# into the closed stream ("Logging error … I/O operation on closed file"). The root logger is put back as it was
# after collection and after each test.
_ROOT: tuple[list[logging.Handler], int] = ([], logging.WARNING)


def _restore_root(handlers: list[logging.Handler], level: int) -> None:
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    for handler in handlers:  # a logging config may also have removed some (a no-op for those still there)
        root.addHandler(handler)
    root.setLevel(level)


def pytest_configure(config: pytest.Config) -> None:
    global _ROOT
    root = logging.getLogger()
    _ROOT = (list(root.handlers), root.level)


def pytest_collection_finish(session: pytest.Session) -> None:
    _restore_root(*_ROOT)


@pytest.fixture(autouse=True)
def _root_logging_as_it_was() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    _restore_root(handlers, level)
