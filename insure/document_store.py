"""Generated documents: render HTML to PDF once, store the file, record it as ready (idempotent)."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from insure import clock, filestore
from insure.documents import html_to_pdf
from insure.documents_tables import Document
from insure.errors import N_, Conflict

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5  # the reconciler retries a failed rendering every few minutes, then gives up and it shows


async def find(doc_key: str) -> dict | None:
    return await Document.select().where(Document.doc_key == doc_key).first()


async def is_ready(doc_key: str) -> bool:
    doc = await find(doc_key)
    return doc is not None and doc["status"] == "ready"


async def _failed(existing: dict | None, exc: Exception, **identity: object) -> None:
    """Record why rendering failed; after MAX_ATTEMPTS the document is marked failed and no longer retried."""
    error = f"{type(exc).__name__}: {exc}"[:255]
    attempts = (existing["attempts"] if existing else 0) + 1
    status = "failed" if attempts >= MAX_ATTEMPTS else "pending"
    log.error("rendering %s failed (attempt %d of %d): %s", identity["doc_key"], attempts, MAX_ATTEMPTS, error)
    if existing:
        await Document.update({Document.error: error, Document.attempts: attempts, Document.status: status}).where(
            Document.id == existing["id"]
        )
    else:
        await Document.insert(Document(**identity, status=status, error=error, attempts=attempts))


async def store_pdf(*, doc_key: str, kind: str, owner_type: str, owner_id: int, relative: str, html: str) -> None:
    """Render and store; a second call for a ready (or given-up) document does nothing."""
    existing = await find(doc_key)
    if existing and existing["status"] in ("ready", "failed"):
        return
    try:
        pdf = html_to_pdf(html)
    except Exception as exc:
        await _failed(existing, exc, doc_key=doc_key, kind=kind, owner_type=owner_type, owner_id=owner_id)
        raise
    path = filestore.save(relative, pdf)
    if existing:
        await Document.update({Document.status: "ready", Document.path: path, Document.ready_at: clock.now()}).where(
            Document.id == existing["id"]
        )
    else:
        await Document.insert(
            Document(
                doc_key=doc_key,
                kind=kind,
                owner_type=owner_type,
                owner_id=owner_id,
                status="ready",
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
                Document(doc_key=doc_key, kind=kind, owner_type=owner_type, owner_id=owner_id, status="pending")
            )
            await outbox.enqueue(task, owner_id)
    except Exception:
        if await find(doc_key) is None:  # not a duplicate: a real failure
            raise


async def ready_path(doc_key: str) -> Path:
    doc = await find(doc_key)
    if doc is not None and doc["status"] == "failed":
        raise Conflict(
            N_("We could not prepare this document yet; our staff can see this and will send it to you."),
            code="document_failed",
        )
    if doc is None or doc["status"] != "ready":
        raise Conflict(N_("The document is still being prepared; try again in a moment."), code="document_not_ready")
    return filestore.path_of(doc["path"])


async def stuck_pending(older_than: timedelta = timedelta(minutes=2)) -> list[tuple[str, int]]:
    """Documents requested a while ago and still not rendered (lost message, crashed worker)."""
    rows = await Document.select(Document.kind, Document.owner_id).where(
        (Document.status == "pending") & (Document.created_at < clock.now() - older_than)
    )
    return [(r["kind"], r["owner_id"]) for r in rows]


async def failed() -> list[dict]:
    return await Document.select().where(Document.status == "failed").order_by(Document.id)


RENDER_TASKS = {"illustration": "documents.render_illustration", "policy_schedule": "documents.render_policy_schedule"}


async def retry(doc_key: str) -> dict:
    """Staff: render a failed document again from scratch (the worker's task is queued in the same transaction)."""
    from insure import outbox
    from insure.db import transaction
    from insure.errors import NotFound

    async with transaction():
        doc = await find(doc_key)
        if doc is None or doc["kind"] not in RENDER_TASKS:
            raise NotFound(N_("No such document."), code="document_not_found")
        if doc["status"] != "failed":
            raise Conflict(N_("Only a failed document can be rendered again."), code="document_not_failed")
        await Document.update({Document.status: "pending", Document.attempts: 0, Document.error: ""}).where(
            Document.id == doc["id"]
        )
        await outbox.enqueue(RENDER_TASKS[doc["kind"]], doc["owner_id"])
    return await find(doc_key)  # type: ignore[return-value]
