"""Staff landing page: proves roles and guards; full workbenches arrive with their features."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from insure.auth.tables import User
from insure.ledger import services as ledger
from insure.web.guards import role
from insure.web.pages import page


class StaffPages(Controller):
    include_in_schema = False

    @get("/staff", guards=[role("agent", "adjuster", "underwriter", "admin")])
    async def staff_home(self, request: Request) -> Template:
        user = request.scope["user"]
        ctx: dict = {"staff": None, "balances": None}
        if user["role"] == "admin":  # type: ignore[index]
            ctx["staff"] = await User.select(User.email, User.name, User.role).where(User.role != "customer")
            ctx["balances"] = await ledger.trial_balance()
        return page("staff/home.html", **ctx)
