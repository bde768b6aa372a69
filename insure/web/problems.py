"""Errors as RFC 9457 problem details under /api, and as pages (or a redirect to log in) elsewhere."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from insure.errors import N_, Conflict, DomainError, NotAuthenticated, ValidationFailed
from insure.i18n import gettext
from insure.labels import label
from insure.state_machine import IllegalTransition
from insure.web.context import is_api

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"

HTTP_CODES = {
    400: ("malformed_request", N_("The request is malformed.")),
    401: ("not_authenticated", N_("Please log in.")),
    403: ("forbidden", N_("You are not allowed to do this.")),
    404: ("not_found", N_("Not found.")),
    405: ("method_not_allowed", N_("This method is not allowed here.")),
    413: ("payload_too_large", N_("The request is too large.")),
    429: ("too_many_requests", N_("Too many requests; slow down.")),
}


def problem(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    errors: list | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": f"urn:insure:problem:{code}",
        "title": title,
        "status": status,
        "code": code,
        "instance": request.url.path,
    }
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _error_page(request: Request, status: int, message: str) -> Response:
    return Template(
        "error.html",
        context={"status": status, "message": message},
        status_code=status,
        media_type=MediaType.HTML,
    )


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    message = gettext(exc.message, **exc.params)
    if is_api(request.url.path):
        errors = None
        if isinstance(exc, ValidationFailed):
            errors = [{"field": e.field, "code": e.code, "message": gettext(e.message, **e.params)} for e in exc.errors]
        return problem(request, exc.status, exc.code, gettext(exc.title), message, errors)
    if isinstance(exc, NotAuthenticated):
        return Redirect(f"/login?next={quote(request.url.path)}")
    if isinstance(exc, ValidationFailed):  # a form refused before its page could show it again (input_limits)
        return _refused_form_page(request, exc)
    return _error_page(request, exc.status, message)


def _refused_form_page(request: Request, exc: ValidationFailed) -> Response:
    """Each refused field with its message, and a way back to the form: the browser's Back keeps what was typed,
    and the link leads to the page the form came from (same site only)."""
    errors = [{"field": e.field, "message": gettext(e.message, **e.params)} for e in exc.errors]
    referer = urlsplit(request.headers.get("referer", ""))
    back = request.url.path
    if referer.netloc == request.url.netloc and referer.path.startswith("/"):
        back = referer.path + (f"?{referer.query}" if referer.query else "")
    return Template(
        "error.html",
        context={"status": exc.status, "message": gettext(exc.title), "errors": errors, "back": back},
        status_code=exc.status,
        media_type=MediaType.HTML,
    )


_BACKTICKED = re.compile(r"`([^`]{1,64})`")


def _field_error(item: dict) -> dict[str, str]:
    """One msgspec / Litestar decoding failure as ``{field, code, message}``: a missing or unknown field is named
    from the message (``Object contains unknown field `x```) under the object it is in, others by their path."""
    message = str(item.get("message", ""))
    key = str(item.get("key") or "")
    key = "" if key == "data" else key
    named = _BACKTICKED.search(message)
    code = "unknown_field" if "unknown field" in message else "missing" if "missing required" in message else "invalid"
    if code != "invalid" and named:
        key = ".".join(part for part in (key, named.group(1)) if part)
    return {"field": key or "body", "code": code, "message": message}


def validation_handler(request: Request, exc: ValidationException) -> Response:
    """Litestar's own request validation. A body that decodes but whose fields are wrong (type, length, pattern,
    range, unknown field) → 422 naming each field (``unknown_field`` when every problem is an unknown field, else
    ``validation_failed``), like the services' own field errors; a bad query, path or header parameter → 400
    ``malformed_request``."""
    items = [i for i in exc.extra if isinstance(i, dict)] if isinstance(exc.extra, list) else []
    errors = [_field_error(i) for i in items]
    in_body = bool(items) and all(i.get("source") in (None, "body") for i in items)
    if in_body:
        status = 422
        code = "unknown_field" if all(e["code"] == "unknown_field" for e in errors) else "validation_failed"
        title = gettext("Some fields are not valid.")
    else:
        status, code, title = 400, "malformed_request", gettext("The request is malformed.")
        errors = [
            {**e, "field": str(i.get("key") or i.get("source") or e["field"])}
            for e, i in zip(errors, items, strict=True)
        ]
    if is_api(request.url.path):
        return problem(request, status, code, title, str(exc.detail), errors)
    return _error_page(request, status, title)


def http_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    code, title = HTTP_CODES.get(status, ("http_error", N_("The request cannot be processed.")))
    if is_api(request.url.path) or request.url.path.startswith("/schema"):
        response = problem(request, status, code, gettext(title))
    else:
        response = _error_page(request, status, gettext(title))
    # the exception's own headers belong to the answer: 405's Allow (RFC 9110 §15.5.6), 429's RateLimit-*
    headers = {name.lower(): value for name, value in (exc.headers or {}).items()}
    response.headers.update(headers)
    if status == 429 and "ratelimit-reset" in headers:  # seconds left in the window, in the header clients know
        response.headers["retry-after"] = str(headers["ratelimit-reset"])
    return response


def _is_bad_characters(exc: Exception) -> bool:
    """PostgreSQL refuses NUL and invalid characters in text (asyncpg CharacterNotInRepertoireError etc.)."""
    return type(exc).__name__ in {"CharacterNotInRepertoireError", "UntranslatableCharacterError"} or (
        "invalid byte sequence" in str(exc) or "\\x00" in str(exc)
    )


def internal_handler(request: Request, exc: Exception) -> Response:
    if _is_bad_characters(exc):
        title = gettext("The request contains characters that are not allowed.")
        if is_api(request.url.path):
            return problem(request, 400, "invalid_characters", title)
        return _error_page(request, 400, title)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    title = gettext("Something went wrong on our side; please try again.")
    if is_api(request.url.path):
        return problem(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", title)
    return _error_page(request, 500, title)


def illegal_transition_handler(request: Request, exc: IllegalTransition) -> Response:
    """A state-machine refusal is the user's conflict with the record's state, never a server error: the
    lifecycle's own message, naming the current status by its label."""
    status = label(exc.labels, str(exc.current)) if exc.labels else str(exc.current)
    conflict = Conflict(exc.message, code=exc.code, status=status)
    return domain_error_handler(request, conflict)


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    IllegalTransition: illegal_transition_handler,
    ValidationException: validation_handler,
    NotFoundException: http_handler,
    HTTPException: http_handler,
    Exception: internal_handler,
}
