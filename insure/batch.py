"""Batch jobs for time-based work (lapses, collections, renewal offers, maturities, notices; later dividend
declarations and commission runs): scanned in chunks by id, resumable, idempotent, counted, visible to staff.

A job is a name, a query of candidate ids and an idempotent coroutine for one row:

- ``candidates(day, after_id, limit)`` returns the next ids in ascending order (``id > after_id … LIMIT limit``,
  see ``ids_after``): the set-based part, one query a chunk, filtering in SQL whatever can be filtered there.
- ``row(id, day)`` makes one row's business change in its own transaction and is safe to run twice (it checks
  the row's state under a lock, as every status change does). It returns what it did: a truthy value (a string
  names the outcome, e.g. ``"matured"``) counts the row as done, ``None``/``False`` as skipped.

There is one *run* per job and business day (``clock.today()``), a ``BatchRun`` row holding ``last_id`` (the
last id of the last committed chunk), the counts and the times. A runner holds the run by a lease renewed at
every chunk; a worker killed mid-run leaves the lease to run out, and the next runner resumes after ``last_id``
(the rows of the interrupted chunk are done again: each is idempotent, and each is then a counted attempt, so a
row that kills the worker every time is parked instead of stopping the job for ever). Once the day's run is
done, running the job again that day does nothing; a new business day starts a new run (an older one still
unfinished is marked superseded: the new day's run covers its rows).

A row that raises does not stop the batch: the failure is counted through ``insure.work`` (kind
``batch.<job>.row``), and after the kind's cap of attempts it is parked as needs_attention; a parked row is
skipped until staff retry it (the retry runs the row task, ``redo_row``). ``run_now`` is the "run it now" of
the demo clock, of tests and of staff: it does the day's run if nobody holds it, otherwise an extra pass over
every candidate (the rows being idempotent, a pass that finds nothing to do changes nothing).

Jobs register themselves in the modules listed in ``JOB_MODULES`` (imported on first use, like the domain
events' handlers), so this mechanism imports none of the packages whose work it runs.
"""

from __future__ import annotations

import importlib
import json
import logging
import secrets
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from insure import clock, outbox, work
from insure.batch_tables import BatchRun
from insure.work_rules import WorkStatus

log = logging.getLogger(__name__)

CHUNK = 200  # rows a chunk: one candidate query and one progress update (a commit of last_id) each
LEASE = timedelta(minutes=2)  # a run whose holder has not reported a chunk for this long is resumed by another
RECENT = 10  # runs shown per job to staff

# The packages that define jobs (imported once, before the first job is looked up), in the order their jobs run.
JOB_MODULES: tuple[str, ...] = ("insure.policies.jobs", "insure.accounts.jobs", "claims.deadline_jobs")


class RunStatus:
    RUNNING = "running"
    DONE = "done"
    SUPERSEDED = "superseded"  # never finished on its day; the next day's run covered its rows


@dataclass(frozen=True)
class Job:
    name: str
    label: str  # for staff (an N_() message id)
    candidates: Callable[[date, int, int], Awaitable[list[int]]]
    row: Callable[[int, date], Awaitable[object]]
    after: str | None = None  # the job whose day's run must be done before this one's scheduled run starts
    chunk: int = CHUNK

    @property
    def kind(self) -> str:
        """The kind of counted work of one row (insure.work), also the Celery task that redoes one row."""
        return f"batch.{self.name}.row"

    @property
    def task(self) -> str:
        """The beat-scheduled Celery task that runs (or resumes) the day's run."""
        return f"batch.{self.name}"


_jobs: dict[str, Job] = {}
_origin: dict[str, str] = {}  # job name -> the module that registered it (its place in JOB_MODULES orders jobs)
_loaded = False


def register(job: Job) -> Job:
    """Called by a job module at import; registering the same name again replaces the job (tests)."""
    _jobs[job.name] = job
    _origin[job.name] = sys._getframe(1).f_globals.get("__name__", "")  # the job module that registered it
    return job


def load_jobs() -> None:
    global _loaded
    if not _loaded:
        for name in JOB_MODULES:
            importlib.import_module(name)
        _loaded = True


def jobs() -> list[Job]:
    """Every job, in the order they run: by the position of its module in JOB_MODULES (whichever module another
    import happened to load first), then in the order the module registered them."""
    load_jobs()
    rank = {module: i for i, module in enumerate(JOB_MODULES)}
    listed = list(_jobs.values())
    return sorted(listed, key=lambda job: (rank.get(_origin.get(job.name, ""), len(rank)), listed.index(job)))


def get(name: str) -> Job:
    load_jobs()
    return _jobs[name]


