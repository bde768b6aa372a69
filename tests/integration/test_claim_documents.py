"""Claim documents over HTTP with the real worker: a claim missing its documents waits for them (all requested at
once), the uploads complete it — the decision clock starts that day — and it is paid straight through; bad files
are refused with a clear problem and nothing is stored; only the claimant and staff see the files."""

from __future__ import annotations

import re

import pytest

from claims.tables import Claim, ClaimDocument
from insure.settings import get_settings

from .claim_helpers import file_claim, filed, tiny_pdf, tiny_png, upload
from .helpers import auth, buy_policy, csrf_token, db, register, today, wait_for, web_session

pytestmark = pytest.mark.integration

MEDICAL = ["claimant_id", "invoices", "expense_list", "discharge_summary"]  # accidental_medical: a medical claim


def claim_of(api, customer: dict, number: str) -> dict:
    return api.get(f"/claims/{number}", headers=auth(customer)).json()


def wait_status(api, customer: dict, number: str, status: str, timeout: float = 60) -> dict:
    found = wait_for(lambda: claim_of(api, customer, number), lambda c: c["status"] == status, timeout=timeout)
    assert found["status"] == status, found
    return found


def stored_files(claim_number: str) -> list[str]:
    """The files kept in the document store for this claim (none for a claim whose uploads were all refused)."""
    row = db(Claim.select(Claim.id).where(Claim.number == claim_number).first())
    folder = get_settings().document_dir / "claims" / str(row["id"])
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def a_claim(api, customer: dict | None = None) -> tuple[dict, str]:
    """A customer with a policy in force and a claim filed without documents."""
    customer = customer or register(api)
    policy = buy_policy(api, customer)
    r = file_claim(api, customer, policy["number"])
    assert r.status_code == 201, r.text
    return customer, r.json()["number"]


def test_a_claim_waits_for_its_documents_and_the_uploads_complete_it_and_it_is_paid(api):
    customer, number = a_claim(api)

    # the worker finds nothing uploaded: every missing document is asked for at once, in one step
    waiting = wait_status(api, customer, number, "awaiting_documents")
    assert waiting["documents"] == {"required": MEDICAL, "missing": MEDICAL, "files": []}
    asked = [e for e in waiting["events"] if e["to_status"] == "awaiting_documents"]
    assert [e["reason"] for e in asked] == ["documents requested: " + ", ".join(MEDICAL)]
    row = db(Claim.select().where(Claim.number == number).first())
    assert row["documents_requested_at"] is not None and row["complete_on"] is None

    # three of four: still waiting, the checklist says which one is missing
    for doc_type in MEDICAL[:3]:
        r = upload(api, customer, number, doc_type, f"{doc_type}.pdf", tiny_pdf(f"{number} {doc_type}"))
        assert r.status_code == 201, r.text
    partial = claim_of(api, customer, number)
    assert partial["status"] == "awaiting_documents" and partial["documents"]["missing"] == ["discharge_summary"]

    # the last one completes the claim: the clock starts today, assessment runs again and pays it
    photo = tiny_png(f"{number} discharge")
    r = upload(api, customer, number, "discharge_summary", "出院小结.png", photo)
    assert r.status_code == 201, r.text
    [given] = r.json()
    assert given["content_type"] == "image/png" and given["filename"] == "出院小结.png" and given["size"] == len(photo)
    paid = wait_status(api, customer, number, "paid")
    assert paid["documents"]["missing"] == [] and len(paid["documents"]["files"]) == 4
    row = db(Claim.select().where(Claim.number == number).first())
    assert row["complete_on"] == today()
    # asked once: the documents were not requested a second time
    assert [e["to_status"] for e in paid["events"]].count("awaiting_documents") == 1


