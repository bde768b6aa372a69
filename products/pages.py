"""Storefront pages: catalog with filters, product and live quote, stored quote, comparison, insurer
storefronts and benefit illustrations."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import File, Redirect, Template

from insure.errors import NotFound, ValidationFailed
from insure.i18n import gettext
from insure.web.pages import Form, form_again, form_errors, page
from products import illustration_doc, illustration_view, services
from products.catalog import PRODUCT_TYPES

TYPES = sorted(PRODUCT_TYPES)


def _fields(data: dict[str, Any], **extra: str) -> dict[str, str]:
    return {**{k: str(v) for k, v in data.items()}, **extra}


def _defaults(product: Any, channel: str | None) -> dict[str, str]:
    return {
        "sum_insured": str(product.sum_insured_choices[0] if product.sum_insured_choices else product.sum_insured_min),
        "occupation_class": "1",
        "channel": channel if channel in product.channels else product.channels[0],
        "sex": "male",
        "trip_days": "7",
        "destination_zone": "asia",
        "birth_date": "1990-01-01",
    }


class ProductPages(Controller):
    include_in_schema = False

    @get("/")
    async def home(self) -> Template:
        return page("products/home.html", products=services.products_on_sale())

    @get("/products")
    async def catalog(
        self, type_: Annotated[str, Parameter(query="type")] = "", insurer: str = "", channel: str = ""
    ) -> Template:
        found = services.products_on_sale(type_=type_ or None, insurer=insurer or None, channel=channel or None)
        filters = {"type": type_, "insurer": insurer, "channel": channel}
        return page("products/list.html", products=found, types=TYPES, insurers=services.insurers(), filters=filters)

    @get("/insurers/{code:str}")
    async def storefront(self, code: str) -> Template:
        names = services.insurers().get(code)
        if names is None:
            raise NotFound(code="insurer_not_found")
        from insure.i18n import get_locale

        name = names[0] if get_locale() == "zh_CN" else names[1]
        return page(
            "products/storefront.html", name=name, products=services.products_on_sale(insurer=code, channel="direct")
        )

    @get("/products/{code:str}")
    async def detail(self, code: str, channel: str | None = None) -> Template:
        prod = services.product(code)
        return page("products/detail.html", product=prod, form=_defaults(prod, channel))

    @post("/products/{code:str}/price")
    async def live_price(self, code: str, data: Form) -> Template:
        """htmx fragment: the premium for the form as typed, or what is wrong with it."""
        try:
            priced = services.price(_fields(data, product_code=code))
            return page("products/_premium.html", breakdown=priced.breakdown)
        except ValidationFailed as exc:
            return page("products/_premium.html", breakdown=None, errors=form_errors(exc))

    @post("/products/{code:str}/quote")
    async def create_quote(self, request: Request, code: str, data: Form) -> Template | Redirect:
        prod = services.product(code)
        fields = _fields(data, product_code=code)
        user = request.scope.get("user")
        try:
            quote = await services.create_quote(fields, user)
        except ValidationFailed as exc:
            return form_again("products/detail.html", fields, exc, product=prod)
        return Redirect(f"/quotes/{quote['public_id']}")

    @get("/quotes/{quote_id:str}")
    async def show_quote(self, quote_id: str) -> Template:
        quote = await services.get_quote(quote_id)
        prod = services.product(quote["product_code"])
        return page("products/quote.html", quote=quote, product=prod, valid=services.quote_is_valid(quote))

    @get("/quotes/{quote_id:str}/illustration")
    async def illustration(self, quote_id: str) -> Template:
        quote = await services.get_quote(quote_id)
        product, ill = services.illustration_for(quote)
        await illustration_doc.request(quote)
        ready = await illustration_doc.is_ready(quote)
        return page(
            "products/illustration.html",
            quote=quote,
            product=product,
            illustration=ill,
            pdf_ready=ready,
            summary=illustration_view.summary(ill),
            chart=illustration_view.chart(ill),
        )

    @get("/quotes/{quote_id:str}/illustration.pdf")
    async def illustration_pdf(self, quote_id: str) -> File:
        quote = await services.get_quote(quote_id)
        path = await illustration_doc.ready_path(quote)
        return File(path=path, filename=f"illustration-{quote_id[:8]}.pdf", media_type="application/pdf")

    @get("/compare")
    async def compare_form(self, product_type: str = "") -> Template:
        return self._compare_page(product_type, None, {}, {})

    @post("/compare")
    async def compare(self, data: Form) -> Template:
        fields = _fields(data)
        product_type = fields.get("product_type", "term_life")
        try:
            offers = services.compare(fields)
        except ValidationFailed as exc:
            return self._compare_page(product_type, None, fields, form_errors(exc), status=422)
        return self._compare_page(product_type, offers, fields, {})

    def _compare_page(
        self, product_type: str, offers: list | None, form: dict, errors: dict, status: int = 200
    ) -> Template:
        comparable = [t for t in TYPES if services.products_on_sale(type_=t, channel="platform")]
        if product_type not in comparable:
            product_type = comparable[0]
        candidates = services.products_on_sale(type_=product_type, channel="platform")
        sample = candidates[0]
        shown = None
        if offers is not None:
            shown = [
                {
                    "product": o.product,
                    "breakdown": o.breakdown,
                    "message": gettext(o.problem.message, **o.problem.params) if o.problem else "",
                    "deductible": max((c.deductible for c in o.product.coverages), default=0),
                }
                for o in offers
            ]
        return page(
            "products/compare.html",
            status_code=status,
            types=comparable,
            product_type=product_type,
            sample=sample,
            offers=shown,
            form=form or _defaults(sample, "platform"),
            errors=errors,
        )
