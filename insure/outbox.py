"""Transactional outbox: work that must reach a worker is written in the business transaction.

``enqueue`` inserts a row inside the caller's transaction; the relay publishes pending rows to the broker
and marks them sent. If the broker is down the rows wait, so a broker outage loses nothing. A row may be
published twice (a crash between publish and mark): every task is idempotent, so that is harmless.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import timedelta
from typing import Any

import anyio
from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from insure import clock
from insure.tables_base import timestamp_now

log = logging.getLogger(__name__)

RELAY_BATCH = 200
CLAIM_LEASE = timedelta(seconds=60)
# Set when this request or task wrote outbox rows, so only those pay for an immediate relay pass.
_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("outbox_wrote", default=False)


class OutboxMessage(Table):
    task = Varchar(length=80)
    payload = Text()  # JSON list of positional arguments: ids only
    created_at = timestamp_now()
    claimed_at = Timestamptz(null=True, default=None)  # a relay is publishing it (a lease, see CLAIM_LEASE)
    published_at = Timestamptz(null=True, default=None, index=True)
    attempts = Integer(default=0)
    last_error = Varchar(length=255, default="")


async def enqueue(task: str, *args: Any) -> int:
    """Record that ``task(*args)`` must run; call inside the business transaction."""
    rows = await OutboxMessage.insert(
        OutboxMessage(task=task, payload=json.dumps(list(args)), created_at=clock.real_now())
    ).returning(OutboxMessage.id)
    _wrote.set(True)
    return rows[0]["id"]


def wrote_messages() -> bool:
    """Did the current request or task write outbox rows?"""
    return _wrote.get()


async def relay_pending(*, min_age: timedelta = timedelta(0), limit: int = RELAY_BATCH) -> int:
    """Publish pending messages older than ``min_age``; returns how many were published.

    Rows are first claimed with a short lease (``claimed_at``), so concurrent relays — web processes, workers,
    beat — do not publish the same row; a relay that dies mid-way leaves its rows to be claimed again when the
    lease runs out. The blocking publish runs in a thread with the broker's timeouts, never on the event loop.
    """
    # Wall-clock time, never the business clock: processes pick up a moved demo clock at different moments, and
    # a lease compared across two offsets would expire at once and let a second relay publish the row again.
    now = clock.real_now()
    claimable = OutboxMessage.published_at.is_null() & (
        OutboxMessage.claimed_at.is_null() | (OutboxMessage.claimed_at < now - CLAIM_LEASE)
    )
    candidates = (
        await OutboxMessage.select(OutboxMessage.id)
        .where(claimable & (OutboxMessage.created_at <= now - min_age))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if not candidates:
        return 0
    claimed = (
        await OutboxMessage.update({OutboxMessage.claimed_at: now})
        .where(OutboxMessage.id.is_in([r["id"] for r in candidates]) & claimable)
        .returning(OutboxMessage.id, OutboxMessage.task, OutboxMessage.payload)
    )
    published = 0
    for row in sorted(claimed, key=lambda r: r["id"]):
        try:
            await anyio.to_thread.run_sync(_publish, row["task"], json.loads(row["payload"]))
        except Exception as exc:  # broker down or slow: release the rest for the next pass
            log.warning("outbox relay: broker refused %s #%s: %s", row["task"], row["id"], exc)
            unsent = [r["id"] for r in claimed if r["id"] >= row["id"]]
            await OutboxMessage.update({OutboxMessage.claimed_at: None}).where(OutboxMessage.id.is_in(unsent))
            await OutboxMessage.update(
                {OutboxMessage.attempts: OutboxMessage.attempts + 1, OutboxMessage.last_error: str(exc)[:250]}
            ).where(OutboxMessage.id == row["id"])
            break
        await OutboxMessage.update({OutboxMessage.published_at: clock.real_now()}).where(OutboxMessage.id == row["id"])
        published += 1
    return published


def _publish(task: str, args: list) -> None:
    from insure.worker import celery_app

    celery_app.send_task(task, args=args)
