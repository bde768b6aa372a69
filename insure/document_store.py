"""Generated documents: render HTML to PDF once, store the file, record it as ready (idempotent)."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from insure import clock, filestore
from insure.documents import html_to_pdf
from insure.documents_model import DOCUMENT, DocumentStatus
from insure.documents_tables import Document
from insure.errors import N_, Conflict
from insure.state import transition

log = logging.getLogger(__name__)
RENDER_TASKS = {
    "illustration": "documents.render_illustration",
    "policy_schedule": "documents.render_policy_schedule",
    "dividend_notice": "documents.render_dividend_notice",  # insure.accounts.notice_delivery
}
FAILED = "failed"  # reported, never stored: the rendering is parked as needs_attention (insure.work)


async def find(doc_key: str) -> dict | None:
    """The document row; a pending one whose rendering is parked (needs attention) reads as ``failed``."""
    doc = await Document.select().where(Document.doc_key == doc_key).first()
    if doc is not None and doc["status"] == DocumentStatus.PENDING and doc["kind"] in RENDER_TASKS:
        from insure import work

        parked = await work.find(RENDER_TASKS[doc["kind"]], doc["owner_id"])
        if parked is not None and parked["status"] == "needs_attention":
            doc["status"] = FAILED
    return doc


async def is_ready(doc_key: str) -> bool:
    doc = await Document.select(Document.status).where(Document.doc_key == doc_key).first()
    return doc is not None and doc["status"] == DocumentStatus.READY


async def store_pdf(*, doc_key: str, kind: str, owner_type: str, owner_id: int, relative: str, html: str) -> None:
    """Render and store; a second call for a ready document does nothing. A rendering that raises is counted
    and, after the cap, parked by the task around it (insure.work)."""
    if await is_ready(doc_key):
        return
    existing = await Document.select().where(Document.doc_key == doc_key).first()
    pdf = html_to_pdf(html)
    path = filestore.save(relative, pdf)
    if existing:
        from insure.db import transaction

        try:
            async with transaction():  # the guarded move and its event row
                await transition(
                    Document,
                    existing["id"],
                    existing["status"],
                    DocumentStatus.READY,
                    machine=DOCUMENT,
                    actor="system:documents",
                    reason=f"{kind} rendered",
                    values={Document.path: path, Document.ready_at: clock.now()},
                )
        except Conflict:  # a concurrent rendering stored it first (ready meanwhile): that one stands
            return
    else:
        await Document.insert(
            Document(
                doc_key=doc_key,
                kind=kind,
                owner_type=owner_type,
                owner_id=owner_id,
                status=DocumentStatus.READY,
                path=path,
                ready_at=clock.now(),
            )
        )


async def request(doc_key: str, kind: str, owner_type: str, owner_id: int, task: str) -> None:
    """Record a pending document and queue its rendering; a concurrent duplicate request is harmless."""
    from insure import outbox
    from insure.db import transaction

    try:
        async with transaction():
            await Document.insert(
                Document(
                    doc_key=doc_key,
                    kind=kind,
                    owner_type=owner_type,
                    owner_id=owner_id,
                    status=DocumentStatus.PENDING,
                )
            )
            await outbox.enqueue(task, owner_id)
    except Exception:
        if await find(doc_key) is None:  # not a duplicate: a real failure
            raise


async def ready_path(doc_key: str) -> Path:
    doc = await find(doc_key)
    if doc is not None and doc["status"] == FAILED:
        raise Conflict(
            N_("We could not prepare this document yet; our staff can see this and will send it to you."),
            code="document_failed",
        )
    if doc is None or doc["status"] != DocumentStatus.READY:
        raise Conflict(N_("The document is still being prepared; try again in a moment."), code="document_not_ready")
    return filestore.path_of(doc["path"])


async def stuck_pending(older_than: timedelta = timedelta(minutes=2)) -> list[tuple[str, int]]:
    """Documents requested a while ago and still not rendered (lost message, crashed worker)."""
    rows = await Document.select(Document.kind, Document.owner_id).where(
        (Document.status == DocumentStatus.PENDING) & (Document.created_at < clock.now() - older_than)
    )
    return [(r["kind"], r["owner_id"]) for r in rows]
