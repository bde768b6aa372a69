"""Routes of participating accounts: AccountController."""

from __future__ import annotations

from litestar import Controller


class AccountController(Controller):
    path = "/api/v1/policies"
