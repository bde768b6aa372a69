"""Nothing is retried without limit: every kind of background work counts its attempts (also failures before the
real work starts), is parked as needs_attention after its cap, is left alone by the reconciler, is listed for
staff, and is done by the real worker when an admin retries it. A document that cannot exist is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from markupsafe import escape

from claims.model import ClaimStatus
from claims.tables import Claim
from insure import clock, outbox, tasks, work
from insure.auth.tables import User
from insure.documents_tables import Document
from insure.payments.tables import Payout, SandboxBankAccount
from insure.policies.model import new_number
from insure.policies.tables import Policy
from insure.seed import DEMO_PASSWORD
from insure.work_rules import CRASHED, cap_for
from products.tables import Quote

from .helpers import auth, buy_policy, csrf_token, db, register, wait_for, web_session
from .test_lifecycle import mail_subjects

pytestmark = pytest.mark.integration


def _token(api, email: str) -> dict[str, str]:
    r = api.post("/auth/token", json={"email": email, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _fail_until_parked(kind: str, business_id: object) -> dict:
    """Send the task to the real worker until its cap; each attempt fails and is counted. The reconciler may
    start an attempt of its own meanwhile (failed work is due again after two minutes, and a slow machine gets
    there): every attempt counts, whoever started it, and none starts once the cap is reached."""
    cap = cap_for(kind)
    seen = 0
    while True:
        db(outbox.enqueue(kind, business_id))
        row = wait_for(
            lambda: db(work.find(kind, business_id)),
            lambda r, seen=seen: r is not None and r["attempts"] > seen and r["status"] != "running",
            timeout=60,
        )
        seen = row["attempts"]
        if seen >= cap:
            break
        assert row["status"] == "failed", row
    assert row["attempts"] == cap and row["status"] == "needs_attention", row
    return row


def _reconcile_leaves_it_alone(kind: str, business_id: object) -> None:
    """Even long overdue, parked work is not among the reconciler's work, and a reconcile changes nothing."""
    long_ago = clock.real_now() - timedelta(hours=3)
    db(
        work.WorkAttempt.update({work.WorkAttempt.started_at: long_ago}).where(
            work.WorkAttempt.work_key == work.work_key(kind, business_id)
        )
    )
    before = db(work.find(kind, business_id))
    assert (kind, business_id) not in db(tasks.stuck_work())
    db(tasks._reconcile())
    after = db(work.find(kind, business_id))
    assert (after["status"], after["attempts"]) == ("needs_attention", before["attempts"])


def test_the_pdf_illustration_of_a_product_without_one_is_404_and_nothing_is_queued(api, browser):
    body = {"product_code": "pa_basic", "birth_date": "1990-01-01", "sum_insured": "100000", "occupation_class": 2}
    public_id = api.post("/quotes", json=body).json()["id"]
    quote_id = db(Quote.select(Quote.id).where(Quote.public_id == public_id).first())["id"]

    r = api.get(f"/quotes/{public_id}/illustration.pdf")
    assert r.status_code == 404, r.text
    assert r.headers["content-type"].startswith("application/problem+json") and r.json()["code"] == "no_illustration"
    assert browser.get(f"/quotes/{public_id}/illustration.pdf").status_code == 404
    assert db(Document.select().where(Document.doc_key == f"illustration:{quote_id}")) == []
    assert db(work.find("documents.render_illustration", quote_id)) is None


