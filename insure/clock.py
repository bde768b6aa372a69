"""The only source of "now". Business dates are in the insurer's time zone (Asia/Shanghai by default).

Nothing else calls ``datetime.now()`` or ``date.today()``, so tests and demos can move time in one place.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from insure.settings import get_settings

_offset = timedelta(0)


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return datetime.now(UTC) + _offset


def real_now() -> datetime:
    """Wall-clock time, for security lifetimes (API tokens): moving the demo clock must not log people out."""
    return datetime.now(UTC)


def today() -> date:
    """Today's business date in the insurer's time zone."""
    return now().astimezone(ZoneInfo(get_settings().timezone)).date()


def local(moment: datetime) -> datetime:
    """An instant shown in the insurer's time zone."""
    return moment.astimezone(ZoneInfo(get_settings().timezone))


def start_of(day: date) -> datetime:
    """00:00 of a business date in the insurer's time zone, as an instant."""
    return datetime.combine(day, datetime.min.time(), ZoneInfo(get_settings().timezone)).astimezone(UTC)


def offset() -> timedelta:
    """How far this process's clock is ahead of real time (zero outside demo mode)."""
    return _offset


def set_offset(offset: timedelta) -> None:
    """Move this process's clock (tests and demos only)."""
    global _offset
    _offset = offset
