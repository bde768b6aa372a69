"""Completeness of a claim (claims.documents) on the real test database: the workflow asks for every missing
document once, all together; the upload that fills the checklist starts the decision clock and the assessment
in the same transaction; uploads over the claim's total are refused with nothing stored.

Each test runs inside one transaction that is rolled back at its end (tests/unit/conftest.py)."""

from __future__ import annotations

import json
import secrets

import pytest

from claims import documents
from claims.model import ClaimStatus
from claims.tables import Claim, ClaimDocument, ClaimEvent
from insure import clock
from insure.auth.tables import User
from insure.errors import ValidationFailed
from insure.outbox import OutboxMessage
from tests.conftest import PG_ADMIN
from tests.integration.claim_helpers import tiny_pdf, tiny_png
from tests.unit.conftest import bare_policy

pytestmark = pytest.mark.skipif(
    bool(PG_ADMIN), reason="PostgreSQL runs create the database for the integration stack; SQLite runs cover this"
)

MEDICAL = ("claimant_id", "invoices", "expense_list", "discharge_summary")


async def _claim(status: ClaimStatus = ClaimStatus.ASSESSING) -> tuple[dict, dict]:
    policy = await bare_policy(product_version="2026-01-01")
    claimant = await User.select().where(User.id == policy["customer"]).first()
    rows = await Claim.insert(
        Claim(
            number=f"CTEST{secrets.token_hex(5)}".upper(),
            policy=policy["id"],
            claimant=claimant["id"],
            coverage_code="accidental_medical",
            loss_date=clock.today(),
            reported_on=clock.today(),
            description="Slipped on the stairs",
            status=status,
        )
    ).returning(*Claim.all_columns())
    return claimant, rows[0]


async def _reload(claim: dict) -> dict:
    return await Claim.select().where(Claim.id == claim["id"]).first()


async def _give(claimant: dict, claim: dict, doc_types: tuple[str, ...]) -> None:
    for doc_type in doc_types:
        data = tiny_png(f"{claim['id']} {doc_type}")
        await documents.upload(claimant, await _reload(claim), doc_type, [documents.Upload(f"{doc_type}.png", data)])


async def _assess_queued(claim: dict) -> int:
    rows = await OutboxMessage.select().where(OutboxMessage.task == "claims.assess")
    return sum(1 for r in rows if json.loads(r["payload"]) == [claim["id"]])


def test_missing_documents_are_requested_once_all_together(in_db) -> None:
    async def body() -> None:
        claimant, claim = await _claim()
        assert await documents.check_complete(claim["id"]) is False
        waiting = await _reload(claim)
        assert waiting["status"] == ClaimStatus.AWAITING_DOCUMENTS and waiting["complete_on"] is None
        asked_at = waiting["documents_requested_at"]
        assert asked_at is not None
        event = await ClaimEvent.select().where(ClaimEvent.claim == claim["id"]).first()
        assert event["reason"] == "documents requested: " + ", ".join(MEDICAL)
        assert await documents.missing_for(waiting) == MEDICAL

        # some documents come; the claim is looked at again (an adjuster, a re-run): not asked a second time
        await _give(claimant, claim, MEDICAL[:2])
        assert (await _reload(claim))["status"] == ClaimStatus.AWAITING_DOCUMENTS  # still two missing
        assert await documents.check_complete(claim["id"]) is False  # not assessing: nothing moves
        assert (await _reload(claim))["documents_requested_at"] == asked_at
        assert await _assess_queued(claim) == 0

    in_db(body)


def test_the_upload_that_completes_the_checklist_starts_the_clock_and_the_assessment(in_db) -> None:
    async def body() -> None:
        claimant, claim = await _claim()
        await documents.check_complete(claim["id"])
        await _give(claimant, claim, MEDICAL)
        done = await _reload(claim)
        assert done["status"] == ClaimStatus.ASSESSING and done["complete_on"] == clock.today()
        assert await _assess_queued(claim) == 1
        moves = await ClaimEvent.select().where(ClaimEvent.claim == claim["id"]).order_by(ClaimEvent.id)
        assert [(m["to_status"], m["reason"]) for m in moves][-1] == ("assessing", "documents complete")
        assert await documents.check_complete(claim["id"]) is True  # the assessment goes on

    in_db(body)


def test_a_claim_complete_before_it_is_assessed_is_complete_from_the_filing_day(in_db) -> None:
    async def body() -> None:
        claimant, claim = await _claim(ClaimStatus.SUBMITTED)
        await _give(claimant, claim, MEDICAL)
        submitted = await _reload(claim)
        assert submitted["status"] == ClaimStatus.SUBMITTED and submitted["complete_on"] == claim["reported_on"]
        assert await _assess_queued(claim) == 0  # its assessment was queued at filing
        await Claim.update({Claim.status: ClaimStatus.ASSESSING}).where(Claim.id == claim["id"])
        assert await documents.check_complete(claim["id"]) is True

    in_db(body)


def test_files_over_the_claims_total_are_refused_and_nothing_is_stored(in_db, monkeypatch) -> None:
    async def body() -> None:
        claimant, claim = await _claim()
        first = tiny_pdf("first" + "x" * 400)
        monkeypatch.setattr(documents, "max_claim_bytes", lambda: len(first) + 100)
        [kept] = await documents.upload(claimant, claim, "invoices", [documents.Upload("a.pdf", first)])
        folder = documents.filestore.path_of(kept["path"]).parent
        before = sorted(folder.iterdir())  # (claim ids of rolled-back tests come again: their files may be there)
        again = documents.Upload("a-again.pdf", first)  # the same bytes take no more room
        second = documents.Upload("b.pdf", tiny_pdf("second" + "y" * 400))
        with pytest.raises(ValidationFailed) as refused:
            await documents.upload(claimant, claim, "expense_list", [again, second])
        assert [(e.field, e.code) for e in refused.value.errors] == [("files[1]", "claim_documents_too_large")]
        rows = await ClaimDocument.select().where(ClaimDocument.claim == claim["id"])
        assert [r["filename"] for r in rows] == ["a.pdf"]
        assert sorted(folder.iterdir()) == before

    in_db(body)
