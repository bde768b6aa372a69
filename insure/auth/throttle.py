"""Per-account log-in throttle: after a number of failed passwords for one e-mail address within a window,
that address is locked for a while, and each further lock lasts twice as long (up to a ceiling).

The per-address budget (Litestar's RateLimitConfig in ``insure/app.py``) stops one client from guessing
fast; this stops many clients (or spoofed addresses) from guessing one account's password. It is keyed by
the normalised e-mail whether or not an account exists, so the answer (429 ``too_many_attempts``) tells
nothing about which addresses have accounts. Only failures count: a successful log-in clears the counter.

The counters live in the ``rate_limit`` store: Redis when ``REDIS_URL`` is set (shared by every web
process), else the process's memory. An attempt is counted *before* its password is checked, so a burst of
parallel guesses cannot all slip in while the first ones are still being verified.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import unicodedata
import weakref
from dataclasses import dataclass

from litestar import Litestar
from litestar.stores.base import Store

from insure.errors import N_, DomainError
from insure.settings import get_settings

LEVEL_MEMORY = 24 * 3600  # how long a lock is remembered for the back-off


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"
    title = N_("Too many failed log-in attempts.")

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(
            N_("Too many failed log-in attempts for this account. Try again in %(seconds)s seconds."),
            seconds=self.retry_after,
        )


def account_key(email: str) -> str:
    """One key per address however it is typed: NFKC (full-width letters), case folded, trimmed."""
    return unicodedata.normalize("NFKC", email).strip().casefold()


@dataclass(frozen=True)
class ThrottlePolicy:
    failures: int  # failed attempts allowed within the window
    window: int  # seconds
    lock: int  # seconds of the first lock
    max_lock: int  # ceiling of the doubling

    def lock_seconds(self, level: int) -> int:
        """The length of the ``level``-th lock (0 = first): doubling, never above the ceiling."""
        return min(self.max_lock, self.lock * 2 ** min(level, 32))


class LoginThrottle:
    def __init__(self, store: Store, policy: ThrottlePolicy) -> None:
        self.store = store
        self.policy = policy

    @staticmethod
    def _key(kind: str, account: str) -> str:
        # hashed: the store holds no e-mail addresses, and any address is a key of fixed size
        return f"login:{kind}:{hashlib.sha256(account_key(account).encode()).hexdigest()}"

    async def check_and_count(self, account: str) -> None:
        """Refuse while the account is locked; otherwise count this attempt as a failure in advance (a
        success clears it). Raises TooManyAttempts."""
        remaining = await self._lock_remaining(account)
        if remaining:
            raise TooManyAttempts(remaining)
        attempts = await _increment(self.store, self._key("fail", account), self.policy.window)
        if attempts > self.policy.failures:  # guesses sent in parallel beyond the allowance
            raise TooManyAttempts(await self.lock(account))

    async def failed(self, account: str) -> None:
        """The password was wrong: lock the account once its allowance is spent."""
        raw = await self.store.get(self._key("fail", account))
        if raw is not None and int(raw) >= self.policy.failures:
            await self.lock(account)

    async def succeeded(self, account: str) -> None:
        await self.store.delete(self._key("fail", account))
        await self.store.delete(self._key("level", account))

    async def lock(self, account: str) -> int:
        """Start (or keep) a lock; returns its remaining seconds."""
        remaining = await self._lock_remaining(account)
        if remaining:
            return remaining
        level_raw = await self.store.get(self._key("level", account))
        level = int(level_raw) if level_raw is not None else 0
        seconds = self.policy.lock_seconds(level)
        await self.store.set(self._key("lock", account), json.dumps({"level": level}), expires_in=seconds)
        await self.store.set(self._key("level", account), str(level + 1), expires_in=LEVEL_MEMORY)
        await self.store.delete(self._key("fail", account))
        return seconds

    async def _lock_remaining(self, account: str) -> int:
        key = self._key("lock", account)
        if await self.store.get(key) is None:
            return 0
        return max(1, await self.store.expires_in(key) or 1)


_local_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


async def _increment(store: Store, key: str, ttl: int) -> int:
    """Add one to a counter that expires ``ttl`` seconds after its first count; atomic across processes on
    Redis (INCR), and within this process for the in-memory store (the only other one used for counters)."""
    redis = getattr(store, "_redis", None)
    make_key = getattr(store, "_make_key", None)
    if redis is not None and make_key is not None:
        full = make_key(key)
        count = int(await redis.incr(full))
        if count == 1 or await redis.ttl(full) < 0:  # the first count starts the window
            await redis.expire(full, ttl)
        return count
    loop = asyncio.get_running_loop()
    async with _local_locks.setdefault(loop, asyncio.Lock()):
        raw = await store.get(key)
        if raw is None:
            await store.set(key, "1", expires_in=ttl)
            return 1
        count = int(raw) + 1
        remaining = await store.expires_in(key)
        await store.set(key, str(count), expires_in=remaining or ttl)
        return count


def login_throttle(app: Litestar) -> LoginThrottle:
    """The throttle over the app's shared ``rate_limit`` store, with the limits from the settings."""
    settings = get_settings()
    policy = ThrottlePolicy(
        failures=settings.login_failure_limit,
        window=settings.login_failure_window,
        lock=settings.login_lock_seconds,
        max_lock=settings.login_lock_max_seconds,
    )
    return LoginThrottle(app.stores.get("rate_limit"), policy)
