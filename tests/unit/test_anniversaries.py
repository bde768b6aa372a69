"""The anniversary job (insure.policies.jobs): each completed policy year of a policy in force is announced once
(``AnniversaryReached``), in order, catching up years a stopped beat or a moved clock skipped; 29 February starts
count their anniversaries on 28 February; other statuses are left alone. On the real test database."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from insure import db, events
from insure.auth.tables import User
from insure.events import AnniversaryReached
from insure.policies import jobs
from insure.policies.model import PolicyStatus
from insure.policies.tables import Policy

heard: list[tuple[int, int]] = []
made: list[tuple[int, int]] = []  # (policy id, user id), removed after the module


@events.handles(AnniversaryReached)
async def _listen(event: AnniversaryReached) -> None:
    heard.append((event.policy_id, event.policy_year))


def run(query: Any) -> Any:
    async def wrapped() -> Any:
        return await query

    return asyncio.run(wrapped())


@pytest.fixture(scope="module", autouse=True)
def database() -> Iterator[None]:
    from insure.cli import _migrate

    async def setup() -> None:
        await db.start_pool()
        await _migrate()

    run(setup())
    yield

    async def teardown() -> None:
        if made:
            await Policy.delete().where(Policy.id.is_in([p for p, _ in made]))
            await User.delete().where(User.id.is_in([u for _, u in made]))

    run(teardown())


def policy(effective: date, status: str = PolicyStatus.IN_FORCE) -> int:
    async def make() -> int:
        user = await User.insert(
            User(email=f"anniv-{secrets.token_hex(6)}@example.com", password_hash="x", name="Anniversary")
        ).returning(User.id)
        rows = await Policy.insert(
            Policy(
                number="PT" + secrets.token_hex(6),
                customer=user[0]["id"],
                quote_id="q" + secrets.token_hex(6),
                insurer_code="test",
                product_code="test",
                product_version="test",
                insured_name="Anniversary",
                insured_id_number="110101199001010011",
                insured_birth_date=date(1990, 1, 1),
                status=status,
                effective_date=effective,
            )
        ).returning(Policy.id)
        made.append((rows[0]["id"], user[0]["id"]))
        return rows[0]["id"]

    return run(make())


def announce(policy_id: int, day: date) -> tuple[int, list[int]]:
    heard.clear()
    count = run(jobs.announce_anniversaries(policy_id, day))
    return count, [year for pid, year in heard if pid == policy_id]


def test_each_year_is_announced_once_in_order_catching_up_skipped_years() -> None:
    pid = policy(date(2020, 6, 15))
    assert announce(pid, date(2021, 6, 14)) == (0, [])  # the day before the first anniversary
    assert announce(pid, date(2021, 6, 15)) == (1, [1])
    assert announce(pid, date(2021, 6, 15)) == (0, [])  # a second run the same day announces nothing
    assert announce(pid, date(2024, 7, 1)) == (3, [2, 3, 4])  # the clock jumped: years 2-4, in order
    row = run(Policy.select(Policy.anniversaries_announced, Policy.next_anniversary).where(Policy.id == pid).first())
    assert row == {"anniversaries_announced": 4, "next_anniversary": date(2025, 6, 15)}


def test_a_29_february_start_has_its_anniversary_on_28_february() -> None:
    pid = policy(date(2028, 2, 29))
    assert announce(pid, date(2029, 2, 27)) == (0, [])
    assert announce(pid, date(2029, 2, 28)) == (1, [1])
    row = run(Policy.select(Policy.next_anniversary).where(Policy.id == pid).first())
    assert row["next_anniversary"] == date(2030, 2, 28)


@pytest.mark.parametrize("status", [PolicyStatus.LAPSED, PolicyStatus.SURRENDERED, PolicyStatus.PENDING_PAYMENT])
def test_only_a_policy_in_force_is_announced(status: str) -> None:
    pid = policy(date(2020, 1, 10), status)
    assert announce(pid, date(2023, 1, 10)) == (0, [])


def test_the_job_finds_a_due_policy_and_not_one_announced_already() -> None:
    due = policy(date(2019, 3, 1))
    young = policy(date(2022, 9, 1))
    found = run(jobs._anniversary_candidates(date(2023, 3, 1), 0, 10_000))
    assert due in found and young not in found
    announce(due, date(2023, 3, 1))
    assert due not in run(jobs._anniversary_candidates(date(2023, 3, 1), 0, 10_000))
    assert due in run(jobs._anniversary_candidates(date(2024, 3, 1), 0, 10_000))
