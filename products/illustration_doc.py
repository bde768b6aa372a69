"""The benefit illustration as a PDF, rendered by a worker for participating quotes."""

from __future__ import annotations

from pathlib import Path

from insure import clock, document_store, i18n
from insure.auth.tables import User
from insure.templating import render
from products import illustration_view, services
from products.tables import Quote

KIND = "illustration"


def doc_key(quote_id: int) -> str:
    return f"{KIND}:{quote_id}"


async def render_illustration(quote_id: int) -> None:
    """Idempotent: an illustration already rendered is left alone."""
    if await document_store.is_ready(doc_key(quote_id)):
        return
    row = await Quote.select().where(Quote.id == quote_id).first()
    if row is None:
        return
    row = services.loaded(row)
    product, illustration = services.illustration_for(row)
    locale = "zh_CN"
    if row["customer"]:
        owner = await User.select(User.locale).where(User.id == row["customer"]).first()
        locale = owner["locale"] if owner else locale
    with i18n.use_locale(locale):
        html = render(
            "pdf/illustration.html",
            quote=row,
            product=product,
            illustration=illustration,
            generated_at=clock.now(),
            summary=illustration_view.summary(illustration),
            chart=illustration_view.chart(illustration),
        )
    await document_store.store_pdf(
        doc_key=doc_key(quote_id),
        kind=KIND,
        owner_type="quote",
        owner_id=quote_id,
        relative=f"quotes/{row['public_id']}/{KIND}.pdf",
        html=html,
    )


async def request(row: dict) -> None:
    """Ask a worker for the PDF the first time someone wants it (the row and the message in one transaction).
    A quote that cannot have an illustration is refused up front (404 ``no_illustration``): nothing is queued."""
    services.check_illustrated(row)
    if await document_store.find(doc_key(row["id"])) is None:
        await document_store.request(doc_key(row["id"]), KIND, "quote", row["id"], "documents.render_illustration")


async def ready_path(row: dict) -> Path:
    await request(row)
    return await document_store.ready_path(doc_key(row["id"]))


async def is_ready(row: dict) -> bool:
    return await document_store.is_ready(doc_key(row["id"]))
