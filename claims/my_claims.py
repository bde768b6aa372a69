"""The customer's "My claims" page: every claim they filed, newest first, with where it stands and what comes next."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Redirect, Template

from claims import services
from insure.policies.tables import Policy
from insure.web.guards import signed_in
from insure.web.pages import page
from products import services as products


async def claims_of(user: dict) -> list[dict[str, Any]]:
    """The claimant's claims, newest first, each with its policy, product, benefit and payout (if started)."""
    claims = await services.list_for_claimant(user)
    ids = list({c["policy"] for c in claims})
    policies = {p["id"]: p for p in await Policy.select().where(Policy.id.is_in(ids))} if ids else {}
    rows = []
    for claim in claims:
        policy = policies[claim["policy"]]
        product = products.quoted_product(policy)
        rows.append(
            {
                "claim": claim,
                "policy": policy,
                "product": product,
                "coverage": next((c for c in product.coverages if c.code == claim["coverage_code"]), None),
                "payout": await services.payout_of(claim["id"]),
            }
        )
    return rows


class MyClaimsPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/claims")
    async def my_claims(self, request: Request) -> Template | Redirect:
        user: dict = request.scope["user"]  # type: ignore[assignment]
        if user["role"] in ("adjuster", "admin"):  # staff have their own queue of claims
            return Redirect("/adjuster/claims")
        if user["role"] != "customer":
            return Redirect("/staff")
        return page("claims/mine.html", rows=await claims_of(user))
