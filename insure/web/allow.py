"""`OPTIONS` answers with every method of the path in `Allow` (RFC 9110 §9.3.7).

Litestar 2 builds the automatic OPTIONS handler of a path once, for the first route handler registered on it, so
a path with GET and POST in separate handlers answered `Allow: OPTIONS, POST` (litestar#4169, fixed in 3.0 only).
This middleware puts the methods of the whole route back.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def _methods(scope: Scope) -> set[str] | None:
    app = scope.get("litestar_app")
    template = scope.get("path_template")
    if app is None or template is None:
        return None
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path_format == template:
            return set(route.methods)
    return None


def allow_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "OPTIONS":
            await app(scope, receive, send)
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                if "allow" in headers and (methods := _methods(scope)):
                    headers["Allow"] = ", ".join(sorted(methods))
            await send(message)

        await app(scope, receive, send_with_allow)

    return middleware
