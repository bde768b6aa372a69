"""Domain errors with stable codes. The web layer turns them into problem details or form messages.

``message`` is an English msgid with ``%(name)s`` placeholders; it is translated when it is shown, so the
same error reads well in both UI languages while ``code`` stays stable for programs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:
    """Mark a string for translation without translating it now (Babel extracts N_ calls)."""
    return message


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


class DomainError(Exception):
    status = 400
    code = "bad_request"
    title = N_("The request cannot be processed.")

    def __init__(self, message: str | None = None, *, code: str | None = None, **params: Any) -> None:
        self.message = message or self.title
        if code:
            self.code = code
        self.params = params
        super().__init__(self.message % params if params else self.message)


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"
    title = N_("Some fields are not valid.")

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__(self.title)

    @classmethod
    def one(cls, field_name: str, code: str, message: str, **params: Any) -> ValidationFailed:
        return cls([FieldError(field_name, code, message, params)])


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    title = N_("Please log in.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = N_("You are not allowed to do this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = N_("Not found.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = N_("The request conflicts with the current state.")
