"""Catalog and quote API."""

from __future__ import annotations

from decimal import Decimal

import msgspec
from litestar import Controller, Request, get, post
from litestar.status_codes import HTTP_201_CREATED

from insure import clock
from insure.money import from_fen
from insure.tables_base import json_value
from products import services
from products.catalog import Product


class CoverageOut(msgspec.Struct):
    code: str
    name_zh: str
    name_en: str
    percent_of_sum_insured: str
    deductible: str
    coinsurance_percent: str


class ProductOut(msgspec.Struct):
    code: str
    version: str
    insurer_code: str
    insurer_name_zh: str
    insurer_name_en: str
    name_zh: str
    name_en: str
    type: str
    channels: list[str]
    term_years: int
    entry_age_min: int
    entry_age_max: int
    sum_insured_min: str
    sum_insured_max: str
    sum_insured_step: str
    rates_per_mille: dict[str, str]
    declined_occupation_classes: list[int]
    coverages: list[CoverageOut]
    exclusions_en: list[str]
    exclusions_zh: list[str]


class QuoteRequest(msgspec.Struct):
    product_code: str
    birth_date: str = msgspec.field(default="")
    sum_insured: str = ""
    occupation_class: int = 1
    channel: str = "direct"


class BreakdownLine(msgspec.Struct):
    label: str
    amount: str


class QuoteOut(msgspec.Struct):
    id: str
    product_code: str
    product_version: str
    insurer_code: str
    channel: str
    birth_date: str
    occupation_class: int
    sum_insured: str
    annual_premium: str
    currency: str
    breakdown: list[BreakdownLine]
    valid_until: str
    expired: bool


def _s(value: Decimal) -> str:
    return str(value)


def product_out(p: Product) -> ProductOut:
    return ProductOut(
        code=p.code,
        version=p.version,
        insurer_code=p.insurer_code,
        insurer_name_zh=p.insurer_name_zh,
        insurer_name_en=p.insurer_name_en,
        name_zh=p.name_zh,
        name_en=p.name_en,
        type=p.type,
        channels=list(p.channels),
        term_years=p.term_years,
        entry_age_min=p.entry_age_min,
        entry_age_max=p.entry_age_max,
        sum_insured_min=_s(p.sum_insured_min),
        sum_insured_max=_s(p.sum_insured_max),
        sum_insured_step=_s(p.sum_insured_step),
        rates_per_mille={str(k): _s(v) for k, v in p.rates_per_mille},
        declined_occupation_classes=list(p.declined_occupation_classes),
        coverages=[
            CoverageOut(
                c.code,
                c.name_zh,
                c.name_en,
                _s(c.percent_of_sum_insured),
                _s(c.deductible),
                _s(c.coinsurance_percent),
            )
            for c in p.coverages
        ],
        exclusions_en=[e.en for e in p.exclusions],
        exclusions_zh=[e.zh for e in p.exclusions],
    )


def quote_out(row: dict) -> QuoteOut:
    return QuoteOut(
        id=row["public_id"],
        product_code=row["product_code"],
        product_version=row["product_version"],
        insurer_code=row["insurer_code"],
        channel=row["channel"],
        birth_date=row["birth_date"].isoformat(),
        occupation_class=row["occupation_class"],
        sum_insured=str(from_fen(row["sum_insured_fen"])),
        annual_premium=str(from_fen(row["annual_premium_fen"])),
        currency=row["currency"],
        breakdown=[BreakdownLine(**line) for line in json_value(row["breakdown"])],
        valid_until=row["valid_until"].isoformat(),
        expired=not services.quote_is_valid(row),
    )


class ProductsController(Controller):
    path = "/api/v1"
    tags = ["products and quotes"]

    @get("/products", summary="Products on sale today", description="Every product version in force today.")
    async def list_products(self) -> list[ProductOut]:
        return [product_out(p) for p in services.catalog().products(clock.today())]

    @get("/products/{code:str}", summary="One product with its pricing basis")
    async def get_product(self, code: str) -> ProductOut:
        return product_out(services.product(code))

    @post(
        "/quotes",
        status_code=HTTP_201_CREATED,
        summary="Price and store a quote",
        description="Anonymous visitors may quote: the quote is reachable through its unguessable `id`. With a bearer "
        "token the quote belongs to that customer. Amounts are decimal strings in CNY. Valid for 30 days.",
    )
    async def create_quote(self, request: Request, data: QuoteRequest) -> QuoteOut:
        user = request.scope.get("user")
        row = await services.create_quote(msgspec.structs.asdict(data), user["id"] if user else None)
        return quote_out(row)

    @get("/quotes/{quote_id:str}", summary="A stored quote (immutable snapshot)")
    async def get_quote(self, quote_id: str) -> QuoteOut:
        return quote_out(await services.get_quote(quote_id))
