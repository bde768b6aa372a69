"""Partner API: register, exchange credentials for a bearer token, who am I."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from insure.auth import services
from insure.auth.throttle import TooManyAttempts, login_throttle
from insure.i18n import gettext
from insure.openapi import BEARER_SECURITY, problems
from insure.text_input import Email, IdNumber, Mobile, Name, Password, RequestBody
from insure.web.guards import signed_in
from insure.web.problems import problem


class RegisterRequest(RequestBody):
    email: Email
    password: Password
    name: Name
    mobile: Mobile
    id_number: IdNumber


class TokenRequest(RequestBody):
    email: Email
    password: Password


class TokenResponse(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int


class UserOut(msgspec.Struct):
    id: int
    email: str
    name: str
    role: str
    mobile: str
    birth_date: str | None


def user_out(row: dict) -> UserOut:
    birth = row.get("birth_date")
    return UserOut(
        row["id"], row["email"], row["name"], row["role"], row["mobile"], birth.isoformat() if birth else None
    )


def too_many_attempts(request: Request, exc: TooManyAttempts) -> Response:
    """429 problem details that say when to try again (``Retry-After``, in seconds)."""
    refused = problem(request, exc.status, exc.code, gettext(exc.title), gettext(exc.message, **exc.params))
    refused.headers["Retry-After"] = str(exc.retry_after)
    return refused


class AuthController(Controller):
    path = "/api/v1"
    tags = ["auth"]
    exception_handlers = {TooManyAttempts: too_many_attempts}

    @post(
        "/auth/register",
        responses=problems(429),
        status_code=HTTP_201_CREATED,
        summary="Open a customer account",
        description="Creates a customer. The resident ID number is checked (MOD 11-2 check digit and birth date); "
        "every invalid field is reported at once in `errors`. Nothing is stored when any field is invalid.",
    )
    async def register(self, data: RegisterRequest) -> UserOut:
        return user_out(await services.register_customer(msgspec.structs.asdict(data)))

    @post(
        "/auth/token",
        responses=problems(401, 429),
        status_code=HTTP_200_OK,
        summary="Exchange email and password for a bearer token",
        description="Returns an opaque access token valid for 30 days. A wrong email or password gives the same "
        "401 `invalid_credentials`, with no hint which part was wrong. After too many failed attempts for one "
        "email address the address is locked for a while (doubling with each lock), whether or not an account "
        "exists: 429 `too_many_attempts` with `Retry-After`, even for the right password.",
    )
    async def token(self, request: Request, data: TokenRequest) -> TokenResponse:
        user = await services.authenticate(data.email, data.password, login_throttle(request.app))
        token, ttl = await services.issue_token(user["id"])
        return TokenResponse(access_token=token, token_type="bearer", expires_in=ttl)

    @get("/me", guards=[signed_in], security=BEARER_SECURITY, summary="The account behind the token")
    async def me(self, request: Request) -> UserOut:
        return user_out(request.scope["user"])  # type: ignore[arg-type]
