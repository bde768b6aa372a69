"""Helpers for HTML pages: render with defaults, turn validation errors into form messages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import MediaType
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from insure.errors import Conflict, Forbidden, ValidationFailed
from insure.i18n import gettext

# an HTML form as a dict (url-encoded body), for every page handler that takes one
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def page(template: str, *, status_code: int = 200, **context: Any) -> Template:
    context.setdefault("errors", {})
    context.setdefault("form", {})
    return Template(template, context=context, status_code=status_code, media_type=MediaType.HTML)


def form_errors(exc: ValidationFailed) -> dict[str, list[str]]:
    """Translated messages per field, for the form to show beside each input."""
    errors: dict[str, list[str]] = {}
    for e in exc.errors:
        errors.setdefault(e.field, []).append(gettext(e.message, **e.params))
    return errors


def form_again(template: str, form: dict[str, Any], exc: ValidationFailed, **context: Any) -> Template:
    """The same form, filled in as sent (never the password), with the messages; 422 like the API."""
    safe = {k: v for k, v in form.items() if k not in {"password", "card_number", "cvc"}}
    return page(template, status_code=422, form=safe, errors=form_errors(exc), **context)


async def decision_form(
    template: str,
    data: dict[str, Any],
    decide: Callable[[dict[str, str]], Awaitable[object]],
    context: Callable[[], Awaitable[dict[str, Any]]],
    done: str,
) -> Template | Redirect:
    """A staff decision posted from a page (underwriting, reinstatement, claims): the service decides; invalid
    fields answer the form again (422) with the messages beside them; a refusal (not allowed, above authority,
    decided meanwhile) shows the page again with its message and status; success goes to ``done``."""
    fields = {k: str(v) for k, v in data.items()}
    try:
        await decide(fields)
    except ValidationFailed as exc:
        return form_again(template, fields, exc, **await context())
    except (Forbidden, Conflict) as exc:
        problem = gettext(exc.message, **exc.params)
        return page(template, status_code=exc.status, form=fields, problem=problem, **await context())
    return Redirect(done)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths: never redirect a user to another site after log-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