def test_filed_gives_every_document_the_worker_asks_for_and_the_history_is_always_the_same(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    claim = filed(api, customer, policy["number"])
    assert claim["documents"]["missing"] == [] and len(claim["documents"]["files"]) == len(MEDICAL)
    paid = wait_status(api, customer, claim["number"], "paid")
    assert [e["to_status"] for e in paid["events"]] == [
        "submitted",
        "assessing",
        "awaiting_documents",
        "assessing",
        "approved",
        "paid",
    ]
    assert db(Claim.select(Claim.complete_on).where(Claim.number == paid["number"]).first())["complete_on"] == today()


def _refusal(r, field: str, code: str) -> None:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert {"field": field, "code": code} in [{"field": e["field"], "code": e["code"]} for e in r.json()["errors"]]


def test_bad_files_are_refused_with_the_reason_and_nothing_is_stored(api):
    customer, number = a_claim(api)
    png = tiny_png(number)
    script_pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction << /S /J#61vaScript /JS (app.alert(1)) >> >> endobj"
    cases = [
        ("photo.jpg", b"MZ\x90\x00 this is a program, not a photo", "file_type_not_allowed"),
        ("empty.pdf", b"", "file_empty"),
        ("invoice.pdf", script_pdf + b"\n%%EOF\n", "pdf_active_content"),
        ("../../etc/passwd.png", png, "filename_invalid"),
        ("huge.png", png + b"\x00" * (get_settings().document_max_mb * 1024 * 1024), "file_too_large"),
    ]
    for name, data, code in cases:
        _refusal(upload(api, customer, number, "invoices", name, data), "files[0]", code)

    # one bad file among good ones refuses them all, naming the bad one
    r = api.post(
        f"/claims/{number}/documents",
        data={"doc_type": "invoices"},
        files=[("files", ("good.png", png, "image/png")), ("files", ("bad.jpg", b"<html>", "image/jpeg"))],
        headers=auth(customer),
    )
    _refusal(r, "files[1]", "file_type_not_allowed")
    # an unknown document type
    r = api.post(
        f"/claims/{number}/documents",
        data={"doc_type": "selfie"},
        files=[("files", ("good.png", png, "image/png"))],
        headers=auth(customer),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "doc_type", r.text

    assert claim_of(api, customer, number)["documents"]["files"] == []
    assert stored_files(number) == []
    claim_id = db(Claim.select(Claim.id).where(Claim.number == number).first())["id"]
    assert db(ClaimDocument.count().where(ClaimDocument.claim == claim_id)) == 0


def test_the_same_file_twice_is_stored_once(api):
    customer, number = a_claim(api)
    png = tiny_png(f"{number} id")
    first = upload(api, customer, number, "claimant_id", "id.png", png)
    again = upload(api, customer, number, "claimant_id", "id-again.png", png)
    assert first.status_code == again.status_code == 201
    assert again.json()[0]["id"] == first.json()[0]["id"]
    assert len(claim_of(api, customer, number)["documents"]["files"]) == 1
    assert len(stored_files(number)) == 1


def test_only_the_claimant_and_staff_see_the_files_and_others_get_404(api):
    customer, number = a_claim(api)
    png = tiny_png(f"{number} private")
    doc = upload(api, customer, number, "claimant_id", 'my "id";card.png', png).json()[0]
    url = f"/claims/{number}/documents/{doc['id']}"

    mine = api.get(url, headers=auth(customer))
    assert mine.status_code == 200 and mine.content == png
    assert mine.headers["content-type"] == "image/png"
    assert mine.headers["x-content-type-options"] == "nosniff"
    assert mine.headers["content-disposition"].startswith('inline; filename="my _id__card.png"')

    stranger = register(api)
    assert api.get(url, headers=auth(stranger)).status_code == 404
    assert api.get(f"/claims/{number}/documents", headers=auth(stranger)).status_code == 404
    sneaky = upload(api, stranger, number, "claimant_id", "x.png", tiny_png("stranger"))
    assert sneaky.status_code == 404 and sneaky.json()["code"] == "claim_not_found"
    assert api.get(f"/claims/{number}/documents/{doc['id'] + 100000}", headers=auth(customer)).status_code == 404
    for beyond in (2**31, 10**27):  # an id no row can have is a 404 too, not a database error
        huge = api.get(f"/claims/{number}/documents/{beyond}", headers=auth(customer))
        assert huge.status_code == 404 and huge.json()["code"] == "document_not_found"
    with web_session(api, stranger["email"]) as web:
        assert web.get(url).status_code == 404

    with web_session(api, "admin@insure.test", "insure-demo-2026") as web:
        assert web.get(url).content == png  # staff read it inline on the pages


def test_a_customer_cannot_add_documents_to_a_paid_claim(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    claim = filed(api, customer, policy["number"])
    wait_status(api, customer, claim["number"], "paid")
    r = upload(api, customer, claim["number"], "invoices", "late.pdf", tiny_pdf("late"))
    assert r.status_code == 409 and r.json()["code"] == "claim_closed", r.text


def test_the_claim_page_shows_the_checklist_and_uploads_without_scripts(api):
    customer, number = a_claim(api)
    wait_status(api, customer, number, "awaiting_documents")
    with web_session(api, customer["email"], customer["password"]) as web:
        html = web.get(f"/claims/{number}").text
        assert 'id="documents"' in html and html.count('class="missing"') == 4
        token = csrf_token(html)
        r = web.post(
            f"/claims/{number}/documents",
            data={"doc_type": "claimant_id", "_csrf_token": token},
            files=[("files", ("id.png", tiny_png(f"{number} page"), "image/png"))],
        )
        assert r.status_code == 303 and r.headers["location"] == f"/claims/{number}#documents"
        html = web.get(f"/claims/{number}").text
        received = re.search(r'<li class="received" data-doc-type="claimant_id">(.*?)</li>', html, re.S)
        assert received and "id.png" in received.group(1) and html.count('class="missing"') == 3

        # refused on the page: the form again with the file's name and the reason, nothing stored
        r = web.post(
            f"/claims/{number}/documents",
            data={"doc_type": "invoices", "_csrf_token": token},
            files=[("files", ("invoice.jpg", b"not an image at all", "image/jpeg"))],
        )
        assert r.status_code == 422
        assert "invoice.jpg: Only photos (JPEG, PNG, WebP, HEIC) and PDF documents can be uploaded" in r.text
    assert len(claim_of(api, customer, number)["documents"]["files"]) == 1
