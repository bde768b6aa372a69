"""Routes of participating accounts: DeclarationsController."""

from __future__ import annotations

from litestar import Controller


class DeclarationsController(Controller):
    path = "/api/v1/admin/dividends"
