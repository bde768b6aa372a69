"""Staff landing page: proves roles and guards; full workbenches arrive with their features."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from insure import clock, clock_store
from insure.admin_api import move_clock
from insure.auth.tables import User
from insure.ledger import services as ledger
from insure.text_input import parse_int
from insure.web.guards import role
from insure.web.pages import Form, page


class StaffPages(Controller):
    include_in_schema = False

    @post("/staff/clock", guards=[role("admin")])
    async def move_clock(self, request: Request, data: Form) -> Redirect:
        """Demo: move every process's business date forward (the admin's clock form)."""
        days = parse_int(data.get("days"), ge=1, le=3650)
        await move_clock(request.scope["user"], days)  # type: ignore[arg-type]
        return Redirect("/staff")

    @get("/staff", guards=[role("agent", "adjuster", "underwriter", "admin")])
    async def staff_home(self, request: Request) -> Template:
        user = request.scope["user"]
        ctx: dict = {"staff": None, "balances": None, "demo_clock": clock_store.demo_enabled(), "today": clock.today()}
        if user["role"] == "admin":  # type: ignore[index]
            ctx["staff"] = await User.select(User.email, User.name, User.role).where(User.role != "customer")
            ctx["balances"] = await ledger.trial_balance()
        return page("staff/home.html", **ctx)
