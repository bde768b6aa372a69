"""`make run` opens on a living claims system: the demo seed (run by the stack's boot exactly as `insure run`
runs it) leaves claims in every resting state, the adjusters' queues and the demo customer's "My claims" are not
empty — in a real browser on a phone too — and seeding again adds nothing."""

from __future__ import annotations

import os
import shutil

import pytest

from claims.model import RESTING, ClaimStatus
from claims.seed_claims import ADJUSTER, ADJUSTER2, MANAGER
from claims.tables import Claim, ClaimDocument, ClaimEvent, ClaimInvoice, ClaimNote, ClaimsStaff
from insure.auth.tables import User
from insure.ledger.tables import JournalEntry
from insure.payments.tables import Payout
from insure.policies.tables import Policy
from insure.seed import DEMO_CUSTOMER, DEMO_PASSWORD

from .helpers import db, wait_for, web_session

pytestmark = pytest.mark.integration

CHROMIUM = os.environ.get("INSURE_E2E_CHROMIUM", "/usr/bin/chromium")


def _seeded() -> list[dict]:
    return db(Claim.select().where(Claim.request_key.like("%:seed-%")).order_by(Claim.id))


def _user(email: str) -> dict:
    return db(User.select().where(User.email == email).first())


def test_the_demo_seed_has_claims_in_every_resting_state_made_by_the_real_workflow(stack):
    claims = _seeded()
    statuses = {c["status"] for c in claims}
    assert set(RESTING) <= statuses, f"missing: {set(RESTING) - statuses}"
    adjuster, adjuster2 = _user(ADJUSTER), _user(ADJUSTER2)

    # every claim assessed was complete: its required documents uploaded, distinct files (no same-file signal);
    # expense claims carry their itemised invoices
    assessed = [c for c in claims if c["status"] != ClaimStatus.AWAITING_DOCUMENTS]
    assert all(c["complete_on"] is not None for c in assessed)
    files = db(ClaimDocument.select(ClaimDocument.claim, ClaimDocument.sha256))
    assert {f["claim"] for f in files} >= {c["id"] for c in assessed}
    assert len({f["sha256"] for f in files}) == len(files)
    assert len({i["claim"] for i in db(ClaimInvoice.select(ClaimInvoice.claim))}) >= 6

    # one claim filed with only the identity card waits for the rest, asked for together, in the team's queue
    waiting_docs = next(c for c in claims if c["status"] == ClaimStatus.AWAITING_DOCUMENTS)
    assert waiting_docs["documents_requested_at"] is not None and waiting_docs["assigned_to"] is None
    assert [f["claim"] for f in files].count(waiting_docs["id"]) == 1

    # referred claims of several kinds and insurers, assigned by the assessment (its reasons recorded) or handed
    # over by the claims manager, each with a case reserve; a denial reopened
    referred = [c for c in claims if c["status"] == ClaimStatus.REFERRED]
    assert len(referred) >= 4
    # the two adjusters hold them; the claims manager supervises and holds none
    assert {c["assigned_to"] for c in referred} == {adjuster["id"], adjuster2["id"]}
    assert all("Assigned to" in str(c["referral_reasons"]) for c in referred)
    assert all(c["reserve_fen"] > 0 for c in referred)
    policies = db(Policy.select().where(Policy.id.is_in([c["policy"] for c in referred])))
    assert len({p["insurer_code"] for p in policies}) >= 2 and len({p["product_code"] for p in policies}) >= 3
    assert any(c["reopened_at"] is not None for c in referred)  # a denial reopened
    assert db(ClaimNote.count().where(ClaimNote.claim.is_in([c["id"] for c in referred]))) >= 2

    # the information request was the adjuster's action, with their question
    asked = next(c for c in claims if c["status"] == ClaimStatus.INFO_REQUESTED)
    event = db(
        ClaimEvent.select().where(ClaimEvent.claim == asked["id"]).order_by(ClaimEvent.id, ascending=False).first()
    )
    assert event["to_status"] == ClaimStatus.INFO_REQUESTED and event["actor"].startswith("adjuster:")

    # an approval above the adjuster's authority waits for the manager; a denial carries its reason code
    waiting = next(c for c in claims if c["status"] == ClaimStatus.AWAITING_APPROVAL)
    assert waiting["proposed_by"] == adjuster["id"] and waiting["proposed_fen"] > adjuster["authority_fen"]
    denied = next(c for c in claims if c["status"] == ClaimStatus.DENIED)
    assert denied["denial_code"] and denied["decision_reason"]

    # paid straight through and after an adjuster's decision, each with one confirmed payout and one ledger entry
    paid = [c for c in claims if c["status"] == ClaimStatus.PAID]
    assert any(c["decided_by"] is None for c in paid) and any(c["decided_by"] is not None for c in paid)
    for claim in paid:
        payouts = db(Payout.select(Payout.status).where(Payout.payout_key == f"claim:{claim['id']}"))
        assert [p["status"] for p in payouts] == ["succeeded"]
        booked = (JournalEntry.source_type == "claim") & (JournalEntry.source_id == claim["id"])
        assert db(JournalEntry.count().where(booked)) == 1

    # the approved claim's payout was sent by the seed; the running worker confirms it: the system is alive
    approved = next(c for c in claims if c["request_key"].endswith(":seed-approved"))
    settled = wait_for(lambda: db(Claim.select().where(Claim.id == approved["id"]).first()), lambda c: c["paid_at"])
    assert settled["status"] == ClaimStatus.PAID

    # the claims team: skills by claim kind and one claims manager
    staff = db(ClaimsStaff.select())
    assert [s["user"] for s in staff if s["manager"]] == [_user(MANAGER)["id"]]
    assert "medical" in next(s["skills"] for s in staff if s["user"] == adjuster["id"])


