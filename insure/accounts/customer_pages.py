"""Routes of participating accounts: AccountPages."""

from __future__ import annotations

from litestar import Controller


class AccountPages(Controller):
    path = "/policies"
