"""The Celery app: queues, routes, beat schedule, and one event loop per worker process.

Celery cannot run ``async def`` tasks, so each worker process owns one asyncio loop and tasks run the
service coroutines on it (``run``). Tasks acknowledge late and are idempotent, so a crashed worker's task is
redelivered and repeated safely. No result backend: workflows never wait on results, each step enqueues the
next through the outbox. Time-based work is found by database scans on the beat schedule, never by ETA.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from celery import Celery
from kombu import Exchange, Queue

from insure.settings import get_settings

if TYPE_CHECKING:
    from insure.db import PoolStarter

T = TypeVar("T")

QUEUES = ("claims", "documents", "payments", "default")


def _broker_options() -> dict[str, Any]:
    settings = get_settings()
    if not settings.broker_is_embedded:
        # a broker that accepts connections but never answers must not hang a web request or a worker
        return {"visibility_timeout": 3600, "socket_timeout": 5, "socket_connect_timeout": 3}
    folder = settings.broker_dir / "queue"
    processed = settings.broker_dir / "processed"
    control = settings.broker_dir / "control"  # exchange → queue bindings (kombu's default is ./control)
    for path in (folder, processed, control):
        path.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(processed),
        "control_folder": str(control),
        "store_processed": False,
        "polling_interval": 0.1,  # the directory is polled; 1 s (kombu's default) delays every workflow step
    }


def make_celery() -> Celery:
    settings = get_settings()
    broker = settings.broker_url
    if settings.broker_is_embedded:
        from insure import embedded_broker

        broker = f"{embedded_broker.ALIAS}://"
    app = Celery(
        "insure",
        broker=broker,
        include=["insure.tasks", "claims.tasks", "insure.accounts.tasks", "insure.accounts.notice_tasks"],
    )
    app.conf.update(
        broker_transport_options=_broker_options(),
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
        task_default_queue="default",
        task_default_exchange="default",
        task_default_routing_key="default",
        # one direct exchange per queue, so a message reaches exactly the queue it was routed to
        task_queues=[Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUES],
        task_routes={
            # the claimant's notices render the decision letter (wkhtmltopdf, ~0.3 s): on the documents queue, so
            # assessments and payments never wait behind them (an exact name wins over the patterns)
            "claims.notify": {"queue": "documents", "routing_key": "documents"},
            "claims.*": {"queue": "claims", "routing_key": "claims"},
            "documents.*": {"queue": "documents", "routing_key": "documents"},
            "payments.*": {"queue": "payments", "routing_key": "payments"},
        },
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        beat_schedule={
            "relay-outbox": {"task": "outbox.relay", "schedule": 2.0, "options": {"expires": 10}},
            "reconcile-stuck-work": {"task": "outbox.reconcile", "schedule": 60.0, "options": {"expires": 120}},
            # the billing jobs (insure.policies.jobs), each its own batch run a business day: frequent so a moved
            # demo clock shows its effect within a minute, and an interrupted run resumes; once a day's run is done
            # the task does nothing until the next business day. Each waits for the one before it (and starts
            # the next when it finishes), so they run in this order.
            **{
                f"batch-{job}": {"task": f"batch.{job}", "schedule": 60.0, "options": {"expires": 120}}
                for job in (
                    "notify_due",
                    "lapse",
                    "collect",
                    "expire_stale_applications",
                    "expire_unpaid_policies",
                    "offer_renewals",
                    "anniversaries",
                    "end_of_term",
                )
            },
            # the statutory claim deadlines (claims.deadline_jobs): warnings at 80 %, escalations once passed
            "batch-claim_deadlines": {"task": "batch.claim_deadlines", "schedule": 60.0, "options": {"expires": 120}},
            # participating accounts (insure.accounts.jobs): declared dividends credited on each anniversary
            "batch-credit_dividends": {"task": "batch.credit_dividends", "schedule": 60.0, "options": {"expires": 120}},
        },
    )
    return app


celery_app = make_celery()

_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None
_pool: PoolStarter | None = None
# what runs after each task on the worker's loop (the outbox relay, registered by insure.tasks: the outbox
# imports this module for the Celery app, so this module does not import the outbox)
_after_task: list[Callable[[], Awaitable[None]]] = []


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a service coroutine on this worker process's own event loop (created on first use).

    Afterwards every hook registered with ``after_each_task`` runs on the same loop: ``insure.tasks`` registers
    the outbox relay, so the rows that step wrote are published at once and the next step of a workflow starts
    without waiting for the beat relay (which stays the safety net if this publish fails).
    """
    global _loop, _loop_pid, _pool
    if _loop is None or _loop_pid != os.getpid():
        from insure.db import PoolStarter

        _loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_loop)
        _loop_pid = os.getpid()
        _pool = PoolStarter()
    assert _pool is not None
    # opened on the first task, and after a failure tried again on a later one (with back-off, logged)
    _loop.run_until_complete(_pool.ensure())
    from insure.clock_store import refresh

    _loop.run_until_complete(refresh(force=True))  # every step sees the same "today" as the web
    result = _loop.run_until_complete(coro)
    for hook in _after_task:
        _loop.run_until_complete(hook())
    return result


def after_each_task(hook: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    """Register a coroutine function that ``run`` awaits after every task (once; it must not raise)."""
    if hook not in _after_task:
        _after_task.append(hook)
    return hook
