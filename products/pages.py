"""Storefront pages: home, product detail with quote form (live premium via htmx), stored quote."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from insure import clock
from insure.errors import ValidationFailed
from insure.web.pages import form_again, form_errors, page
from products import services

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


class ProductPages(Controller):
    include_in_schema = False

    @get("/")
    async def home(self) -> Template:
        return page("products/home.html", products=services.catalog().products(clock.today()))

    @get("/products/{code:str}")
    async def detail(self, code: str) -> Template:
        prod = services.product(code)
        form = {
            "sum_insured": str(prod.sum_insured_min),
            "occupation_class": "1",
            "channel": prod.channels[0],
        }
        return page("products/detail.html", product=prod, form=form, breakdown=None)

    @post("/products/{code:str}/price")
    async def live_price(self, code: str, data: Form) -> Template:
        """htmx fragment: the premium for the form as typed, or what is wrong with it."""
        fields = {**{k: str(v) for k, v in data.items()}, "product_code": code}
        try:
            _, _, _, breakdown = services.price(fields)
            return page("products/_premium.html", breakdown=breakdown)
        except ValidationFailed as exc:
            return page("products/_premium.html", breakdown=None, errors=form_errors(exc))

    @post("/products/{code:str}/quote")
    async def create_quote(self, request: Request, code: str, data: Form) -> Template | Redirect:
        prod = services.product(code)
        fields = {**{k: str(v) for k, v in data.items()}, "product_code": code}
        user = request.scope.get("user")
        try:
            quote = await services.create_quote(fields, user["id"] if user else None)
        except ValidationFailed as exc:
            return form_again("products/detail.html", fields, exc, product=prod, breakdown=None)
        return Redirect(f"/quotes/{quote['public_id']}")

    @get("/quotes/{quote_id:str}")
    async def show_quote(self, quote_id: str) -> Template:
        quote = await services.get_quote(quote_id)
        prod = services.product(quote["product_code"])
        return page("products/quote.html", quote=quote, product=prod, valid=services.quote_is_valid(quote))