def test_the_adjusters_queues_and_the_demo_customers_claims_are_not_empty(api):
    with web_session(api, ADJUSTER, DEMO_PASSWORD) as web:
        page = web.get("/adjuster/claims")
        assert page.status_code == 200 and page.text.count('href="/claims/C') >= 2
    with web_session(api, MANAGER, DEMO_PASSWORD) as web:
        assert web.get("/adjuster/claims").text.count('href="/claims/C') >= 2
        # the approval above the adjuster's authority, in the claims manager's view of the team
        waiting = next(c for c in _seeded() if c["status"] == ClaimStatus.AWAITING_APPROVAL)
        assert waiting["number"] in web.get("/adjuster/team").text
    with web_session(api, DEMO_CUSTOMER.email, DEMO_PASSWORD) as web:
        page = web.get("/claims").text
        mine = [c["number"] for c in _seeded() if c["claimant"] == _user(DEMO_CUSTOMER.email)["id"]]
        assert len(mine) >= 3 and all(number in page for number in mine)


def test_seeding_again_adds_nothing(stack):
    def counts() -> tuple[int, ...]:
        claims = _seeded()
        policy_ids = list({c["policy"] for c in claims})
        return (
            len(claims),
            db(Policy.count().where(Policy.id.is_in(policy_ids))),
            db(Payout.count().where(Payout.policy.is_in(policy_ids))),
            db(ClaimsStaff.count()),
            len(db(Policy.select(Policy.id).where(Policy.customer.is_in(list({c["claimant"] for c in claims}))))),
        )

    before = counts()
    done = stack.cli("seed")
    assert "0 demo claims filed" in done.stdout, done.stdout
    assert counts() == before


def test_a_phone_shows_the_seeded_queue_and_my_claims(stack):
    executable = CHROMIUM if os.path.isabs(CHROMIUM) else shutil.which(CHROMIUM)
    if not executable or not os.access(executable, os.X_OK):
        pytest.skip(f"the browser check needs Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser check needs playwright")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"])
        try:
            for email, path in ((ADJUSTER, "/adjuster/claims"), (DEMO_CUSTOMER.email, "/claims")):
                context = browser.new_context(
                    locale="en-US", base_url=stack.base_url, viewport={"width": 390, "height": 844}
                )
                page = context.new_page()
                page.goto("/login")
                page.fill("input[name=email]", email)
                page.fill("input[name=password]", DEMO_PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state()
                page.goto(path)
                links = page.locator("main a[href^='/claims/C']")
                sync_api.expect(links.first).to_be_visible()
                assert links.count() >= 2, f"{email} sees {links.count()} claims at {path}"
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, f"{path} is {width}px wide on a 390px phone"
                context.close()
        finally:
            browser.close()
