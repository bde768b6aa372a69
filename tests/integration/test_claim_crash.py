"""A worker killed (SIGKILL) in the middle of paying a claim, then restarted: the claim is paid exactly once — one
payout, one ledger entry, status paid — by the real worker and the real reconciler, with nothing faked.

The window is hit without a timed race: the test takes a table lock that the payment step needs (PostgreSQL's
``LOCK TABLE … IN SHARE MODE``), files a claim, and waits until pg_stat_activity shows the worker's own
connection blocked on that lock inside the step's transaction. Only then is every process of the worker killed
with SIGKILL and the lock released; the step's transaction dies with its connection. Two windows:

- ``payout``: inside ``claims.pay``, the claim row locked, the payout being inserted (nothing sent yet);
- ``journal_entry``: inside the gateway's confirmation (``payments.sandbox_payout``), the payout sent and being
  booked to the ledger (the step that moves the claim to paid).

A new worker is started; the demo clock moves a day so the reconciler sees the step as overdue, and the
reconciler (``outbox.reconcile``, run by beat every minute; sent once here so the test need not wait for it)
enqueues the step again. PostgreSQL only: SQLite has no table locks to hold the worker in the window.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from claims import services
from claims.tables import Claim, ClaimEvent
from insure.ledger.tables import JournalEntry
from insure.payments.payouts import settle_payout
from insure.payments.tables import Payout
from tests.conftest import PG_ADMIN

from .claim_helpers import filed
from .helpers import auth, buy_policy, db, register, travel, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not PG_ADMIN, reason="holding the worker in the window needs PostgreSQL's table locks"),
]


class TableLock:
    """A PostgreSQL connection of the test's own, in a thread with its own event loop: it holds a table lock and
    watches the worker's sessions."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.conn = None

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def take(self, table: str) -> None:
        import asyncpg

        from insure.db import postgres_config

        async def take() -> None:
            self.conn = await asyncpg.connect(**postgres_config(os.environ["DATABASE_URL"]))
            await self.conn.execute("BEGIN")
            await self.conn.execute(f'LOCK TABLE "{table}" IN SHARE MODE')  # blocks INSERT, not SELECT

        self.run(take())

    def blocked_worker(self, table: str) -> dict | None:
        """The worker session waiting for this lock (its pid, state and query), or None."""

        async def look() -> dict | None:
            row = await self.conn.fetchrow(
                "SELECT a.pid, a.state, a.query FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                "WHERE a.datname = current_database() AND a.application_name = 'insure worker' "
                "AND NOT l.granted AND l.relation = $1::regclass",
                table,
            )
            return dict(row) if row else None

        return self.run(look())

    def activity(self) -> list:
        """The sessions of the database (for a failure message)."""

        async def look() -> list:
            rows = await self.conn.fetch(
                "SELECT pid, application_name, state, wait_event_type, left(query, 80) FROM pg_stat_activity "
                "WHERE datname = current_database()"
            )
            return [tuple(r) for r in rows]

        return self.run(look())

    def gone(self, pid: int) -> bool:
        """Whether the server has ended this session (it noticed its client died and rolled its work back)."""

        async def look() -> bool:
            return not await self.conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid)

        return self.run(look())

    def release(self) -> None:
        """Let the lock go (the connection stays open, to watch)."""
        if self.conn is not None and self.conn.is_in_transaction():
            self.run(self.conn.execute("ROLLBACK"))

    def close(self) -> None:
        self.release()
        if self.conn is not None:
            self.run(self.conn.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


@pytest.fixture()
def table_lock() -> Iterator[TableLock]:
    lock = TableLock()
    try:
        yield lock
    finally:
        lock.close()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(p) for p in text)
    return found


def _kill_worker(stack) -> None:
    """SIGKILL the worker's main process, then its pool processes (the main one can no longer replace them):
    nobody gets to clean up or to hand the task back."""
    main = stack.procs["worker"]
    pool = _children(main.pid)
    main.send_signal(signal.SIGKILL)
    main.wait(timeout=15)
    for pid in pool:
        os.kill(pid, signal.SIGKILL)


