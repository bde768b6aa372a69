"""Catalog, quotes, marketplace comparison and benefit illustrations over the API."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import File
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from insure.errors import N_
from insure.i18n import gettext
from insure.openapi import problems
from products import illustration_doc, illustration_view, services, underwriting
from products.schemas import (
    CompareRequest,
    IllustrationOut,
    OfferOut,
    ProductOut,
    QuoteOut,
    QuoteRequest,
    illustration_out,
    offer_out,
    product_out,
    quote_out,
)

NOT_GUARANTEED = N_("Dividends are not guaranteed: illustrated amounts depend on the insurer's future results.")


class QuestionOut(msgspec.Struct):
    code: str
    text_zh: str
    text_en: str


class InsurerOut(msgspec.Struct):
    code: str
    name_zh: str
    name_en: str
    direct_products: list[str]


def _quote_out(row: dict) -> QuoteOut:
    life = services.product(row["product_code"]).pricing.method == "life_equivalence"
    return quote_out(row, expired=not services.quote_is_valid(row), has_illustration=life)


class ProductsController(Controller):
    path = "/api/v1"
    tags = ["products and quotes"]

    @get(
        "/products",
        summary="Products on sale today",
        description="Every product version in force today with its full pricing basis (mortality table, interest "
        "rate, loadings, modal method, rate tables). Filter by `type`, `insurer` and `channel`.",
    )
    async def list_products(
        self,
        type_: Annotated[str | None, Parameter(query="type")] = None,
        insurer: str | None = None,
        channel: str | None = None,
    ) -> list[ProductOut]:
        return [product_out(p) for p in services.products_on_sale(type_=type_, insurer=insurer, channel=channel)]

    @get("/products/{code:str}", summary="One product with its pricing basis")
    async def get_product(self, code: str) -> ProductOut:
        return product_out(services.product(code))

    @get(
        "/products/{code:str}/questionnaire",
        summary="The product's health declaration (健康告知)",
        description="Every question must be answered yes or no on an application (`answers`: {code: bool}).",
    )
    async def questionnaire(self, code: str) -> list[QuestionOut]:
        rules = underwriting.rules_for(services.product(code))
        return [QuestionOut(q.code, q.text_zh, q.text_en) for q in rules.questions]

    @get("/insurers", summary="Insurers on the platform and their direct-sale products")
    async def list_insurers(self) -> list[InsurerOut]:
        return [
            InsurerOut(code, zh, en, [p.code for p in services.products_on_sale(insurer=code, channel="direct")])
            for code, (zh, en) in sorted(services.insurers().items())
        ]

    @post(
        "/quotes",
        status_code=HTTP_201_CREATED,
        summary="Price and store a quote",
        description="Anonymous visitors may quote: the quote is reachable through its unguessable `id`. With a "
        "bearer token it belongs to that customer; an agent's quote is for a client, who buys it with the id the "
        "agent sends them (the agent is recorded). Give the fields the product needs (`sex`, `smoker`, "
        "`policy_term`, `premium_term`, `frequency` for life and critical illness; `occupation_class` for "
        "accident; `social_insurance` for medical; `destination_zone`, `trip_days` for travel); terms default "
        "to the product's first offer. Amounts are decimal strings in CNY. A quote is an immutable snapshot, "
        "valid for 30 days.",
    )
    async def create_quote(self, request: Request, data: QuoteRequest) -> QuoteOut:
        user = request.scope.get("user")
        row = await services.create_quote(msgspec.structs.asdict(data), user)
        return _quote_out(row)

    @post(
        "/quotes/compare",
        status_code=HTTP_200_OK,
        summary="Marketplace comparison: every insurer's offer for one need",
        description="Prices the need under every matching product sold on the platform and lists the offers "
        "side by side (premium, deductible, waiting period, limits, key exclusions), cheapest first; products "
        "that cannot insure this risk are listed last with the reason code. Nothing is stored.",
    )
    async def compare(self, data: CompareRequest) -> list[OfferOut]:
        return [offer_out(o) for o in services.compare(msgspec.structs.asdict(data))]

    @get("/quotes/{quote_id:str}", summary="A stored quote (immutable snapshot)")
    async def get_quote(self, quote_id: str) -> QuoteOut:
        return _quote_out(await services.get_quote(quote_id))

    @get(
        "/quotes/{quote_id:str}/illustration",
        summary="Benefit illustration of a life quote",
        description="Year by year: premiums paid, guaranteed death benefit and cash value, and for participating "
        "products what they illustrate under low / medium / high scenarios (within the regulator's caps; not "
        "guaranteed). `style` says which: `cash` products illustrate the year's dividend and the dividends "
        "accumulated; `reversionary_bonus` products the bonus rates, the bonuses added, the sum insured with them "
        "and the terminal bonus. Every year has the total value per scenario; `summary` says it in two or three "
        "plain sentences in the request's language (Accept-Language). 404 for a product without an illustration.",
    )
    async def illustration(self, quote_id: str) -> IllustrationOut:
        row = await services.get_quote(quote_id)
        product, ill = services.illustration_for(row)
        return illustration_out(quote_id, product, ill, gettext(NOT_GUARANTEED), illustration_view.summary(ill))

    @get(
        "/quotes/{quote_id:str}/illustration.pdf",
        responses=problems(409),
        summary="The benefit illustration as a PDF",
        description="The first request asks a worker to render it; 409 `document_not_ready` until it is ready, "
        "`document_failed` when rendering needs staff attention. 404 `no_illustration` for a quote whose product "
        "has no benefit illustration (nothing is queued).",
        media_type="application/pdf",
    )
    async def illustration_pdf(self, quote_id: str) -> File:
        row = await services.get_quote(quote_id)
        path = await illustration_doc.ready_path(row)
        return File(path=path, filename=f"illustration-{quote_id[:8]}.pdf", media_type="application/pdf")
