"""Administration over the API: the demo clock (move time forward to watch time-driven work happen), the
progress of the batch jobs, and the background work parked as needs_attention after its cap of attempts (list
it, retry it once the cause is fixed). The older failed-documents routes are views of that same list."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, get, post
from litestar.status_codes import HTTP_200_OK

from insure import batch, clock, clock_store, document_store, work
from insure.errors import N_, Conflict, NotFound, ValidationFailed
from insure.i18n import gettext
from insure.openapi import BEARER_SECURITY, problems
from insure.text_input import RequestBody, bounded_int
from insure.web.guards import role


class ClockOut(msgspec.Struct):
    now: str
    today: str
    offset_days: int
    demo_clock: bool


class FailedDocumentOut(msgspec.Struct):
    doc_key: str
    kind: str
    owner_type: str
    owner_id: int
    attempts: int
    error: str
    created_at: str


class AttentionOut(msgspec.Struct):
    kind: str
    business_id: str
    label: str
    status: str
    attempts: int
    cap: int
    last_error: str
    parked_at: str
    retry_url: str


def attention_out(row: dict) -> AttentionOut:
    return AttentionOut(
        kind=row["kind"],
        business_id=row["business_id"],
        label=gettext(work.KIND_LABELS.get(row["kind"], row["kind"])),
        status=row["status"],
        attempts=row["attempts"],
        cap=work.cap_for(row["kind"]),
        last_error=row["last_error"],
        parked_at=row["updated_at"].isoformat(),
        retry_url=f"/api/v1/admin/attention/{row['kind']}/{row['business_id']}/retry",
    )


_DOCUMENT_KINDS = {task: kind for kind, task in document_store.RENDER_TASKS.items()}


def document_out(row: dict) -> FailedDocumentOut:
    """A parked document rendering in the shape of the older failed-documents list."""
    kind = _DOCUMENT_KINDS[row["kind"]]
    owner_type = "quote" if kind == "illustration" else "policy"
    return FailedDocumentOut(
        doc_key=f"{kind}:{row['business_id']}",
        kind=kind,
        owner_type=owner_type,
        owner_id=int(row["business_id"]),
        attempts=row["attempts"],
        error=row["last_error"],
        created_at=row["updated_at"].isoformat(),
    )


class BatchRunOut(msgspec.Struct):
    job: str
    label: str
    business_day: str
    pass_no: int
    status: str
    last_id: int
    seen: int
    done: int
    skipped: int
    failed: int
    outcomes: dict[str, int]
    started_at: str
    updated_at: str
    finished_at: str | None


def batch_run_out(row: dict) -> BatchRunOut:
    return BatchRunOut(
        job=row["job"],
        label=gettext(row["label"]),
        business_day=row["business_day"].isoformat(),
        pass_no=row["pass_no"],
        status=row["status"],
        last_id=row["last_id"],
        seen=row["seen"],
        done=row["done"],
        skipped=row["skipped"],
        failed=row["failed"],
        outcomes=row["outcomes"],
        started_at=row["started_at"].isoformat(),
        updated_at=row["updated_at"].isoformat(),
        finished_at=row["finished_at"].isoformat() if row["finished_at"] else None,
    )


ClockDays = bounded_int(1, 3650)


class TravelRequest(RequestBody):
    days: ClockDays


def clock_out() -> ClockOut:
    offset = clock.offset()
    return ClockOut(
        now=clock.now().isoformat(),
        today=clock.today().isoformat(),
        offset_days=round(offset.total_seconds() / 86400),
        demo_clock=clock_store.demo_enabled(),
    )


async def move_clock(user: dict, days: object) -> None:
    if not clock_store.demo_enabled():
        raise Conflict(N_("The clock can only be moved in demo mode."), code="clock_fixed")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3650:
        raise ValidationFailed.one("days", "days_invalid", N_("Move the clock forward by 1 to 3,650 days."))
    await clock_store.travel(days, actor=f"user:{user['id']}")


class AdminController(Controller):
    path = "/api/v1/admin"
    tags = ["administration"]
    guards = [role("admin")]
    security = BEARER_SECURITY

    @get("/clock", summary="The business clock", description="Today's business date as every process sees it.")
    async def get_clock(self) -> ClockOut:
        await clock_store.refresh(force=True)
        return clock_out()

    @post(
        "/clock",
        responses=problems(409),
        status_code=HTTP_200_OK,
        summary="Move the demo clock forward",
        description="Demo and test installations only (DEMO_CLOCK=1, the default outside production): moves the "
        "business date of every web process, worker and beat forward by `days`, so grace periods, expiries and "
        "other time-driven work can be watched. Time never moves backwards. 409 `clock_fixed` in production.",
    )
    async def travel(self, request: Request, data: TravelRequest) -> ClockOut:
        await move_clock(request.scope["user"], data.days)  # type: ignore[arg-type]
        return clock_out()

    @get(
        "/attention",
        summary="Background work that needs attention",
        description="Every kind of background work (claim steps, gateway charges, refunds and payouts, document "
        "renderings, e-mails) counts its attempts, including failures before the real work starts; after its cap "
        "(`cap`: 8 for gateway work, 5 otherwise) it is parked here with its last error and neither the worker nor "
        "the reconciler starts it again. Oldest first; `kind` filters by kind (e.g. `claims.pay`). Admins only.",
    )
    async def attention(self, kind: str | None = None) -> list[AttentionOut]:
        return [attention_out(r) for r in await work.needing_attention((kind,) if kind else ())]

    @get(
        "/batches",
        summary="Progress of the batch jobs",
        description="The time-based jobs (due notices, lapse after grace, collection from saved cards, expiry of "
        "stale offers and unpaid policies, renewal offers, maturity and expiry), each run once a business day in "
        "chunks by id: the latest runs of each job, newest first, with the rows seen, done, skipped and failed, "
        "the last id of the last committed chunk (an interrupted run resumes after it), `status` (`running`, "
        "`done`, or `superseded` when the next day's run took over) and wall-clock times. `pass_no` 0 is the "
        'day\'s scheduled run; 1, 2, … are extra passes started by a "run now". `job` filters by job name (an '
        "unknown name lists nothing). A row that failed is counted here and in `GET /api/v1/admin/attention` "
        "(kind `batch.<job>.row`). Admins only.",
    )
    async def batches(self, job: str | None = None) -> list[BatchRunOut]:
        return [batch_run_out(r) for r in await batch.recent_runs(job)]

    @post(
        "/attention/{kind:str}/{business_id:str}/retry",
        responses=problems(409),
        status_code=HTTP_200_OK,
        summary="Retry parked background work",
        description="Resets the count of attempts and enqueues the work again through the outbox (once the cause "
        "is fixed); the retry is audited with who and when. 404 `work_not_found` for unknown work; 409 "
        "`work_not_parked` unless it needs attention (e.g. a second retry).",
    )
    async def retry_work(self, request: Request, kind: str, business_id: str) -> AttentionOut:
        return attention_out(await work.retry(request.scope["user"], kind, business_id))  # type: ignore[arg-type]

    @get(
        "/documents/failed",
        summary="Documents that need attention (part of the attention list)",
        description="The document renderings among `GET /api/v1/admin/attention`, in the older shape; kept for "
        "existing clients.",
        deprecated=True,
    )
    async def failed_documents(self) -> list[FailedDocumentOut]:
        return [document_out(r) for r in await work.needing_attention(tuple(_DOCUMENT_KINDS))]

    @post(
        "/documents/{doc_key:str}/retry",
        responses=problems(409),
        status_code=HTTP_200_OK,
        summary="Render a document that needs attention again (same as retrying its work)",
        description="`POST /api/v1/admin/attention/{kind}/{id}/retry` for the document's rendering. 404 for an "
        "unknown key; 409 `work_not_parked` unless it needs attention.",
        deprecated=True,
    )
    async def retry_document(self, request: Request, doc_key: str) -> FailedDocumentOut:
        kind, _, owner = doc_key.partition(":")
        if kind not in document_store.RENDER_TASKS or not owner.isascii() or not owner.isdigit():
            raise NotFound(N_("No such document."), code="document_not_found")
        row = await work.retry(request.scope["user"], document_store.RENDER_TASKS[kind], owner)  # type: ignore[arg-type]
        return document_out(row)
