"""Filing claims in integration tests: ONE place that knows what a complete claim request is (the form of the
benefit claimed, its invoices, its documents), so every test files claims the way a real claimant does.

Use ``filed(...)`` for a claim that should go through the workflow (it answers the claim as JSON after filing it
and giving what it needs); ``file_claim(...)`` for the raw response (to test refusals).
"""

from __future__ import annotations

import re
import secrets
import struct
import zlib
from datetime import date
from functools import cache

import httpx

from claims.kinds import DAILY, EXPENSE, kind_of
from products.services import catalog
from tests.integration.helpers import auth, csrf_token, today, wait_for

DESCRIPTION = "Slipped on wet stairs at the office and hurt an ankle"
# the first steps of every claim filed with filed(): reported, found without its documents (all requested in one
# list), assessed again once they came
FILED = ("submitted", "assessing", "awaiting_documents", "assessing")
ISSUER = "Beijing Chaoyang Hospital"


@cache
def benefit_kinds() -> dict[str, str]:
    """How each coverage code of the catalog pays (claims.kinds: fixed, expense, daily)."""
    found: dict[str, str] = {}
    for product in catalog().products(date.max):  # the latest version of every product
        for coverage in product.coverages:
            found[coverage.code] = kind_of(coverage).pays
    return found


def invoice(amount: str, day: str, **fields: object) -> dict:
    """One invoice of this amount, with a number no other claim has (a shared number is a fraud signal)."""
    return {
        "number": f"FP{secrets.token_hex(6).upper()}",
        "issuer": ISSUER,
        "date": day,
        "amount": amount,
        "social_insurance": "0",
        **fields,
    }


# a 1 x 1 white PNG (signature, IHDR, IDAT, IEND)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IHDR = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
_IDAT = zlib.compress(b"\x00\xff\xff\xff")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png(note: str = "") -> bytes:
    """A valid 1 x 1 PNG; ``note`` goes in a text chunk, so that every claim's files differ (the fraud signals
    flag the same file on two claims)."""
    text = _chunk(b"tEXt", b"Comment\x00" + note.encode()) if note else b""
    return _PNG_SIGNATURE + _chunk(b"IHDR", _IHDR) + text + _chunk(b"IDAT", _IDAT) + _chunk(b"IEND", b"")


def tiny_pdf(note: str = "") -> bytes:
    """A plain one-page PDF (no scripts); ``note`` in a comment makes each one differ."""
    return (
        b"%PDF-1.4\n%" + note.encode() + b"\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def upload(api: httpx.Client, customer: dict, number: str, doc_type: str, name: str, data: bytes) -> httpx.Response:
    """POST one file as a ``doc_type`` document of the claim (multipart, as a client would); the raw response."""
    return api.post(
        f"/claims/{number}/documents",
        data={"doc_type": doc_type},
        files=[("files", (name, data, "application/octet-stream"))],
        headers=auth(customer),
    )


def give_documents(api: httpx.Client, customer: dict, claim: dict) -> None:
    """Upload every document the claim's benefit requires: a small PNG for identity papers, a PDF otherwise."""
    for doc_type in claim["documents"]["required"]:
        note = f"{claim['number']} {doc_type}"
        if doc_type.endswith("_id"):
            r = upload(api, customer, claim["number"], doc_type, f"{doc_type}.png", tiny_png(note))
        else:
            r = upload(api, customer, claim["number"], doc_type, f"{doc_type}.pdf", tiny_pdf(note))
        assert r.status_code == 201, r.text


def claim_body(
    policy_number: str,
    coverage: str = "accidental_medical",
    amount: str = "800",
    *,
    loss_date: str | None = None,
    description: str = DESCRIPTION,
    **extra: object,
) -> dict:
    """The JSON body of POST /api/v1/claims for this benefit, as its kind asks (claims.kinds): an expense benefit
    claims ``amount`` as one invoice of that amount (unless ``invoices`` are given); a lump sum claims the cover's
    limit and a daily benefit its nights in hospital (``discharge_date``, by default the day of admission: one
    night), so ``amount`` is not sent for them."""
    loss = loss_date or today().isoformat()
    body: dict = {
        "policy_number": policy_number,
        "coverage_code": coverage,
        "loss_date": loss,
        "description": description,
    }
    pays = benefit_kinds().get(coverage, EXPENSE)
    if pays == EXPENSE and "invoices" not in extra:
        body["invoices"] = [invoice(amount, loss)]
    elif pays == DAILY and "discharge_date" not in extra:
        body["discharge_date"] = loss
    return {**body, **extra}


def file_claim(
    api: httpx.Client,
    customer: dict,
    policy_number: str,
    coverage: str = "accidental_medical",
    amount: str = "800",
    *,
    headers: dict | None = None,
    **body: object,
) -> httpx.Response:
    """POST the claim; the raw response."""
    return api.post(
        "/claims",
        json=claim_body(policy_number, coverage, amount, **body),  # type: ignore[arg-type]
        headers={**auth(customer), **(headers or {})},
    )


def give_documents_on_page(web: httpx.Client, claim_url: str) -> None:
    """On the claim page (``web``: the claimant's signed-in page client), once the worker has asked for the
    documents, upload every missing one through the page's form (a plain multipart post, as without scripts)."""
    wait_for(lambda: web.get(claim_url + "/status").text, lambda html: "every 2s" not in html, timeout=60)
    html = web.get(claim_url).text
    for doc_type in re.findall(r'<li class="missing" data-doc-type="([a-z_]+)"', html):
        r = web.post(
            claim_url + "/documents",
            data={"doc_type": doc_type, "_csrf_token": csrf_token(html)},
            files=[("files", (f"{doc_type}.pdf", tiny_pdf(f"{claim_url} {doc_type}"), "application/pdf"))],
        )
        assert r.status_code == 303, r.text[:2000]


def filed(
    api: httpx.Client,
    customer: dict,
    policy_number: str,
    coverage: str = "accidental_medical",
    amount: str = "800",
    **body: object,
) -> dict:
    """File the claim and give it everything it needs to be assessed (every required document); the claim as the
    API answers it after that.

    The documents are given once the worker has asked for them (the claim rests in ``awaiting_documents``), as a
    claimant answering the request would: so every claim filed here has the same history (submitted, assessing,
    awaiting_documents, assessing, …), whichever of the worker and the uploads would otherwise come first."""
    r = file_claim(api, customer, policy_number, coverage, amount, **body)  # type: ignore[arg-type]
    assert r.status_code == 201, r.text
    return complete(api, customer, r.json()["number"])


def complete(api: httpx.Client, customer: dict, number: str) -> dict:
    """Wait for the worker to ask for the claim's documents, then give them all; the claim as the API answers."""
    asked = wait_for(
        lambda: api.get(f"/claims/{number}", headers=auth(customer)).json(),
        lambda claim: claim["status"] not in ("submitted", "assessing"),
        timeout=60,
    )
    assert asked["status"] == "awaiting_documents", asked
    give_documents(api, customer, asked)
    return api.get(f"/claims/{number}", headers=auth(customer)).json()


def form_fields(body: dict) -> dict[str, str]:
    """The claim form's fields (the page at /policies/{number}/claims/new?coverage=...) for a claim_body(): its
    invoices as ``invoices[i].<field>`` inputs."""
    fields = {k: str(v) for k, v in body.items() if k not in ("policy_number", "invoices")}
    for i, item in enumerate(body.get("invoices", [])):
        fields.update({f"invoices[{i}].{k}": str(v) for k, v in item.items()})
    return fields
