"""Claim documents: the checklist of a claim, uploads stored in the document store, and completeness — the start
of the legal clock (Insurance Law art. 22-23).

- ``upload`` checks every file (claims.document_rules) before anything is written: one refused file refuses the
  request, nothing stored. Files go under ``claims/<claim id>/<uuid>.<ext>`` (insure.filestore), never under the
  name given; the same bytes given twice on one claim are stored once (a second row only when the same file is
  given for another document type, pointing at the same stored file).
- ``check_complete`` is the workflow's completeness step, run at the start of assessment: a claim missing
  required documents waits for them (assessing -> awaiting_documents) and all missing ones are requested once,
  together (``documents_requested_at``, the list in the event's reason: ``missing_for`` gives it too).
- The upload that completes the checklist sets ``complete_on`` (the decision clock starts) and, for a claim
  waiting for documents, moves it back to assessing and queues the assessment in the same transaction.

Who may see or upload is decided by the callers through ``claims.services.get_for`` (the claimant, the assigned
adjuster, admins; others 404) — this module does not import ``claims.services``, which calls ``check_complete``.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from claims.document_rules import (
    MAX_FILES_PER_UPLOAD,
    MB,
    Accepted,
    Refusal,
    check_file,
    claim_limit_refusal,
    over_claim_limit,
)
from claims.kinds import DOCUMENT_TYPES, ClaimKind, kind_of, missing_documents
from claims.model import ClaimStatus
from claims.moves import move
from claims.tables import Claim, ClaimDocument
from insure import clock, filestore, outbox
from insure.db import for_update, transaction
from insure.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from insure.labels import label
from insure.policies.tables import Policy
from insure.settings import get_settings
from products import services as products

# a customer may add documents until the claim is settled either way
CLOSED = frozenset({ClaimStatus.PAID, ClaimStatus.DENIED})
STAFF = ("adjuster", "admin")
REQUESTED = "documents requested: "  # the reason of the move to awaiting_documents, then the missing types


@dataclass(frozen=True)
class Upload:
    """One file as received: the name the client gave and its bytes (``too_large``: the reader stopped early)."""

    name: str
    data: bytes
    too_large: bool = False


def max_file_bytes() -> int:
    return get_settings().document_max_mb * MB


def max_claim_bytes() -> int:
    return get_settings().claim_documents_max_mb * MB


def upload_body_limit() -> int:
    """The request body an upload route accepts: every file a claim may hold, plus the form's own bytes."""
    return max_claim_bytes() + MB


async def kind_for(claim: dict) -> ClaimKind:
    """The claim kind of the coverage claimed (its required documents)."""
    policy = await Policy.select().where(Policy.id == claim["policy"]).first()
    coverage = next((c for c in products.quoted_product(policy).coverages if c.code == claim["coverage_code"]), None)
    return kind_of(coverage)


async def files_of(claim_id: int) -> list[dict]:
    return await ClaimDocument.select().where(ClaimDocument.claim == claim_id).order_by(ClaimDocument.id)


async def missing_for(claim: dict) -> tuple[str, ...]:
    """The required documents the claim still lacks, in the checklist's order."""
    present = {row["doc_type"] for row in await files_of(claim["id"])}
    return missing_documents(await kind_for(claim), present)


async def checklist(claim: dict) -> dict:
    """``required`` (in order), ``missing`` and ``files`` (each row) of the claim."""
    kind = await kind_for(claim)
    files = await files_of(claim["id"])
    missing = missing_documents(kind, {row["doc_type"] for row in files})
    return {"required": list(kind.required_documents), "missing": list(missing), "files": files}


def _refused(index: int, refusal: Refusal) -> FieldError:
    return FieldError(f"files[{index}]", refusal.code, refusal.message, dict(refusal.params))


def _check(user: dict, claim: dict, doc_type: str, uploads: list[Upload]) -> list[Accepted]:
    """Every refusal of the request at once (the type, each file), before anything is written."""
    if user["role"] not in STAFF and claim["status"] in CLOSED:
        raise Conflict(
            N_("This claim is %(status)s: documents can no longer be added."),
            code="claim_closed",
            status=label("status", str(claim["status"])),
        )
    errors: list[FieldError] = []
    if doc_type not in DOCUMENT_TYPES:
        errors.append(FieldError("doc_type", "doc_type_invalid", N_("Choose which document this is.")))
    if not uploads:
        errors.append(FieldError("files", "files_missing", N_("Choose at least one file.")))
    elif len(uploads) > MAX_FILES_PER_UPLOAD:
        errors.append(
            FieldError("files", "too_many_files", N_("At most %(max)s files at once."), {"max": MAX_FILES_PER_UPLOAD})
        )
    accepted: list[Accepted] = []
    for index, item in enumerate(uploads[:MAX_FILES_PER_UPLOAD]):
        outcome = check_file(item.name, item.data, max_file_bytes(), too_large=item.too_large)
        if isinstance(outcome, Refusal):
            errors.append(_refused(index, outcome))
        else:
            accepted.append(outcome)
    if errors:
        raise ValidationFailed(errors)
    return accepted


