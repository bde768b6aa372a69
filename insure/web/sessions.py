"""Server-side sessions that are created only when there is something to keep, and never under an id the
client chose: a cookie id unknown to the store is replaced, and logging in always issues a new id
(session fixation). Anonymous visitors get no session at all, so probes and crawlers fill no store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items

ROTATE = "insure.rotate_session"
LOADED = "insure.session_loaded"


class SafeSessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.scope[LOADED] = bool(data)  # type: ignore[literal-required]
        return data

    async def store_in_message(self, scope_session: ScopeSession, message: Message, connection: ASGIConnection) -> None:
        scope = connection.scope
        sent = connection.cookies.get(self.config.key)
        if scope_session is Empty or not scope_session:
            if sent and sent != "null":  # log-out, or a stale cookie: forget it on both sides
                await self.delete(sent, store=self.config.get_store_from_app(scope["app"]))
                self._expire_cookie(message)
            return
        if scope.get(LOADED) and not scope.get(ROTATE):
            await super().store_in_message(scope_session, message, connection)
            return
        store = self.config.get_store_from_app(scope["app"])
        if sent and sent != "null":
            await self.delete(sent, store=store)
        session_id = self.generate_session_id()
        await self.set(session_id=session_id, data=self.serialize_data(scope_session, scope), store=store)
        params = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
        MutableScopeHeaders.from_message(message).add(
            "Set-Cookie", Cookie(value=session_id, key=self.config.key, **params).to_header(header="")
        )

    def _expire_cookie(self, message: Message) -> None:
        """Tell the browser to drop the cookie now. Litestar's own deletion sends ``null`` with the configured
        Max-Age (8 hours), and Max-Age wins over Expires, so the browser kept sending it."""
        params = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
        params.update(max_age=0, expires=-86400)  # and an Expires a day ago, for clients without Max-Age
        MutableScopeHeaders.from_message(message).add(
            "Set-Cookie", Cookie(value="", key=self.config.key, **params).to_header(header="")
        )


@dataclass
class SafeSessionConfig(ServerSideSessionConfig):
    _backend_class = SafeSessionBackend  # type: ignore[assignment]


def start_session(request: Request, user_id: int) -> None:
    """Sign the user in on a brand-new session id."""
    request.set_session({"user_id": user_id})
    request.scope[ROTATE] = True  # type: ignore[literal-required]


def end_session(request: Request) -> None:
    request.clear_session()