async def ids_after(query: Any, column: Any, after: int, limit: int) -> list[int]:
    """The next chunk of a candidate query: ``column > after ORDER BY column LIMIT limit`` (the query selects
    ``column`` alone; ``distinct()`` it when a join can repeat an id)."""
    rows = await query.where(column > after).order_by(column).limit(limit).output(as_list=True)
    return [int(r) for r in rows]


def _key(job: str, day: date, pass_no: int) -> str:
    return f"{job}:{day.isoformat()}:{pass_no}"


def _now() -> Any:
    return clock.real_now()  # leases and progress times are wall-clock, like insure.work's


def _summary(run: dict, state: str | None = None) -> dict[str, Any]:
    return {
        "job": run["job"],
        "business_day": run["business_day"].isoformat(),
        "pass": run["pass_no"],
        "status": state or run["status"],
        "last_id": run["last_id"],
        "seen": run["seen"],
        "done": run["done"],
        "skipped": run["skipped"],
        "failed": run["failed"],
        "outcomes": json.loads(run["outcomes"] or "{}"),
    }


async def _find(job: str, day: date, pass_no: int) -> dict | None:
    return await BatchRun.select().where(BatchRun.run_key == _key(job, day, pass_no)).first()


async def _create(job: Job, day: date, pass_no: int, owner: str) -> dict | None:
    """A new run held by ``owner``; None when another runner created it first."""
    now = _now()
    try:
        await BatchRun.insert(
            BatchRun(
                run_key=_key(job.name, day, pass_no),
                job=job.name,
                business_day=day,
                pass_no=pass_no,
                status=RunStatus.RUNNING,
                owner=owner,
                started_at=now,
                updated_at=now,
            )
        )
    except Exception:  # unique run_key: a concurrent runner created it (anything else is raised again)
        if await _find(job.name, day, pass_no) is None:
            raise
        return None
    return await _find(job.name, day, pass_no)


async def _take(job: Job, day: date, pass_no: int, owner: str) -> tuple[dict | None, bool]:
    """Hold this run if it is free: (run, resumed). (None, _) when it is done or another runner holds it."""
    run = await _find(job.name, day, pass_no)
    if run is None:
        await BatchRun.update({BatchRun.status: RunStatus.SUPERSEDED, BatchRun.updated_at: _now()}).where(
            (BatchRun.job == job.name) & (BatchRun.business_day < day) & (BatchRun.status == RunStatus.RUNNING)
        )
        return await _create(job, day, pass_no, owner), False
    if run["status"] != RunStatus.RUNNING or run["updated_at"] > _now() - LEASE:
        return None, False  # finished, or held by a live runner
    won = (
        await BatchRun.update({BatchRun.owner: owner, BatchRun.updated_at: _now()})
        .where((BatchRun.id == run["id"]) & (BatchRun.owner == run["owner"]) & (BatchRun.status == RunStatus.RUNNING))
        .returning(BatchRun.id)
    )
    if not won:
        return None, False
    log.warning("batch %s: resuming the run of %s after id %d (its runner stopped)", job.name, day, run["last_id"])
    return {**run, "owner": owner}, True


async def _parked_or_failed(job: Job, ids: list[int]) -> dict[str, str]:
    """The counted-work status of the rows of a chunk that have one (one query a chunk)."""
    rows = await work.WorkAttempt.select(work.WorkAttempt.business_id, work.WorkAttempt.status).where(
        (work.WorkAttempt.kind == job.kind) & work.WorkAttempt.business_id.is_in([str(i) for i in ids])
    )
    return {r["business_id"]: r["status"] for r in rows}


async def _one(job: Job, row_id: int, day: date, known: str | None, counted: bool) -> object:
    """One row. A row with no failure on record runs plainly (no bookkeeping row per business row, which a
    million-row run cannot afford); a failure starts counting it, and a row with a record, or any row of a
    chunk being resumed after a crash, runs as a counted attempt. Raises what the row raised."""
    if counted or known in (WorkStatus.FAILED, WorkStatus.RUNNING):
        return await work.attempt(job.kind, row_id, lambda: job.row(row_id, day))  # None when parked meanwhile
    try:
        return await job.row(row_id, day)
    except Exception as exc:
        await work.begin(job.kind, row_id)
        await work.failed(job.kind, row_id, exc)
        raise


