"""The decision letter (claims.letters) for the claimant and staff: the API download and the page link."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import File

from claims import letters, services
from insure.openapi import BEARER_SECURITY, problems
from insure.web.guards import signed_in


async def _letter(request: Request, number: str) -> File:
    claim = await services.get_for(request.scope["user"], number)  # type: ignore[arg-type]  # 404 unless allowed
    path = await letters.letter_path(claim)
    return File(path=path, filename=f"{number}-decision-letter.pdf", media_type="application/pdf")


class ClaimLetterController(Controller):
    path = "/api/v1/claims"
    tags = ["claims"]
    guards = [signed_in]
    security = BEARER_SECURITY

    @get(
        "/{number:str}/letter",
        responses=problems(404, 409),
        summary="Download the claim's decision letter (PDF)",
        description="The letter of the latest decision (approval or denial), Chinese and English: the claimant's "
        "language on the first page, the other on the second. It states the decision, the checks that decided, "
        "the computation and, for a denial, the reason code, the clause or exclusion cited and how to reopen or "
        "complain. For the claimant and the staff who may see the claim (others: 404 `claim_not_found`); 404 "
        "`letter_not_found` before a decision; 409 `document_not_ready` while a worker renders it.",
        media_type="application/pdf",
    )
    async def download_letter(self, request: Request, number: str) -> File:
        return await _letter(request, number)


class ClaimLetterPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/claims/{number:str}/letter")
    async def letter_page(self, request: Request, number: str) -> File:
        return await _letter(request, number)
