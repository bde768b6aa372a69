"""Routes of participating accounts: DeclarationPages."""

from __future__ import annotations

from litestar import Controller


class DeclarationPages(Controller):
    path = "/staff/dividends"
