"""Route guards: signed in, and having one of the given roles. Ownership is checked in services."""

from __future__ import annotations

from collections.abc import Callable

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from insure.errors import Forbidden, NotAuthenticated

Guard = Callable[[ASGIConnection, BaseRouteHandler], None]


def current_user(connection: ASGIConnection) -> dict | None:
    return connection.scope.get("user")  # type: ignore[return-value]


def signed_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if current_user(connection) is None:
        raise NotAuthenticated()


def role(*roles: str) -> Guard:
    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        user = current_user(connection)
        if user is None:
            raise NotAuthenticated()
        if user["role"] not in roles:
            raise Forbidden()

    guard.roles = roles  # type: ignore[attr-defined]  # the OpenAPI document lists 403 on these routes
    return guard
