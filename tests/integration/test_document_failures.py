"""A document that cannot be rendered is retried a few times, then given up, shown as failed, and rendered
again by the real worker when staff retry it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from insure import document_store
from insure.errors import Conflict
from insure.seed import DEMO_PASSWORD
from products import illustration_doc
from products.tables import Quote

from .helpers import db, wait_for

pytestmark = pytest.mark.integration


def test_a_rendering_that_keeps_failing_is_given_up_then_rendered_again_when_staff_retry(api, monkeypatch):
    body = {"product_code": "wl_par_huaxia", "birth_date": "1985-04-02", "sex": "male", "sum_insured": "300000"}
    body |= {"policy_term": "whole_life", "premium_term": "20"}
    public_id = api.post("/quotes", json=body).json()["id"]
    quote_id = db(Quote.select(Quote.id).where(Quote.public_id == public_id).first())["id"]
    key = illustration_doc.doc_key(quote_id)

    def broken(html: str) -> bytes:  # the PDF engine is what fails here; the bookkeeping is what is tested
        raise OSError("wkhtmltopdf exited with code 1: cannot load font")

    with monkeypatch.context() as patch:
        patch.setattr(document_store, "html_to_pdf", broken)
        for attempt in range(1, document_store.MAX_ATTEMPTS + 1):
            with pytest.raises(OSError):
                db(illustration_doc.render_illustration(quote_id))
            doc = db(document_store.find(key))
            assert doc["attempts"] == attempt and "cannot load font" in doc["error"]
            assert doc["status"] == ("failed" if attempt == document_store.MAX_ATTEMPTS else "pending")
        # given up: another (reconciler) run does nothing, and the reconciler no longer picks it up
        db(illustration_doc.render_illustration(quote_id))
        assert db(document_store.find(key))["attempts"] == document_store.MAX_ATTEMPTS
    assert (illustration_doc.KIND, quote_id) not in db(document_store.stuck_pending(older_than=timedelta(0)))
    with pytest.raises(Conflict) as refused:
        db(document_store.ready_path(key))
    assert refused.value.code == "document_failed"

    # staff see it and, the cause fixed, have it rendered again by the worker
    token = api.post("/auth/token", json={"email": "admin@insure.test", "password": DEMO_PASSWORD}).json()
    admin = {"Authorization": f"Bearer {token['access_token']}"}
    listed = api.get("/admin/documents/failed", headers=admin).json()
    assert [(d["doc_key"], d["attempts"]) for d in listed if d["doc_key"] == key] == [(key, 5)]
    assert "cannot load font" in next(d["error"] for d in listed if d["doc_key"] == key)
    retried = api.post(f"/admin/documents/{key}/retry", headers=admin)
    assert retried.status_code == 200 and retried.json()["attempts"] == 0
    doc = wait_for(lambda: db(document_store.find(key)), lambda d: d["status"] == "ready", timeout=60)
    assert doc["status"] == "ready" and db(document_store.ready_path(key)).read_bytes().startswith(b"%PDF")
    again = api.post(f"/admin/documents/{key}/retry", headers=admin)
    assert again.status_code == 409 and again.json()["code"] == "document_not_failed"
    customer = api.post("/auth/token", json={"email": "customer@insure.test", "password": DEMO_PASSWORD}).json()
    forbidden = api.get("/admin/documents/failed", headers={"Authorization": f"Bearer {customer['access_token']}"})
    assert forbidden.status_code == 403
