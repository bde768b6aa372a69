"""The batch mechanism (insure.batch) on the real test database: chunks by id cover every row once, an
interrupted run resumes after its last committed chunk, a finished run is not done again the same day, a failing
row is counted and parked while the others complete, and a new business day starts a new run."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from piccolo.columns import Integer
from piccolo.table import Table

from insure import batch, clock, db, work, work_rules
from insure.batch_tables import BatchRun
from tests.conftest import PG_ADMIN

# Each step runs in its own event loop (asyncio.run), which SQLite's connections allow and a PostgreSQL pool,
# bound to the loop that opened it, does not; the integration tests run the same jobs on PostgreSQL.
pytestmark = pytest.mark.skipif(
    bool(PG_ADMIN), reason="PostgreSQL runs create the database for the integration stack; SQLite runs cover this"
)


class BatchProbe(Table):
    """Rows for the test jobs: each run of a row adds one to ``touched``."""

    touched = Integer(default=0)


ROWS = 23
CHUNK = 5


class Killed(BaseException):
    """The worker process dies mid-chunk (nothing catches it, as with a SIGKILL)."""


def run(query: Any) -> Any:
    """Run a coroutine or a Piccolo query to its end."""

    async def wrapped() -> Any:
        return await query

    return asyncio.run(wrapped())


@pytest.fixture(scope="module", autouse=True)
def database() -> Iterator[None]:
    from insure.cli import _migrate

    async def setup() -> None:
        await db.start_pool()
        await _migrate()
        await BatchProbe.create_table(if_not_exists=True)

    run(setup())
    yield

    async def teardown() -> None:
        await BatchProbe.alter().drop_table(if_exists=True)
        await BatchRun.delete().where(BatchRun.job.like("probe_%"))
        probes = work.WorkAttempt.select(work.WorkAttempt.id).where(work.WorkAttempt.kind.like("batch.probe_%"))
        ids = [r["id"] for r in await probes]
        if ids:
            await work.WorkAttemptEvent.delete().where(work.WorkAttemptEvent.work.is_in(ids))
            await work.WorkAttempt.delete().where(work.WorkAttempt.id.is_in(ids))

    run(teardown())


@pytest.fixture
def probe(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """A fresh set of probe rows, a job over them (named after the test) and the calls its row function saw."""
    state: dict[str, Any] = {"calls": [], "fail": set(), "kill_at": None, "ids": []}

    async def candidates(day: date, after: int, limit: int) -> list[int]:
        query = BatchProbe.select(BatchProbe.id).where(BatchProbe.id.is_in(state["ids"]))
        return await batch.ids_after(query, BatchProbe.id, after, limit)

    async def row(row_id: int, day: date) -> object:
        if state["kill_at"] == row_id:
            state["kill_at"] = None
            raise Killed
        state["calls"].append(row_id)
        if row_id in state["fail"]:
            raise RuntimeError(f"row {row_id} is broken")
        await BatchProbe.update({BatchProbe.touched: BatchProbe.touched + 1}).where(BatchProbe.id == row_id)
        return "odd" if row_id % 2 else True

    async def setup() -> list[int]:
        await BatchProbe.delete(force=True)
        rows = await BatchProbe.insert(*[BatchProbe() for _ in range(ROWS)]).returning(BatchProbe.id)
        return sorted(r["id"] for r in rows)

    state["ids"] = run(setup())
    name = "probe_" + request.node.name.removeprefix("test_")[:40]
    state["job"] = batch.register(batch.Job(name, "probe", candidates, row, chunk=CHUNK))
    yield state
    batch._jobs.pop(name, None)
    clock.set_offset(timedelta(0))


def touched() -> dict[int, int]:
    return {r["id"]: r["touched"] for r in run(BatchProbe.select())}


def runs_of(name: str) -> list[dict]:
    return run(BatchRun.select().where(BatchRun.job == name).order_by(BatchRun.id))


def test_chunks_by_id_cover_every_row_exactly_once_and_record_the_progress(probe: dict) -> None:
    result = run(batch.run_scheduled(probe["job"].name))
    assert probe["calls"] == probe["ids"]  # in id order, each once, across five chunks of five
    assert set(touched().values()) == {1}
    assert (result["status"], result["seen"], result["done"], result["skipped"], result["failed"]) == (
        "done",
        ROWS,
        ROWS,
        0,
        0,
    )
    assert result["outcomes"] == {"odd": sum(1 for i in probe["ids"] if i % 2)}
    (row,) = runs_of(probe["job"].name)
    assert row["last_id"] == probe["ids"][-1] and row["business_day"] == clock.today() and row["pass_no"] == 0
    assert row["finished_at"] is not None and row["started_at"] <= row["finished_at"]


def test_a_second_run_the_same_day_does_nothing(probe: dict) -> None:
    run(batch.run_scheduled(probe["job"].name))
    probe["calls"].clear()
    again = run(batch.run_scheduled(probe["job"].name))
    assert probe["calls"] == [] and set(touched().values()) == {1}
    assert again["status"] == "done" and again["seen"] == ROWS
    assert len(runs_of(probe["job"].name)) == 1


def test_an_interrupted_run_resumes_after_its_last_committed_chunk_without_redoing_rows(probe: dict) -> None:
    ids, name = probe["ids"], probe["job"].name
    probe["kill_at"] = ids[12]  # the third chunk (ids[10:15]) dies after doing two rows
    with pytest.raises(Killed):
        run(batch.run_scheduled(name))
    (stopped,) = runs_of(name)
    assert (stopped["status"], stopped["last_id"], stopped["seen"]) == ("running", ids[9], 10)

    # while the dead runner's lease lasts, nobody else takes the run
    assert run(batch.run_scheduled(name))["status"] == "busy"
    assert probe["calls"] == ids[:12]

    # once it has run out, the next runner resumes after the last committed chunk
    run(
        BatchRun.update({BatchRun.updated_at: clock.real_now() - batch.LEASE - timedelta(seconds=1)}).where(
            BatchRun.job == name
        )
    )
    probe["calls"].clear()
    resumed = run(batch.run_scheduled(name))
    assert probe["calls"] == ids[10:]  # the interrupted chunk again, then the rest; nothing before it
    counts = touched()
    assert all(counts[i] == 1 for i in ids[:10] + ids[12:])
    assert all(counts[i] == 2 for i in ids[10:12])  # done before the crash, done again: the row is idempotent
    assert (resumed["status"], resumed["seen"], resumed["last_id"]) == ("done", ROWS, ids[-1])
    assert len(runs_of(name)) == 1


def test_a_failing_row_is_counted_and_parked_while_the_others_complete(probe: dict, monkeypatch) -> None:
    job, broken = probe["job"], probe["ids"][7]
    monkeypatch.setitem(work_rules.CAPS, job.kind, 2)
    probe["fail"].add(broken)

    first = run(batch.run_scheduled(job.name))
    assert (first["status"], first["done"], first["failed"], first["seen"]) == ("done", ROWS - 1, 1, ROWS)
    assert all(n == 1 for i, n in touched().items() if i != broken)
    record = run(work.find(job.kind, broken))
    assert (record["status"], record["attempts"]) == ("failed", 1) and "row" in record["last_error"]

    # the next business day: a new run; the row fails a second time and, at its cap, is parked
    clock.set_offset(timedelta(days=1))
    second = run(batch.run_scheduled(job.name))
    assert (second["failed"], second["done"]) == (1, ROWS - 1)
    record = run(work.find(job.kind, broken))
    assert (record["status"], record["attempts"]) == ("needs_attention", 2)
    assert (job.kind, str(broken)) in run(work.parked())

    # a parked row is skipped, not tried, until staff retry it
    clock.set_offset(timedelta(days=2))
    probe["calls"].clear()
    third = run(batch.run_scheduled(job.name))
    assert broken not in probe["calls"] and len(probe["calls"]) == ROWS - 1
    assert (third["skipped"], third["failed"]) == (1, 0)
    assert [r["business_day"] for r in runs_of(job.name)] == [clock.today() - timedelta(days=d) for d in (2, 1, 0)]


def test_a_new_business_day_starts_a_new_run_and_an_unfinished_one_is_superseded(probe: dict) -> None:
    name, ids = probe["job"].name, probe["ids"]
    probe["kill_at"] = ids[3]
    with pytest.raises(Killed):
        run(batch.run_scheduled(name))
    clock.set_offset(timedelta(days=1))
    probe["calls"].clear()
    result = run(batch.run_scheduled(name))
    assert probe["calls"] == ids and result["status"] == "done"
    old, new = runs_of(name)
    assert (old["status"], new["status"]) == ("superseded", "done")
    assert new["business_day"] == old["business_day"] + timedelta(days=1)


def test_run_now_does_the_days_run_then_extra_passes_and_a_waiting_job_waits(probe: dict) -> None:
    name = probe["job"].name
    assert run(batch.run_now(name))["pass"] == 0
    probe["calls"].clear()
    extra = run(batch.run_now(name))  # "run it now" after the day's run: another pass over every candidate
    assert extra["pass"] == 1 and probe["calls"] == probe["ids"] and extra["seen"] == ROWS
    assert [r["pass_no"] for r in runs_of(name)] == [0, 1]

    follower = batch.register(batch.Job(name + "_next", "probe", probe["job"].candidates, probe["job"].row, name))
    try:
        clock.set_offset(timedelta(days=1))
        assert run(batch.run_scheduled(follower.name))["status"] == "waiting"  # its predecessor has not run today
        run(batch.run_scheduled(name))
        assert run(batch.run_scheduled(follower.name))["status"] == "done"
    finally:
        batch._jobs.pop(follower.name, None)


def test_the_billing_jobs_run_in_the_order_of_the_old_scan_each_on_the_beat_schedule() -> None:
    from insure.worker import celery_app

    names = [j.name for j in batch.jobs() if not j.name.startswith(("probe_", "claim_", "credit_"))]
    assert names == [
        "notify_due",
        "lapse",
        "collect",
        "expire_stale_applications",
        "expire_unpaid_policies",
        "offer_renewals",
        "anniversaries",
        "end_of_term",
    ]
    billing = [j for j in batch.jobs() if j.name in names]
    assert [j.after for j in billing] == [None, *names[:-1]]
    scheduled = {e["task"] for e in celery_app.conf.beat_schedule.values()}
    assert {j.task for j in billing} <= scheduled
    assert all(j.kind in work.KIND_LABELS for j in billing)  # a parked row can be listed and retried


def test_the_claim_deadlines_job_runs_on_its_own_beat_after_the_billing_jobs() -> None:
    from insure.worker import celery_app

    names = [j.name for j in batch.jobs() if not j.name.startswith("probe_")]
    assert names[-1] == "claim_deadlines"  # its module is listed after the billing jobs'
    job = batch.get("claim_deadlines")
    assert job.after is None  # independent of billing: it waits for nothing
    assert job.task in {e["task"] for e in celery_app.conf.beat_schedule.values()}
    assert job.kind in work.KIND_LABELS
