"""The anniversary job (insure.policies.jobs): each completed policy year of a policy in force is announced once
(``AnniversaryReached``), in order, catching up years a stopped beat or a moved clock skipped; 29 February starts
count their anniversaries on 28 February; other statuses are left alone.

On the real test database, each test inside one transaction that is rolled back at its end: a worker of the
integration stack sharing the database never sees (or announces) these policies."""

from __future__ import annotations

from datetime import date

import pytest

from insure import events
from insure.events import AnniversaryReached
from insure.policies import jobs
from insure.policies.model import PolicyStatus
from insure.policies.tables import Policy
from tests.conftest import PG_ADMIN
from tests.unit.conftest import bare_policy

pytestmark = pytest.mark.skipif(
    bool(PG_ADMIN), reason="PostgreSQL runs create the database for the integration stack; SQLite runs cover this"
)

heard: list[tuple[int, int]] = []


@events.handles(AnniversaryReached)
async def _listen(event: AnniversaryReached) -> None:
    heard.append((event.policy_id, event.policy_year))


async def policy(effective: date, status: str = PolicyStatus.IN_FORCE) -> int:
    return (await bare_policy(effective_date=effective, status=status))["id"]


async def announce(policy_id: int, day: date) -> tuple[int, list[int]]:
    heard.clear()
    count = await jobs.announce_anniversaries(policy_id, day)
    return count, [year for pid, year in heard if pid == policy_id]


async def stored(policy_id: int) -> dict:
    return (
        await Policy.select(Policy.anniversaries_announced, Policy.next_anniversary)
        .where(Policy.id == policy_id)
        .first()
    )


def test_each_year_is_announced_once_in_order_catching_up_skipped_years(in_db) -> None:
    async def body() -> None:
        pid = await policy(date(2020, 6, 15))
        assert await announce(pid, date(2021, 6, 14)) == (0, [])  # the day before the first anniversary
        assert await announce(pid, date(2021, 6, 15)) == (1, [1])
        assert await announce(pid, date(2021, 6, 15)) == (0, [])  # a second run the same day announces nothing
        assert await announce(pid, date(2024, 7, 1)) == (3, [2, 3, 4])  # the clock jumped: years 2-4, in order
        assert await stored(pid) == {"anniversaries_announced": 4, "next_anniversary": date(2025, 6, 15)}

    in_db(body)


def test_a_29_february_start_has_its_anniversary_on_28_february(in_db) -> None:
    async def body() -> None:
        pid = await policy(date(2028, 2, 29))
        assert await announce(pid, date(2029, 2, 27)) == (0, [])
        assert await announce(pid, date(2029, 2, 28)) == (1, [1])
        assert (await stored(pid))["next_anniversary"] == date(2030, 2, 28)

    in_db(body)


@pytest.mark.parametrize("status", [PolicyStatus.LAPSED, PolicyStatus.SURRENDERED, PolicyStatus.PENDING_PAYMENT])
def test_only_a_policy_in_force_is_announced(in_db, status: str) -> None:
    async def body() -> None:
        pid = await policy(date(2020, 1, 10), status)
        assert await announce(pid, date(2023, 1, 10)) == (0, [])
        assert await stored(pid) == {"anniversaries_announced": 0, "next_anniversary": None}

    in_db(body)


def test_the_job_finds_a_due_policy_and_not_one_announced_already(in_db) -> None:
    async def body() -> None:
        due = await policy(date(2019, 3, 1))
        young = await policy(date(2022, 9, 1))
        found = await jobs._anniversary_candidates(date(2023, 3, 1), 0, 1_000_000)
        assert due in found and young not in found
        await announce(due, date(2023, 3, 1))
        assert due not in await jobs._anniversary_candidates(date(2023, 3, 1), 0, 1_000_000)
        assert due in await jobs._anniversary_candidates(date(2024, 3, 1), 0, 1_000_000)

    in_db(body)
