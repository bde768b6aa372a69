"""A document that cannot be rendered is retried a few times, then given up and shown as failed."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from insure import document_store
from insure.errors import Conflict

from .helpers import db

pytestmark = pytest.mark.integration


def test_a_rendering_that_keeps_failing_is_recorded_and_given_up_after_the_cap(stack, monkeypatch):
    def broken(html: str) -> bytes:  # the PDF engine is what fails here; the bookkeeping is what is tested
        raise OSError("wkhtmltopdf exited with code 1: cannot load font")

    monkeypatch.setattr(document_store, "html_to_pdf", broken)
    key = f"test_doc:{secrets.token_hex(4)}"
    args = {"doc_key": key, "kind": "test_doc", "owner_type": "test", "owner_id": 1, "relative": "x.pdf", "html": "x"}
    for attempt in range(1, document_store.MAX_ATTEMPTS + 1):
        with pytest.raises(OSError):
            db(document_store.store_pdf(**args))
        doc = db(document_store.find(key))
        assert doc["attempts"] == attempt and "cannot load font" in doc["error"]
        expected = "failed" if attempt == document_store.MAX_ATTEMPTS else "pending"
        assert doc["status"] == expected
    # given up: a further (reconciler) run does nothing, and the reconciler no longer picks it up
    db(document_store.store_pdf(**args))
    assert db(document_store.find(key))["attempts"] == document_store.MAX_ATTEMPTS
    assert ("test_doc", 1) not in db(document_store.stuck_pending(older_than=timedelta(0)))
    with pytest.raises(Conflict) as refused:
        db(document_store.ready_path(key))
    assert refused.value.code == "document_failed"
