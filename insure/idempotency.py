"""Idempotency-Key handling shared by every request that must take effect once (payments, claims,
reinstatement): the key's format, and the replay of the first answer — or 409 when the key came with another
request. Each caller stores the key (scoped to the user) and a fingerprint of the request with its own row."""

from __future__ import annotations

import re
from typing import Any

from insure.errors import N_, Conflict, ValidationFailed

KEY_RE = re.compile(r"^[A-Za-z0-9_\-:.]{8,80}$")


def check_key(key: str) -> None:
    """422 ``idempotency_key_invalid`` unless the key has 8 to 80 letters, digits or ``_-:.``."""
    if not KEY_RE.match(key or ""):
        raise ValidationFailed.one(
            "idempotency_key", "idempotency_key_invalid", N_("Send an Idempotency-Key of 8 to 80 characters.")
        )


def key_reused() -> Conflict:
    return Conflict(N_("This Idempotency-Key was already used for a different request."), code="idempotency_key_reused")


async def replay(key_column: Any, hash_column: Any, scoped_key: str, fingerprint: str) -> dict | None:
    """The row first made with this key if the request is the same (its fingerprint matches); 409 if the key
    came with another request; None when the key is new (or empty)."""
    if not scoped_key:
        return None
    previous = await key_column._meta.table.select().where(key_column == scoped_key).first()
    if previous and previous[hash_column._meta.name] != fingerprint:
        raise key_reused()
    return previous
