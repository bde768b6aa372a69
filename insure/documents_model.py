"""The lifecycle of a generated document (pure): requested (pending), then rendered and stored (ready).

A rendering that keeps failing is not a stored status: it is parked as work needing attention (insure.work),
and ``insure.document_store.find`` reports such a pending document as ``failed``.
"""

from __future__ import annotations

from enum import StrEnum

from insure.errors import N_
from insure.state_machine import lifecycle


class DocumentStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"


TRANSITIONS: dict[DocumentStatus, frozenset[DocumentStatus]] = {
    DocumentStatus.PENDING: frozenset({DocumentStatus.READY}),
    DocumentStatus.READY: frozenset(),
}

# a document rendered without having been requested first is stored ready at once
DOCUMENT = lifecycle(
    "document",
    DocumentStatus,
    TRANSITIONS,
    {DocumentStatus.PENDING, DocumentStatus.READY},
    refusal=N_("This is not possible while the document is %(status)s."),
)
