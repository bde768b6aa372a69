"""A document that cannot be rendered is counted like every other kind of background work (insure.work): after
its cap it needs attention, reads as failed, is listed for staff and is rendered by the real worker when they
retry it (the older failed-documents routes are views of the same list)."""

from __future__ import annotations

import pytest

from insure import document_store, tasks, work
from insure.documents_tables import Document
from insure.seed import DEMO_PASSWORD
from insure.work_rules import cap_for
from products import illustration_doc
from products.tables import Quote

from .helpers import db, wait_for

pytestmark = pytest.mark.integration
KIND = "documents.render_illustration"


def test_a_rendering_that_keeps_failing_is_given_up_then_rendered_again_when_staff_retry(api, monkeypatch):
    body = {"product_code": "wl_par_huaxia", "birth_date": "1985-04-02", "sex": "male", "sum_insured": "300000"}
    body |= {"policy_term": "whole_life", "premium_term": "20"}
    public_id = api.post("/quotes", json=body).json()["id"]
    quote_id = db(Quote.select(Quote.id).where(Quote.public_id == public_id).first())["id"]
    key = illustration_doc.doc_key(quote_id)
    # requested (a pending row), but rendered here with a broken engine rather than by the worker
    db(Document.insert(Document(doc_key=key, kind="illustration", owner_type="quote", owner_id=quote_id)))

    def broken(html: str) -> bytes:  # the PDF engine is what fails here; the bookkeeping is what is tested
        raise OSError("wkhtmltopdf exited with code 1: cannot load font")

    def render() -> object:
        return work.attempt(KIND, quote_id, lambda: illustration_doc.render_illustration(quote_id))

    with monkeypatch.context() as patch:
        patch.setattr(document_store, "html_to_pdf", broken)
        for attempt in range(1, cap_for(KIND) + 1):
            with pytest.raises(OSError):
                db(render())
            row = db(work.find(KIND, quote_id))
            assert row["attempts"] == attempt and "cannot load font" in row["last_error"]
            assert row["status"] == ("needs_attention" if attempt == cap_for(KIND) else "failed")
        # parked: another (reconciler) run does not even start, and the reconciler no longer picks it up
        assert db(render()) is None
        assert db(work.find(KIND, quote_id))["attempts"] == cap_for(KIND)
    assert (KIND, quote_id) not in db(tasks.stuck_work())
    refused = api.get(f"/quotes/{public_id}/illustration.pdf")
    assert refused.status_code == 409 and refused.json()["code"] == "document_failed"

    # staff see it (in the one list and in the older documents view) and have the worker render it again
    token = api.post("/auth/token", json={"email": "admin@insure.test", "password": DEMO_PASSWORD}).json()
    admin = {"Authorization": f"Bearer {token['access_token']}"}
    listed = api.get("/admin/attention", params={"kind": KIND}, headers=admin).json()
    assert [(i["business_id"], i["attempts"]) for i in listed if i["business_id"] == str(quote_id)] == [
        (str(quote_id), 5)
    ]
    old_view = api.get("/admin/documents/failed", headers=admin).json()
    assert "cannot load font" in next(d["error"] for d in old_view if d["doc_key"] == key)
    retried = api.post(f"/admin/documents/{key}/retry", headers=admin)
    assert retried.status_code == 200 and retried.json()["attempts"] == 0
    doc = wait_for(lambda: db(document_store.find(key)), lambda d: d["status"] == "ready", timeout=60)
    assert doc["status"] == "ready" and db(document_store.ready_path(key)).read_bytes().startswith(b"%PDF")
    again = api.post(f"/admin/documents/{key}/retry", headers=admin)
    assert again.status_code == 409 and again.json()["code"] == "work_not_parked"
    customer = api.post("/auth/token", json={"email": "customer@insure.test", "password": DEMO_PASSWORD}).json()
    forbidden = api.get("/admin/documents/failed", headers={"Authorization": f"Bearer {customer['access_token']}"})
    assert forbidden.status_code == 403
