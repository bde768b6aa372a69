"""Administration over the API: the demo clock (move time forward to watch time-driven work happen) and the
documents a worker gave up rendering (list them, render them again once the cause is fixed)."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, get, post
from litestar.status_codes import HTTP_200_OK

from insure import clock, clock_store, document_store
from insure.errors import N_, Conflict, ValidationFailed
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


def document_out(d: dict) -> FailedDocumentOut:
    fields = ("doc_key", "kind", "owner_type", "owner_id", "attempts", "error")
    return FailedDocumentOut(*(d[f] for f in fields), created_at=d["created_at"].isoformat())


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
        "/documents/failed",
        summary="Documents the workers gave up rendering",
        description="After five failed attempts a document (e.g. a policy schedule) is marked failed and no longer "
        "retried; its error says why.",
    )
    async def failed_documents(self) -> list[FailedDocumentOut]:
        return [document_out(d) for d in await document_store.failed()]

    @post(
        "/documents/{doc_key:str}/retry",
        responses=problems(409),
        status_code=HTTP_200_OK,
        summary="Render a failed document again",
        description="Resets the attempts and queues the rendering (once the cause — a font, wkhtmltopdf — is fixed). "
        "404 for an unknown key; 409 `document_not_failed` unless it is failed.",
    )
    async def retry_document(self, doc_key: str) -> FailedDocumentOut:
        return document_out(await document_store.retry(doc_key))