async def _process(job: Job, run: dict, resumed: bool) -> dict[str, Any]:
    day, owner, last = run["business_day"], run["owner"], run["last_id"]
    totals = Counter({k: run[k] for k in ("seen", "done", "skipped", "failed")})
    outcomes = Counter(json.loads(run["outcomes"] or "{}"))
    while True:
        ids = await job.candidates(day, last, job.chunk)
        if not ids:
            break
        status = await _parked_or_failed(job, ids)
        for row_id in ids:
            totals["seen"] += 1
            known = status.get(str(row_id))
            if known == WorkStatus.NEEDS_ATTENTION:
                totals["skipped"] += 1  # parked: only a staff retry starts it again
                continue
            try:
                result = await _one(job, row_id, day, known, counted=resumed)
            except Exception:  # counted (and parked at its cap) by insure.work; the batch goes on
                log.exception("batch %s: row %s failed", job.name, row_id)
                totals["failed"] += 1
                continue
            if result:
                totals["done"] += 1
                if isinstance(result, str):
                    outcomes[result] += 1
            else:
                totals["skipped"] += 1
        last, resumed = ids[-1], False
        held = (
            await BatchRun.update(
                {
                    BatchRun.last_id: last,
                    **{getattr(BatchRun, k): v for k, v in totals.items()},
                    BatchRun.outcomes: json.dumps(dict(outcomes), sort_keys=True),
                    BatchRun.updated_at: _now(),
                }
            )
            .where((BatchRun.id == run["id"]) & (BatchRun.owner == owner) & (BatchRun.status == RunStatus.RUNNING))
            .returning(BatchRun.id)
        )
        if not held:  # our lease ran out and another runner resumed the run: it carries on from its last_id
            log.warning("batch %s: lost the run of %s to another runner", job.name, day)
            return _summary(await BatchRun.select().where(BatchRun.id == run["id"]).first(), "lost")
    now = _now()
    await BatchRun.update({BatchRun.status: RunStatus.DONE, BatchRun.finished_at: now, BatchRun.updated_at: now}).where(
        (BatchRun.id == run["id"]) & (BatchRun.owner == owner) & (BatchRun.status == RunStatus.RUNNING)
    )
    finished = await BatchRun.select().where(BatchRun.id == run["id"]).first()
    log.info("batch %s %s: %s", job.name, day, _summary(finished))
    return _summary(finished)


async def finished(name: str, day: date) -> bool:
    run = await _find(name, day, 0)
    return run is not None and run["status"] == RunStatus.DONE


async def run_scheduled(name: str) -> dict[str, Any]:
    """Beat: start, resume or (once done) skip the day's run of a job; once its predecessor's is done."""
    job, day, owner = get(name), clock.today(), _owner()
    if job.after and not await finished(job.after, day):
        return {"job": name, "business_day": day.isoformat(), "status": "waiting", "after": job.after}
    run, resumed = await _take(job, day, 0, owner)
    if run is None:  # done today already, or another runner holds it
        existing = await _find(name, day, 0)
        return _summary(existing, None if existing["status"] == RunStatus.DONE else "busy")  # type: ignore[index]
    result = await _process(job, run, resumed)
    if result["status"] == RunStatus.DONE:  # the next jobs of the day start now, not at their next beat
        for nxt in jobs():
            if nxt.after == name:
                await outbox.enqueue(nxt.task)
    return result


async def run_now(name: str) -> dict[str, Any]:
    """Run a job now over every current candidate: the day's run if it is free, else an extra pass."""
    job, day, owner = get(name), clock.today(), _owner()
    run, resumed = await _take(job, day, 0, owner)
    while run is None:
        last = (
            await BatchRun.select(BatchRun.pass_no)
            .where((BatchRun.job == name) & (BatchRun.business_day == day))
            .order_by(BatchRun.pass_no, ascending=False)
            .first()
        )
        run = await _create(job, day, (last["pass_no"] if last else 0) + 1, owner)
    return await _process(job, run, resumed)


async def run_all_due() -> dict[str, dict[str, Any]]:
    """Every job now, in order (the demo clock, tests and staff): what the nightly runs do, at once."""
    return {job.name: await run_now(job.name) for job in jobs()}


async def redo_row(name: str, row_id: int) -> object:
    """Worker: one row of a job again (the reconciler after a failure, or a staff retry of a parked row)."""
    return await get(name).row(row_id, clock.today())


def _owner() -> str:
    return f"runner:{secrets.token_hex(6)}"


async def recent_runs(job: str | None = None, per_job: int = RECENT) -> list[dict]:
    """The latest runs of each job (or of one), newest first, for staff."""
    names = [j.name for j in jobs()]
    if job is not None:
        names = [n for n in names if n == job]  # an unknown name matches nothing, unqueried
    found: list[dict] = []
    for name in names:
        found += (
            await BatchRun.select()
            .where(BatchRun.job == name)
            .order_by(BatchRun.business_day, ascending=False)
            .order_by(BatchRun.pass_no, ascending=False)
            .limit(per_job)
        )
    for row in found:
        row["label"] = _jobs[row["job"]].label
        row["outcomes"] = json.loads(row["outcomes"] or "{}")
    return found
