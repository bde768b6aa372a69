"""Claim pages: file a claim, watch it move, and the adjuster's list of referred claims."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from claims import services
from claims.api import rules_of
from insure import clock
from insure.errors import ValidationFailed
from insure.policies import services as policies
from insure.policies.tables import Policy
from insure.web.guards import role, signed_in
from insure.web.pages import form_again, page

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _claim_context(user: dict, number: str) -> dict[str, Any]:
    claim = await services.get_for(user, number)
    policy = await Policy.select().where(Policy.id == claim["policy"]).first()
    return {
        "claim": claim,
        "policy": policy,
        "rules": rules_of(claim),
        "events": await services.events(claim["id"]),
    }


class ClaimPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/policies/{number:str}/claims/new")
    async def new_claim(self, request: Request, number: str) -> Template:
        policy = await policies.get_for(request.scope["user"], number)  # type: ignore[arg-type]
        return page("claims/new.html", policy=policy, form={"loss_date": clock.today().isoformat()})

    @post("/policies/{number:str}/claims")
    async def file_claim(self, request: Request, number: str, data: Form) -> Template | Redirect:
        user = request.scope["user"]
        fields = {k: str(v) for k, v in data.items()}
        try:
            claim = await services.file_claim(user, number, fields)  # type: ignore[arg-type]
        except ValidationFailed as exc:
            policy = await policies.get_for(user, number)  # type: ignore[arg-type]
            return form_again("claims/new.html", fields, exc, policy=policy)
        return Redirect(f"/claims/{claim['number']}")

    @get("/claims/{number:str}")
    async def detail(self, request: Request, number: str) -> Template:
        return page("claims/detail.html", **await _claim_context(request.scope["user"], number))  # type: ignore[arg-type]

    @get("/claims/{number:str}/status")
    async def status_fragment(self, request: Request, number: str) -> Template:
        """htmx polls this every two seconds until the claim reaches a resting state."""
        return page("claims/_status.html", **await _claim_context(request.scope["user"], number))  # type: ignore[arg-type]

    @get("/adjuster/claims", guards=[role("adjuster", "admin")])
    async def adjuster_queue(self, request: Request) -> Template:
        return page("claims/adjuster_queue.html", claims=await services.assigned_to(request.scope["user"]))  # type: ignore[arg-type]