def _wait_blocked(lock: TableLock, table: str, claim_number: str, api, customer) -> dict:
    deadline = time.monotonic() + 30
    while (blocked := lock.blocked_worker(table)) is None:
        assert time.monotonic() < deadline, (
            f"the worker never reached the INSERT into {table}; the claim is "
            f"{api.get(f'/claims/{claim_number}', headers=auth(customer)).json()['status']}; {lock.activity()}"
        )
        time.sleep(0.1)
    return blocked


@pytest.mark.parametrize("table", ["payout", "journal_entry"])
def test_a_worker_killed_mid_payment_and_restarted_pays_the_claim_exactly_once(stack, api, table_lock, table):
    customer = register(api)
    policy = buy_policy(api, customer)  # paid and booked before the lock is taken

    # given the worker held inside the payment step, its transaction open
    table_lock.take(table)
    claim = filed(api, customer, policy["number"], "accidental_medical", "800")
    number = claim["number"]
    claim_id = db(Claim.select(Claim.id).where(Claim.number == number).first())["id"]
    blocked = _wait_blocked(table_lock, table, number, api, customer)

    # when the whole worker is killed there, and the lock let go
    _kill_worker(stack)
    table_lock.release()
    # the server notices the dead client and ends its session, rolling back what the step had done
    assert wait_for(lambda: table_lock.gone(blocked["pid"]), bool, timeout=30), "the worker's session never ended"

    # then the killed step left nothing half done: not paid, no ledger entry (and in the first window no payout)
    before = api.get(f"/claims/{number}", headers=auth(customer)).json()
    assert before["status"] == "approved" and before["paid_at"] is None
    key = f"claim:{claim_id}"
    sent = [p["status"] for p in db(Payout.select(Payout.status).where(Payout.payout_key == key))]
    assert sent == ([] if table == "payout" else ["pending"])
    booked = (JournalEntry.source_type == "claim") & (JournalEntry.source_id == claim_id)
    assert db(JournalEntry.count().where(booked)) == 0

    # when a new worker starts and the reconciler finds the step overdue
    stack.start("worker", "worker", "--concurrency", "2")
    travel(api, 1)
    stack.python("from insure.worker import celery_app; celery_app.send_task('outbox.reconcile')")

    # then the claim is paid, once: one payout (confirmed), one balanced ledger entry, one move to paid
    paid = wait_for(
        lambda: api.get(f"/claims/{number}", headers=auth(customer)).json(),
        lambda c: c["status"] == "paid",
        timeout=120,
        every=0.5,
    )
    assert paid["status"] == "paid" and paid["paid_at"] is not None
    assert paid["approved_amount"] == "630.00" and paid["payout"]["status"] == "succeeded"
    payouts = db(Payout.select(Payout.amount_fen, Payout.status).where(Payout.payout_key == key))
    assert payouts == [{"amount_fen": 63000, "status": "succeeded"}]
    assert db(JournalEntry.count().where(booked)) == 1
    moves = db(ClaimEvent.select(ClaimEvent.to_status).where(ClaimEvent.claim == claim_id).order_by(ClaimEvent.id))
    # (claim_helpers.filed gives the documents once the assessment has asked for them)
    assert [m["to_status"] for m in moves] == [
        "submitted",
        "assessing",
        "awaiting_documents",
        "assessing",
        "approved",
        "paid",
    ]

    # and a late duplicate of either step (a message delivered again) changes nothing
    payout_id = db(Payout.select(Payout.id).where(Payout.payout_key == key).first())["id"]
    db(services.pay(claim_id))
    db(settle_payout(payout_id))
    assert db(Payout.count().where(Payout.payout_key == key)) == 1
    assert db(JournalEntry.count().where(booked)) == 1