def test_a_claim_step_that_keeps_failing_is_parked_listed_and_done_by_the_worker_when_staff_retry(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    policy_row = db(Policy.select().where(Policy.number == policy["number"]).first())
    # a claim whose input the assessment cannot use (a benefit the product does not have): fails before any rule
    claim_id = db(
        Claim.insert(
            Claim(
                number=new_number("C"),
                policy=policy_row["id"],
                claimant=policy_row["customer"],
                coverage_code="no_such_benefit",
                loss_date=clock.today(),
                reported_on=clock.today(),
                description="fell from a ladder at home",
                amount_fen=120000,
                status=ClaimStatus.SUBMITTED,
            )
        ).returning(Claim.id)
    )[0]["id"]

    parked = _fail_until_parked("claims.assess", claim_id)
    assert parked["last_error"] and parked["attempts"] == cap_for("claims.assess")
    db(Claim.update({Claim.updated_at: clock.now() - timedelta(hours=3)}).where(Claim.id == claim_id))
    _reconcile_leaves_it_alone("claims.assess", claim_id)

    admin = _token(api, "admin@insure.test")
    listed = api.get("/admin/attention", params={"kind": "claims.assess"}, headers={**admin, "Accept-Language": "en"})
    assert listed.status_code == 200
    item = next(i for i in listed.json() if i["business_id"] == str(claim_id))
    assert item["attempts"] == cap_for("claims.assess") and item["last_error"] == parked["last_error"]
    assert item["status"] == "needs_attention" and item["label"] == "Claim assessment"

    forbidden = api.get("/admin/attention", headers=auth(customer))
    assert forbidden.status_code == 403
    assert api.post(item["retry_url"].removeprefix("/api/v1"), headers=auth(customer)).status_code == 403

    # the cause fixed, a retry resets the count and the real worker assesses the claim
    db(Claim.update({Claim.coverage_code: "accidental_medical"}).where(Claim.id == claim_id))
    retried = api.post(item["retry_url"].removeprefix("/api/v1"), headers=admin)
    assert retried.status_code == 200, retried.text
    assert retried.json()["attempts"] == 0
    claim = wait_for(
        lambda: db(Claim.select(Claim.status).where(Claim.id == claim_id).first()),
        lambda c: c["status"] not in (ClaimStatus.SUBMITTED, ClaimStatus.ASSESSING),
        timeout=60,
    )
    # assessed: here it asks for the claim's documents (the claim was made without them)
    assert claim["status"] == ClaimStatus.AWAITING_DOCUMENTS
    assert wait_for(lambda: db(work.find("claims.assess", claim_id)), lambda r: r["status"] == "done")["status"] == (
        "done"
    )
    again = api.post(item["retry_url"].removeprefix("/api/v1"), headers=admin)
    assert again.status_code == 409 and again.json()["code"] == "work_not_parked"
    assert again.headers["content-type"].startswith("application/problem+json")

    # audited: parked by the worker, retried by the admin
    admin_id = db(User.select(User.id).where(User.email == "admin@insure.test").first())["id"]
    trail = [(e["to_status"], e["actor"]) for e in db(work.events(parked["id"]))]
    assert trail == [("needs_attention", work.WORKER), ("failed", f"user:{admin_id}")]


def test_a_payout_that_keeps_failing_is_parked_and_retried_from_the_staff_page(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    policy_row = db(Policy.select().where(Policy.number == policy["number"]).first())
    token = "ba_test" + new_number("")
    db(SandboxBankAccount.insert(SandboxBankAccount(token=token, last4="3445", created_at=clock.now())))
    # a payout whose reason the gateway settlement does not know: unusable input, fails on every attempt
    payout_id = db(
        Payout.insert(
            Payout(
                payout_key=f"bonus:{policy_row['id']}",
                policy=policy_row["id"],
                amount_fen=50000,
                reason="bonus",
                account_last4="3445",
                account_token=token,
                status="pending",
                gateway_ref="po_" + new_number(""),
            )
        ).returning(Payout.id)
    )[0]["id"]

    parked = _fail_until_parked("payments.sandbox_payout", payout_id)
    assert "KeyError" in parked["last_error"] and parked["attempts"] == cap_for("payments.sandbox_payout") == 8
    _reconcile_leaves_it_alone("payments.sandbox_payout", payout_id)

    with web_session(api, "admin@insure.test", DEMO_PASSWORD) as web:
        listing = web.get("/staff/attention")
        assert listing.status_code == 200 and "Payout" in listing.text
        assert str(escape(parked["last_error"])) in listing.text
        action = f"/staff/attention/payments.sandbox_payout/{payout_id}/retry"
        assert action in listing.text
        db(Payout.update({Payout.reason: "surrender"}).where(Payout.id == payout_id))
        done = web.post(action, data={"_csrf_token": csrf_token(listing.text)})
        assert done.status_code in (302, 303) and done.headers["location"] == "/staff/attention"
        payout = wait_for(
            lambda: db(Payout.select(Payout.status).where(Payout.id == payout_id).first()),
            lambda p: p["status"] != "pending",
            timeout=60,
        )
        assert payout["status"] == "succeeded"
        again = web.post(action, data={"_csrf_token": csrf_token(web.get("/staff/attention").text)})
        assert again.status_code == 409 and "Only work that needs attention can be retried." in again.text

    with web_session(api, customer["email"]) as web:
        assert web.get("/staff/attention").status_code == 403


def test_an_email_that_keeps_failing_is_parked_and_sent_when_staff_retry(api):
    customer = register(api)
    policy = buy_policy(api, customer, start=False)
    policy_row = wait_for(
        lambda: db(Policy.select().where(Policy.number == policy["number"]).first()),
        lambda p: p["delivered_at"] is not None,
        timeout=60,
    )
    # the policyholder's address became unusable (a line break): the schedule e-mail cannot be built
    db(User.update({User.email: "broken\n@example.com"}).where(User.id == policy_row["customer"]))
    db(Policy.update({Policy.delivered_at: None}).where(Policy.id == policy_row["id"]))

    parked = _fail_until_parked("documents.render_policy_schedule", policy_row["id"])
    assert "ValueError" in parked["last_error"]
    _reconcile_leaves_it_alone("documents.render_policy_schedule", policy_row["id"])

    admin = _token(api, "admin@insure.test")
    listed = api.get("/admin/attention", headers={**admin, "Accept-Language": "en"}).json()
    item = next(
        i
        for i in listed
        if (i["kind"], i["business_id"]) == ("documents.render_policy_schedule", str(policy_row["id"]))
    )
    assert item["label"] == "Policy schedule and its e-mail"

    db(User.update({User.email: customer["email"]}).where(User.id == policy_row["customer"]))
    assert api.post(item["retry_url"].removeprefix("/api/v1"), headers=admin).status_code == 200
    delivered = wait_for(
        lambda: db(Policy.select(Policy.delivered_at).where(Policy.id == policy_row["id"]).first()),
        lambda p: p["delivered_at"] is not None,
        timeout=60,
    )
    assert delivered["delivered_at"] is not None
    assert api.post(item["retry_url"].removeprefix("/api/v1"), headers=admin).status_code == 409


def test_attempts_that_never_report_back_count_and_the_one_after_the_cap_is_parked_not_started(stack):
    kind, business_id = "policies.reinstatement_notice", 10**9 + 7  # a worker killed mid-way, every time
    for _ in range(cap_for(kind)):
        assert db(work.begin(kind, business_id)) is True
    assert db(work.begin(kind, business_id)) is False
    row = db(work.find(kind, business_id))
    assert (row["status"], row["attempts"], row["last_error"]) == ("needs_attention", cap_for(kind), CRASHED)
    assert (kind, business_id) not in db(tasks.stuck_work())


def test_unknown_or_hostile_work_is_404_and_an_unknown_kind_lists_nothing(api):
    admin = _token(api, "admin@insure.test")
    unknown = api.post("/admin/attention/no.such_task/1/retry", headers=admin)
    assert unknown.status_code == 404 and unknown.json()["code"] == "work_not_found", unknown.text
    assert api.post("/admin/attention/claims.assess/%00x/retry", headers=admin).status_code == 404
    assert api.post(f"/admin/attention/claims.assess/{'9' * 200}/retry", headers=admin).status_code == 404
    assert api.get("/admin/attention", params={"kind": "\u202e\x00"}, headers=admin).json() == []


def _mails_about(number: str) -> int:
    return sum(number in subject for subject in mail_subjects())


def test_a_renewal_offer_email_that_keeps_failing_is_parked_and_sent_when_staff_retry(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    number = policy["number"]
    offer = api.post(
        "/quotes",
        json={
            "product_code": "pa_basic",
            "birth_date": customer["birth_date"],
            "sum_insured": "300000",
            "occupation_class": 2,
        },
        headers=auth(customer),
    ).json()["id"]
    sent_before = wait_for(lambda: _mails_about(number), lambda n: n >= 1, timeout=60)  # the schedule's e-mail
    # the billing run made this renewal offer; the policyholder's address became unusable, so its e-mail fails
    policy_id = db(Policy.select(Policy.id).where(Policy.number == number).first())["id"]
    holder = db(Policy.select(Policy.customer).where(Policy.id == policy_id).first())["customer"]
    db(User.update({User.email: "broken\n@example.com"}).where(User.id == holder))
    db(Policy.update({Policy.renewal_quote_id: offer}).where(Policy.id == policy_id))

    parked = _fail_until_parked("policies.renewal_offer_notice", offer)
    assert "ValueError" in parked["last_error"]
    _reconcile_leaves_it_alone("policies.renewal_offer_notice", offer)
    assert _mails_about(number) == sent_before

    admin = _token(api, "admin@insure.test")
    listed = api.get("/admin/attention", headers={**admin, "Accept-Language": "en"}).json()
    item = next(i for i in listed if (i["kind"], i["business_id"]) == ("policies.renewal_offer_notice", offer))
    assert item["label"] == "Renewal offer e-mail"

    db(User.update({User.email: customer["email"]}).where(User.id == holder))
    assert api.post(item["retry_url"].removeprefix("/api/v1"), headers=admin).status_code == 200
    assert wait_for(lambda: _mails_about(number), lambda n: n == sent_before + 1, timeout=60) == sent_before + 1
