"""Claim document pages: the checklist and the upload form on the claim page (``templates/claims/_documents.html``),
the upload itself (a plain multipart form; ``insure/static/claim-upload.js`` adds a progress bar), and the files.

``documents_router()`` mounts these routes and the API's (claims.documents_api) with the upload body limit.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Router, get, post
from litestar.response import File, Redirect, Template

from claims import documents, services
from claims.document_rules import MAX_FILES_PER_UPLOAD
from claims.documents_api import ClaimDocumentsController, read_uploads, serve
from claims.kinds import DOCUMENT_TYPES
from insure.errors import Conflict, ValidationFailed
from insure.i18n import gettext
from insure.web.guards import signed_in
from insure.web.pages import page


async def documents_context(user: dict, claim: dict) -> dict[str, Any]:
    """What the claim page shows of the documents: the checklist, the files per type, and the form's choices
    (missing types first, then the rest of the checklist, then every other type)."""
    found = await documents.checklist(claim)
    required, missing = found["required"], found["missing"]
    by_type: dict[str, list[dict]] = {}
    for row in found["files"]:
        by_type.setdefault(row["doc_type"], []).append(row)
    choices = [*missing, *(t for t in required if t not in missing), *(t for t in DOCUMENT_TYPES if t not in required)]
    staff = user["role"] in documents.STAFF
    return {
        "required": required,
        "missing": missing,
        "by_type": by_type,
        "others": [t for t in by_type if t not in required],
        "choices": choices,
        "may_upload": staff or claim["status"] not in documents.CLOSED,
        "max_file_mb": documents.max_file_bytes() // documents.MB,
        "max_files": MAX_FILES_PER_UPLOAD,
        "errors": [],
        "problem": "",
    }


async def _documents_page(user: dict, claim: dict, *, status_code: int = 200, **extra: Any) -> Template:
    ctx = await documents_context(user, claim)
    ctx.update(extra)
    return page("claims/documents.html", status_code=status_code, claim=claim, documents=ctx)


class ClaimDocumentPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/claims/{number:str}/documents")
    async def documents_page(self, request: Request, number: str) -> Template:
        user = request.scope["user"]
        return await _documents_page(user, await services.get_for(user, number))  # type: ignore[arg-type]

    @post("/claims/{number:str}/documents")
    async def upload(self, request: Request, number: str) -> Template | Redirect:
        """The form's files (``files``, several) as one ``doc_type``; refused: the form again with the reasons."""
        user = request.scope["user"]
        claim = await services.get_for(user, number)  # type: ignore[arg-type]
        form = await request.form()
        doc_type = str(form.get("doc_type") or "")
        try:
            await documents.upload(user, claim, doc_type, await read_uploads(form.getall("files", [])))  # type: ignore[arg-type]
        except ValidationFailed as exc:
            names = [str(f.filename) for f in form.getall("files", []) if hasattr(f, "filename")]
            errors = [_with_name(e.field, gettext(e.message, **e.params), names) for e in exc.errors]
            return await _documents_page(user, claim, status_code=422, errors=errors, chosen=doc_type)  # type: ignore[arg-type]
        except Conflict as exc:
            problem = gettext(exc.message, **exc.params)
            return await _documents_page(user, claim, status_code=exc.status, problem=problem)  # type: ignore[arg-type]
        return Redirect(f"/claims/{number}#documents", status_code=303)

    @get("/claims/{number:str}/documents/{doc_id:int}")
    async def download(self, request: Request, number: str, doc_id: int) -> File:
        return await serve(request.scope["user"], number, doc_id)  # type: ignore[arg-type]


def _with_name(field: str, message: str, names: list[str]) -> str:
    """``files[1]``'s message starts with that file's name, so the claimant knows which one."""
    if field.startswith("files[") and field.endswith("]"):
        index = field[6:-1]
        if index.isdigit() and int(index) < len(names):
            return f"{names[int(index)]}: {message}"
    return message


def documents_router() -> Router:
    """The document routes (API and pages) with their own request body limit (``documents.upload_body_limit``)."""
    return Router(
        path="/",
        route_handlers=[ClaimDocumentsController, ClaimDocumentPages],
        request_max_body_size=documents.upload_body_limit(),
    )
