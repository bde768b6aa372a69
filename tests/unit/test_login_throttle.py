"""The per-account log-in throttle over an in-memory store (the same Store interface Redis provides)."""

from __future__ import annotations

import asyncio

import pytest
from litestar.stores.memory import MemoryStore

from insure.auth.throttle import LoginThrottle, ThrottlePolicy, TooManyAttempts, account_key

POLICY = ThrottlePolicy(failures=3, window=900, lock=60, max_lock=600)


def run(coro):
    return asyncio.run(coro)


async def _fail(throttle: LoginThrottle, account: str) -> None:
    await throttle.check_and_count(account)
    await throttle.failed(account)


def test_the_lock_doubles_up_to_its_ceiling():
    assert [POLICY.lock_seconds(level) for level in range(6)] == [60, 120, 240, 480, 600, 600]
    assert POLICY.lock_seconds(10_000) == 600


def test_case_and_full_width_letters_reach_the_same_counter():
    assert account_key(" Li.Na@Example.COM ") == account_key("ｌｉ.ｎａ@example.com") == "li.na@example.com"


def test_failures_lock_the_account_and_the_next_lock_is_longer():
    async def scenario() -> tuple[int, int]:
        throttle = LoginThrottle(MemoryStore(), POLICY)
        for _ in range(3):
            await _fail(throttle, "li.na@example.com")
        with pytest.raises(TooManyAttempts) as first:
            await throttle.check_and_count("LI.NA@example.com")
        # the lock ends (as if its time had passed); three more failures lock it again, for twice as long
        await throttle.store.delete(throttle._key("lock", "li.na@example.com"))
        for _ in range(3):
            await _fail(throttle, "li.na@example.com")
        with pytest.raises(TooManyAttempts) as second:
            await throttle.check_and_count("li.na@example.com")
        return first.value.retry_after, second.value.retry_after

    first, second = run(scenario())
    assert 55 <= first <= 60
    assert 115 <= second <= 120


def test_a_success_clears_the_failures():
    async def scenario() -> None:
        throttle = LoginThrottle(MemoryStore(), POLICY)
        for _ in range(10):
            await _fail(throttle, "li.na@example.com")  # would lock after 3 …
            await throttle.check_and_count("li.na@example.com")
            await throttle.succeeded("li.na@example.com")  # … but each success starts the count again
            await _fail(throttle, "li.na@example.com")
            await throttle.check_and_count("li.na@example.com")
            await throttle.succeeded("li.na@example.com")

    run(scenario())


def test_guesses_sent_at_once_cannot_all_slip_in_before_the_lock():
    async def scenario() -> list[bool]:
        throttle = LoginThrottle(MemoryStore(), POLICY)

        async def attempt() -> bool:
            try:
                await throttle.check_and_count("li.na@example.com")
            except TooManyAttempts:
                return False
            await asyncio.sleep(0.01)  # the password is being checked
            await throttle.failed("li.na@example.com")
            return True

        return await asyncio.gather(*(attempt() for _ in range(20)))

    checked = run(scenario())
    assert checked.count(True) == POLICY.failures
