"""Sign-up, log-in, log-out and the language switch."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template

from insure import i18n
from insure.auth import services
from insure.auth.throttle import TooManyAttempts, login_throttle
from insure.errors import NotAuthenticated, ValidationFailed
from insure.web.context import LANG_COOKIE
from insure.web.pages import Form, form_again, page, safe_next
from insure.web.sessions import end_session, start_session

NextParam = Annotated[str | None, Parameter(query="next")]
HOME_BY_ROLE = {"adjuster": "/adjuster/claims", "customer": "/policies"}


def _first(value: object) -> str:
    """A form field sent once or (by a tampered form) several times: use the first value."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return "" if value is None else str(value)


def _landing(user: dict, wanted: str | None) -> str:
    return safe_next(wanted, HOME_BY_ROLE.get(user["role"], "/staff"))


class AuthPages(Controller):
    include_in_schema = False

    @get("/signup")
    async def signup_form(self) -> Template:
        return page("auth/signup.html")

    @post("/signup")
    async def signup(self, request: Request, data: Form) -> Template | Redirect:
        try:
            user = await services.register_customer({k: str(v) for k, v in data.items()})
        except ValidationFailed as exc:
            return form_again("auth/signup.html", data, exc)
        start_session(request, user["id"])
        return Redirect("/")

    @get("/login")
    async def login_form(self, next_: NextParam = None) -> Template:
        return page("auth/login.html", next=safe_next(next_, ""))

    @post("/login")
    async def login(self, request: Request, data: Form) -> Template | Redirect:
        email, password = _first(data.get("email")), _first(data.get("password"))
        try:
            user = await services.authenticate(email, password, login_throttle(request.app))
        except TooManyAttempts as exc:
            err = ValidationFailed.one("password", exc.code, exc.message, **exc.params)
            page_again = form_again("auth/login.html", data, err, next=safe_next(_first(data.get("next")), ""))
            page_again.status_code = exc.status
            page_again.headers["Retry-After"] = str(exc.retry_after)
            return page_again
        except NotAuthenticated as exc:
            err = ValidationFailed.one("password", exc.code, exc.message)
            return form_again("auth/login.html", data, err, next=safe_next(_first(data.get("next")), ""))
        start_session(request, user["id"])
        return Redirect(_landing(user, _first(data.get("next"))))

    @post("/logout")
    async def logout(self, request: Request) -> Redirect:
        end_session(request)
        return Redirect("/")

    @get("/lang/{code:str}")
    async def switch_language(self, request: Request, code: str, next_: NextParam = None) -> Redirect:
        locale = code if code in i18n.LOCALES else i18n.DEFAULT_LOCALE
        user = request.scope.get("user")
        if user:
            await services.set_locale(user["id"], locale)
        response = Redirect(safe_next(next_))
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, httponly=True, samesite="lax")
        return response
