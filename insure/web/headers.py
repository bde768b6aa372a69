"""Security headers on every response: no framing (clickjacking on the payment form), no MIME sniffing, no
referrer to other sites, and no caching of pages and data that may carry personal information.

Content-Security-Policy: everything from this site only, and no inline script at all on the pages (their
scripts are files under ``/static``), so an injected ``<script>`` or ``onclick=`` does not run. No inline
styles either (``style=`` attributes, ``<style>``): the stylesheets are files under ``/static``, and htmx is
told not to add its own (``templates/base.html``). The one exception is the API documentation under
``/schema``: Swagger UI is started by an inline script that Litestar writes (it embeds the OpenAPI document),
which runs by a nonce made for each request. With ``SECURE_COOKIES`` on (served over HTTPS) browsers are
also told to use HTTPS only (HSTS).
"""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from insure.settings import get_settings

FIXED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"
NONCE = "insure.csp_nonce"
_COMMON = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
PAGE_CSP = f"{_COMMON}; script-src 'self'; style-src 'self'; img-src 'self' data:"


def docs_csp(nonce: str) -> str:
    return f"{_COMMON}; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:"


def security_headers_middleware(app: ASGIApp) -> ASGIApp:
    hsts = get_settings().secure_cookies

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path = scope["path"]
        static = path.startswith("/static/")
        csp = PAGE_CSP
        if path == "/schema" or path.startswith("/schema/"):
            nonce = secrets.token_urlsafe(16)
            scope[NONCE] = nonce  # type: ignore[literal-required]
            csp = docs_csp(nonce)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in FIXED.items():
                    headers[name] = value
                headers["Content-Security-Policy"] = csp
                if hsts:
                    headers["Strict-Transport-Security"] = HSTS
                if not static and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware


class NoncedSwaggerRenderPlugin(SwaggerRenderPlugin):
    """Litestar's Swagger UI page with the request's CSP nonce on its scripts, and without the inline
    ``<style>`` it adds by default (its one rule is in ``/static/docs.css``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("style", '<link href="/static/docs.css" rel="stylesheet">')
        super().__init__(**kwargs)

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        html = super().render(request, openapi_schema)
        nonce = request.scope.get(NONCE)  # type: ignore[call-overload]
        if not nonce:
            return html
        # only the inline start-up script Litestar writes; the two others are files from /static
        inline = b"<script type='text/javascript'>"
        return html.replace(inline, f"<script type='text/javascript' nonce=\"{nonce}\">".encode(), 1)
