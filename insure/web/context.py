"""Per-request context: the language and the signed-in user.

Pages authenticate with the server-side session; ``/api`` authenticates only with bearer tokens, so a
browser's session cookie can never be used for a cross-site API call (the API is exempt from CSRF).
"""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from insure import clock_store, i18n
from insure.auth import services as auth

LANG_COOKIE = "insure_lang"


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie") or ""
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


async def _user_for(scope: Scope) -> dict | None:
    if is_api(scope["path"]):
        header = _header(scope, b"authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return await auth.user_for_token(token.strip())
        return None
    session = scope.get("session") or {}
    user_id = session.get("user_id") if isinstance(session, dict) else None
    return await auth.user_by_id(int(user_id)) if user_id else None


def context_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(("/static/", "/health")):
            await app(scope, receive, send)
            return
        if "\x00" in scope["path"]:  # a NUL byte in the path can only be an attack or a broken client
            await _not_found(send)
            return
        await clock_store.refresh()
        scope["user"] = await _user_for(scope)
        query_lang = None
        for part in (scope.get("query_string") or b"").decode("latin-1").split("&"):
            if part.startswith("lang="):
                query_lang = part[5:]
        locale = i18n.negotiate(query_lang or _cookie(scope, LANG_COOKIE), _header(scope, b"accept-language"))
        token = i18n.set_locale(locale)
        try:
            await app(scope, receive, send)
        finally:
            i18n._current.reset(token)

    return middleware


async def _not_found(send: Send) -> None:
    body = b'{"type":"urn:insure:problem:not_found","title":"Not found.","status":404,"code":"not_found"}'
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
