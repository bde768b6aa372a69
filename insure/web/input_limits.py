"""Bounds on every request body, checked once before any handler decodes it (an app-wide before_request hook).

- Size: over ``request_max_body_size`` Litestar answers 413 (problem details under /api).
- JSON nesting: a body nested deeper than ``MAX_JSON_DEPTH`` is refused with 400 ``malformed_request`` before
  it is decoded into objects (100,000 levels of ``[[[…]]]`` used to end in a RecursionError, a 500).
- Form values (pages): each value follows the text rule of ``insure.text_input`` — no NUL, control or bidi
  characters, and no longer than the longest text kind — so no page handler sees such a value; the per-field
  limits are then checked where each field is parsed.
"""

from __future__ import annotations

import re
from array import array
from itertools import accumulate

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.exceptions import ClientException

from insure.errors import N_, FieldError, ValidationFailed
from insure.text_input import LIMITS, has_forbidden_characters

MAX_JSON_DEPTH = 32
MAX_FORM_VALUE = max(LIMITS.values())
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# The closing quote is optional so that every match succeeds: an unterminated string (invalid JSON anyway) runs
# to the end of the body instead of being retried from every later quote, which made the scan quadratic.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.S)
_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)
# opening bracket → +1, closing → -1 (as a signed byte), so the running sum is the nesting depth
_DEPTH_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


class MalformedBody(ClientException):
    status_code = 400


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings do not count)."""
    if body.count(b"[") + body.count(b"{") == 0:
        return 0
    steps = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS).translate(_DEPTH_STEP)
    return max(accumulate(array("b", steps)), default=0)


def _looks_like_json(request: Request, body: bytes) -> bool:
    content_type = request.content_type[0]
    return "json" in content_type or body.lstrip()[:1] in (b"[", b"{")


async def check_request_body(request: Request) -> None:
    """Refuse a body that is too deep or carries forbidden characters, before the handler's data is decoded."""
    if request.method not in WRITE_METHODS:
        return None
    content_type = request.content_type[0]
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        await _check_form(request)
        return None
    body = await request.body()  # over request_max_body_size: 413
    if body and _looks_like_json(request, body) and json_depth(body) > MAX_JSON_DEPTH:
        raise MalformedBody(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return None


async def _check_form(request: Request) -> None:
    form = await request.form()
    errors: list[FieldError] = []
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            continue
        text = str(value)
        if has_forbidden_characters(key) or has_forbidden_characters(text, multiline=True):
            errors.append(
                FieldError(
                    _field_name(key), "invalid_characters", N_("This field contains characters that are not allowed.")
                )
            )
        elif len(text) > MAX_FORM_VALUE:
            errors.append(
                FieldError(_field_name(key), "too_long", N_("At most %(max)s characters."), {"max": MAX_FORM_VALUE})
            )
    if errors:
        raise ValidationFailed(errors)


def _field_name(key: str) -> str:
    return key if len(key) <= 64 and not has_forbidden_characters(key) else "form"
