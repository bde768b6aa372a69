"""Staff landing page: proves roles and guards; full workbenches arrive with their features."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from insure import batch, clock, clock_store, work
from insure.admin_api import move_clock
from insure.auth.tables import User
from insure.errors import DomainError
from insure.i18n import gettext
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

    @get("/staff", guards=[role("agent", "adjuster", "underwriter", "actuary", "admin")])
    async def staff_home(self, request: Request) -> Template:
        user = request.scope["user"]
        ctx: dict = {"staff": None, "balances": None, "demo_clock": clock_store.demo_enabled(), "today": clock.today()}
        if user["role"] == "admin":  # type: ignore[index]
            ctx["staff"] = await User.select(User.email, User.name, User.role).where(User.role != "customer")
            ctx["balances"] = await ledger.trial_balance()
        return page("staff/home.html", **ctx)

    @get("/staff/attention", guards=[role("admin")])
    async def attention(self) -> Template:
        """Background work parked as needs_attention, each with a retry button (admins)."""
        return await _attention_page()

    @get("/staff/batches", guards=[role("admin")])
    async def batches(self) -> Template:
        """The batch jobs' latest runs, job by job, with their progress (admins)."""
        runs = await batch.recent_runs()
        groups = [(job, [r for r in runs if r["job"] == job.name]) for job in batch.jobs()]
        return page("staff/batches.html", groups=groups)

    @post("/staff/attention/{kind:str}/{business_id:str}/retry", guards=[role("admin")])
    async def retry_work(self, request: Request, kind: str, business_id: str) -> Redirect | Template:
        try:
            await work.retry(request.scope["user"], kind, business_id)  # type: ignore[arg-type]
        except DomainError as exc:  # already retried (409) or unknown (404): the list again, with why
            return await _attention_page(gettext(exc.message, **exc.params), exc.status)
        return Redirect("/staff/attention")


async def _attention_page(problem: str = "", status_code: int = 200) -> Template:
    items = await work.needing_attention()
    for item in items:
        item["label"] = work.KIND_LABELS.get(item["kind"], item["kind"])
    return page("staff/attention.html", status_code=status_code, items=items, problem=problem)