async def upload(user: dict, claim: dict, doc_type: str, uploads: list[Upload]) -> list[dict]:
    """Store the files as ``doc_type`` documents of ``claim`` (one the caller may see: ``services.get_for``) and
    answer their rows; completes the claim when they fill its checklist. All or nothing."""
    accepted = _check(user, claim, doc_type, uploads)
    written: list[str] = []
    try:
        async with transaction():
            claim = await for_update(Claim.select().where(Claim.id == claim["id"])).first()
            _check(user, claim, doc_type, uploads)  # it may have been settled meanwhile
            rows = await _store(user, claim, doc_type, uploads, accepted, written)
            await _after_upload(claim)
    except BaseException:
        for relative in written:  # the transaction did not commit: no file stays behind
            filestore.path_of(relative).unlink(missing_ok=True)
        raise
    return rows


async def _store(
    user: dict, claim: dict, doc_type: str, uploads: list[Upload], accepted: list[Accepted], written: list[str]
) -> list[dict]:
    existing = await files_of(claim["id"])
    stored = {row["sha256"]: row for row in existing}
    kept = {(row["sha256"], row["doc_type"]): row for row in existing}
    stored_bytes = sum(row["size_bytes"] for row in stored.values())
    fresh: dict[str, int] = {}  # sha256 -> index of the first new file with these bytes
    for index, item in enumerate(accepted):
        if item.sha256 not in stored and item.sha256 not in fresh:
            fresh[item.sha256] = index
    over = over_claim_limit(stored_bytes, [accepted[i].size for i in fresh.values()], max_claim_bytes())
    if over is not None:
        raise ValidationFailed([_refused(list(fresh.values())[over], claim_limit_refusal(max_claim_bytes()))])
    paths = {sha: row["path"] for sha, row in stored.items()}
    for sha, index in fresh.items():
        relative = f"claims/{claim['id']}/{uuid.uuid4().hex}.{accepted[index].extension}"
        written.append(relative)
        await asyncio.to_thread(filestore.save, relative, uploads[index].data)
        paths[sha] = relative
    rows: list[dict] = []
    for item in accepted:
        if (item.sha256, doc_type) not in kept:
            inserted = await ClaimDocument.insert(
                ClaimDocument(
                    claim=claim["id"],
                    doc_type=doc_type,
                    filename=item.filename,
                    content_type=item.content_type,
                    size_bytes=item.size,
                    sha256=item.sha256,
                    path=paths[item.sha256],
                    uploaded_by=user["id"],
                    uploaded_at=clock.now(),
                )
            ).returning(*ClaimDocument.all_columns())
            kept[(item.sha256, doc_type)] = inserted[0]
        rows.append(kept[(item.sha256, doc_type)])
    return rows


async def _after_upload(claim: dict) -> None:
    """The checklist is full: the decision clock starts today; a claim waiting for documents is assessed again."""
    if await missing_for(claim):
        return
    if claim["complete_on"] is None:
        await Claim.update({Claim.complete_on: clock.today()}).where(Claim.id == claim["id"])
    if claim["status"] == ClaimStatus.AWAITING_DOCUMENTS:
        await move(claim["id"], ClaimStatus.AWAITING_DOCUMENTS, ClaimStatus.ASSESSING, "documents complete")
        await outbox.enqueue("claims.assess", claim["id"])


async def check_complete(claim_id: int) -> bool:
    """Workflow step at the start of assessment (the claim is ``assessing``): True when every required document is
    there (``complete_on`` set if it was not: the filing day, or the day the last one came); otherwise the claim
    waits for its documents — all missing ones requested once, together — and False. Runs in the caller's
    transaction when there is one."""
    async with transaction():
        claim = await for_update(Claim.select().where(Claim.id == claim_id)).first()
        if claim is None:
            return False
        missing = await missing_for(claim)
        if not missing:
            if claim["complete_on"] is None:
                await Claim.update({Claim.complete_on: await _completed_on(claim)}).where(Claim.id == claim_id)
            return True
        if claim["status"] != ClaimStatus.ASSESSING:
            return False
        values: dict[str, object] = {}
        if claim["documents_requested_at"] is None:
            values["documents_requested_at"] = clock.now()
        await move(
            claim_id, ClaimStatus.ASSESSING, ClaimStatus.AWAITING_DOCUMENTS, REQUESTED + ", ".join(missing), **values
        )
        return False


async def _completed_on(claim: dict) -> date:
    """When the checklist became full: the day the last document came, never before the filing day."""
    files = await files_of(claim["id"])
    last = max((clock.local(row["uploaded_at"]).date() for row in files), default=claim["reported_on"])
    return max(last, claim["reported_on"])


MAX_ID = 2**31 - 1  # the largest id a row can have (a 32-bit serial on PostgreSQL)


async def file_for(claim: dict, doc_id: int) -> tuple[dict, Path]:
    """One document of the claim (one the caller may see) and where its bytes are; 404 for any other id (one beyond
    an id column's range included: it names no document, and the database would refuse to compare it)."""
    row = None
    if 0 < doc_id <= MAX_ID:
        row = (
            await ClaimDocument.select()
            .where((ClaimDocument.id == doc_id) & (ClaimDocument.claim == claim["id"]))
            .first()
        )
    path = filestore.path_of(row["path"]) if row else None
    if row is None or path is None or not path.is_file():
        raise NotFound(N_("No such document."), code="document_not_found")
    return row, path
