"""The demo clock's shared offset, kept in the database so the web processes, workers and beat agree on
"today" (see clock.py). Only when DEMO_CLOCK is on (the default outside production)."""

from __future__ import annotations

import time
from datetime import timedelta

from piccolo.columns import BigInt, Varchar
from piccolo.table import Table

from insure import clock
from insure.settings import get_settings
from insure.tables_base import timestamp_now

REFRESH_EVERY_S = 1.0
_last_refresh = 0.0


class ClockSetting(Table):
    offset_seconds = BigInt(default=0)
    updated_by = Varchar(length=64, default="")
    updated_at = timestamp_now()


def demo_enabled() -> bool:
    return get_settings().demo_clock


async def refresh(*, force: bool = False) -> None:
    """Load the shared offset (at most once a second per process unless forced)."""
    global _last_refresh
    if not demo_enabled():
        return
    if not force and time.monotonic() - _last_refresh < REFRESH_EVERY_S:
        return
    row = await ClockSetting.select(ClockSetting.offset_seconds).first()
    clock.set_offset(timedelta(seconds=row["offset_seconds"] if row else 0))
    _last_refresh = time.monotonic()


async def travel(days: int, actor: str) -> None:
    """Move every process's clock forward by whole days (demo and tests only)."""
    from insure.db import transaction

    async with transaction():
        row = await ClockSetting.select().first()
        if row is None:
            await ClockSetting.insert(ClockSetting(offset_seconds=days * 86400, updated_by=actor))
        else:
            await ClockSetting.update(
                {ClockSetting.offset_seconds: row["offset_seconds"] + days * 86400, ClockSetting.updated_by: actor}
            ).where(ClockSetting.id == row["id"])
    await refresh(force=True)
