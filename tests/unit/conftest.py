"""Database fixtures of the unit tests that need the real (SQLite) test database: the schema migrated once, each
test body run inside one transaction that is rolled back at its end (nothing stays behind, and a worker of the
integration stack sharing the database never sees the rows), and a bare policy row to hang records on."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import pytest

from insure.auth.tables import User
from insure.db import transaction
from insure.policies.model import PolicyStatus
from insure.policies.tables import Policy

InDb = Callable[[Callable[[], Awaitable[Any]]], None]


class _RolledBack(Exception):
    pass


@pytest.fixture(scope="session")
def migrated() -> None:
    from insure.cli import _migrate

    asyncio.run(_migrate())


@pytest.fixture()
def in_db(migrated: None) -> InDb:
    """Run a test body (a coroutine function) in one transaction and roll it back."""

    def run(body: Callable[[], Awaitable[Any]]) -> None:
        async def wrapped() -> None:
            try:
                async with transaction():
                    await body()
                    raise _RolledBack
            except _RolledBack:
                pass

        asyncio.run(wrapped())

    return run


async def bare_policy(**values: Any) -> dict:
    """A policy row (and its customer) with only what the table requires, plus ``values``."""
    tag = secrets.token_hex(6)
    user = await User.insert(User(email=f"unit-{tag}@example.test", password_hash="x", name="Unit")).returning(User.id)
    row = {
        "number": f"PTEST{tag}".upper(),
        "customer": user[0]["id"],
        "quote_id": f"q{tag}",
        "insurer_code": "test",
        "product_code": "pa_basic",
        "product_version": "2026-01-01",  # a real version: code that reads the product (the account exits) finds it
        "insured_name": "Unit",
        "insured_id_number": tag,
        "insured_birth_date": date(1988, 3, 9),
        "status": PolicyStatus.IN_FORCE,
        **values,
    }
    rows = await Policy.insert(Policy(**row)).returning(*Policy.all_columns())
    return rows[0]
