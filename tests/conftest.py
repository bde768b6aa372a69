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

# The test client's own request log ("HTTP Request: GET …") is noise, and from a test's threads it was written to
# a stream Litestar's logging config had bound to an earlier test's captured output ("I/O operation on closed
# file"). The server's logs are its own processes' and stay as they are.
logging.getLogger("httpx").setLevel(logging.WARNING)

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
