"""Claim documents API: upload photos and PDFs (multipart), the checklist with the files, one file's bytes.

Mounted through ``claims.document_pages.documents_router()``, whose request body limit (every file a claim may
hold) replaces the app's 1 MiB for these routes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.params import Body
from litestar.response import File
from litestar.status_codes import HTTP_201_CREATED

from claims import documents, services
from claims.document_rules import EXTENSIONS, MAX_FILES_PER_UPLOAD, content_disposition
from claims.kinds import DOCUMENT_TYPES
from insure.openapi import BEARER_SECURITY, problems
from insure.web.guards import signed_in


class DocumentOut(msgspec.Struct):
    """One file given for the claim: its type from the bytes (``content_type``), size in bytes and SHA-256."""

    id: int
    doc_type: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: str


class DocumentsOut(msgspec.Struct):
    """The claim's checklist: the documents its benefit requires (in order), those still missing, and the files."""

    required: list[str]
    missing: list[str]
    files: list[DocumentOut]


@dataclass
class DocumentUpload:
    """``doc_type``: which document the files are (one of the checklist's types); ``files``: one or more files."""

    doc_type: Literal[DOCUMENT_TYPES]  # type: ignore[valid-type]
    files: list[UploadFile]


def document_out(row: dict) -> DocumentOut:
    return DocumentOut(
        id=row["id"],
        doc_type=row["doc_type"],
        filename=row["filename"],
        content_type=row["content_type"],
        size=row["size_bytes"],
        sha256=row["sha256"],
        uploaded_at=row["uploaded_at"].isoformat(),
    )


async def documents_out(claim: dict) -> DocumentsOut:
    found = await documents.checklist(claim)
    return DocumentsOut(found["required"], found["missing"], [document_out(r) for r in found["files"]])


async def read_uploads(files: list[Any]) -> list[documents.Upload]:
    """The files' bytes, each read no further than one byte past the per-file limit (then marked too large)."""
    limit = documents.max_file_bytes()
    uploads = []
    for item in files:
        if not isinstance(item, UploadFile):
            continue
        data = await item.read(limit + 1)
        await item.close()
        uploads.append(documents.Upload(item.filename or "", data[:limit], too_large=len(data) > limit))
    return uploads


async def serve(user: dict, number: str, doc_id: int) -> File:
    """A document's bytes for someone who may see the claim: inline, its sniffed type, never sniffed again by the
    browser, under a name that cannot break the header."""
    claim = await services.get_for(user, number)
    row, path = await documents.file_for(claim, doc_id)
    return File(
        path=path,
        media_type=row["content_type"],
        content_disposition_type="inline",
        headers={"Content-Disposition": content_disposition(row["filename"]), "X-Content-Type-Options": "nosniff"},
    )


@dataclass
class FileOperation(Operation):
    """The document's bytes: one of the accepted types, as stored (OpenAPI lists each)."""

    def __post_init__(self) -> None:
        self.responses = dict(self.responses or {})
        self.responses["200"] = OpenAPIResponse(
            description="The file, inline (`Content-Disposition: inline` with its name, `X-Content-Type-Options: "
            "nosniff`), in the type read from its bytes when it was uploaded.",
            content={
                ct: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, content_media_type=ct)) for ct in EXTENSIONS
            },
        )


_TYPES = ", ".join(f"`{t}`" for t in DOCUMENT_TYPES)


class ClaimDocumentsController(Controller):
    path = "/api/v1/claims/{number:str}/documents"
    tags = ["claims"]
    guards = [signed_in]
    security = BEARER_SECURITY

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        responses=problems(409),
        summary="Upload documents for a claim (photos, PDFs)",
        description="`multipart/form-data` with `doc_type` (one of "
        + _TYPES
        + f") and one or more `files` (at most {MAX_FILES_PER_UPLOAD} at once). The type is read from the bytes: "
        "JPEG, PNG, WebP, HEIC photos and PDF; anything else is refused whatever its name (422 "
        "`file_type_not_allowed` on `files[i]`), as are an empty file (`file_empty`), one over the per-file limit "
        "(`file_too_large`, setting DOCUMENT_MAX_MB), files taking the claim over its total (`claim_documents_too_"
        "large`, CLAIM_DOCUMENTS_MAX_MB), a PDF with JavaScript, launch actions or embedded files "
        "(`pdf_active_content`), an encrypted or unreadable PDF (`pdf_encrypted`, `pdf_unreadable`) and a file "
        "name with a folder path or control characters (`filename_invalid`). One refusal refuses the request: "
        "nothing is stored. The same file given again for the same type is stored once (the answer lists it). The "
        "upload that completes the checklist of a claim `awaiting_documents` starts its assessment again. "
        "409 `claim_closed` for a customer once the claim is paid or denied. 413 over the claim's total.",
    )
    async def upload(
        self,
        request: Request,
        number: str,
        data: Annotated[DocumentUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> list[DocumentOut]:
        user = request.scope["user"]
        claim = await services.get_for(user, number)  # type: ignore[arg-type]
        rows = await documents.upload(user, claim, data.doc_type, await read_uploads(data.files))  # type: ignore[arg-type]
        return [document_out(r) for r in rows]

    @get(
        "/",
        summary="The claim's document checklist and files",
        description="`required`: the documents the benefit claimed needs; `missing`: those not given yet (the "
        "claim is complete, and the decision clock starts, when none is missing); `files`: every file given.",
    )
    async def list_documents(self, request: Request, number: str) -> DocumentsOut:
        return await documents_out(await services.get_for(request.scope["user"], number))  # type: ignore[arg-type]

    @get(
        "/{doc_id:int}",
        summary="One document of a claim (its bytes)",
        description="For the claimant and staff who may see the claim (others: 404).",
        operation_class=FileOperation,
    )
    async def download(self, request: Request, number: str, doc_id: int) -> File:
        return await serve(request.scope["user"], number, doc_id)  # type: ignore[arg-type]
