"""The adjuster's workbench over HTTP with the real worker (issue 10): the queue, information requested and
answered (the clock pauses), the case reserve booked to the ledger and released when the claim is paid or denied,
a partial approval paid; taking and reassigning a claim; reopening a denial within and after the window; and
nobody acting on a claim that is not theirs or on their own policy. Demo authorities: adjuster@ 5,000 CNY,
adjuster2@ 20,000 CNY, admin unlimited (and a claims manager)."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, time, timedelta
from email import policy as email_policy
from pathlib import Path

import pytest

from claims.model import REOPEN_WINDOW_DAYS
from claims.seed_claims import MANAGER
from claims.tables import Claim
from insure.auth.tables import User
from insure.ledger.entries import CASE_RESERVE_CHANGE, CASE_RESERVES
from insure.ledger.tables import JournalEntry, JournalLine
from insure.policies.tables import Policy
from insure.seed import DEMO_PASSWORD
from tests.conftest import RUN_DIR

from .claim_helpers import tiny_pdf, upload
from .helpers import auth, csrf_token, db, register, today, wait_for, web_session
from .test_claim_decisions import ADJUSTER, ADMIN, SENIOR, decide, paid, referred_claim, staff

pytestmark = pytest.mark.integration


def user_id(email: str) -> int:
    return db(User.select(User.id).where(User.email == email).first())["id"]


def mails_about(number: str, text: str) -> list[email.message.EmailMessage]:
    """The e-mails about this claim that say ``text``."""
    found = []
    for path in sorted(Path(RUN_DIR, "mail").glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
        if number in msg["Subject"] and text in msg.get_content():
            found.append(msg)
    return found


def claim_row(number: str) -> dict:
    return db(Claim.select().where(Claim.number == number).first())


def reserve_book(claim_id: int) -> tuple[list[int], dict[str, int]]:
    """The claim's case reserve entries: each entry's debits minus credits (0 when balanced), and the balance
    of each account over all of them."""
    entries = db(
        JournalEntry.select(JournalEntry.id)
        .where((JournalEntry.source_type == "claim_reserve") & (JournalEntry.source_id == claim_id))
        .order_by(JournalEntry.id)
    )
    ids = [e["id"] for e in entries]
    lines = (
        db(
            JournalLine.select(
                JournalLine.entry,
                JournalLine.account.code.as_alias("code"),
                JournalLine.debit_fen,
                JournalLine.credit_fen,
            ).where(JournalLine.entry.is_in(ids))
        )
        if ids
        else []
    )
    per_entry = [sum(x["debit_fen"] - x["credit_fen"] for x in lines if x["entry"] == i) for i in ids]
    totals: dict[str, int] = {}
    for x in lines:
        totals[x["code"]] = totals.get(x["code"], 0) + x["debit_fen"] - x["credit_fen"]
    return per_entry, totals


def test_information_requested_answered_then_a_partial_approval_paid_with_the_reserve_booked_and_released(api):
    customer = register(api)
    number = referred_claim(api, customer)
    adjuster = staff(api, ADJUSTER)

    # the queue shows the claim as mine, with its days left and why it was referred
    queue = api.get("/adjuster/claims", headers=adjuster)
    assert queue.status_code == 200, queue.text
    row = next(r for r in queue.json()["mine"] if r["number"] == number)
    assert row["status"] == "referred" and 0 < row["days_left"] <= 30 and row["urgency"] == "on_time"
    assert row["why"], row
    # filters: a minimum amount above the claim (50,000 CNY) hides it; a malformed filter is refused (400), naming it
    above = api.get("/adjuster/claims", params={"min_amount": "60000"}, headers=adjuster).json()
    assert number not in [r["number"] for r in above["mine"]]
    bad = api.get("/adjuster/claims", params={"min_score": "many"}, headers=adjuster)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "min_score"

    # a case reserve of 8,000 CNY: booked to the ledger as one balanced entry
    r = api.put(f"/claims/{number}/reserve", json={"amount": "8000", "reason": "Full benefit"}, headers=adjuster)
    assert r.status_code == 200, r.text
    claim_id = claim_row(number)["id"]
    per_entry, totals = reserve_book(claim_id)
    assert per_entry == [0] and totals == {CASE_RESERVE_CHANGE: 800_000, CASE_RESERVES: -800_000}
    r = api.put(f"/claims/{number}/reserve", json={"amount": "-5"}, headers=adjuster)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount"

    # the adjuster asks for more information; the customer reads the question on the claim
    r = api.post(f"/claims/{number}/information-requests", json={"question": "Hi"}, headers=adjuster)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "question"
    question = "Please upload the discharge summary from the hospital"
    r = api.post(f"/claims/{number}/information-requests", json={"question": question}, headers=adjuster)
    assert r.status_code == 200 and r.json()["status"] == "info_requested", r.text
    mine = api.get(f"/claims/{number}", headers=auth(customer)).json()
    assert mine["status"] == "info_requested" and mine["events"][-1]["reason"] == question
    assert not any("reserve" in e["reason"] for e in mine["events"])  # internal steps stay internal
    with web_session(api, customer["email"]) as web:
        assert question in web.get(f"/claims/{number}").text
    # and is e-mailed the question (by the worker, through the outbox)
    mail = wait_for(lambda: mails_about(number, question), lambda found: bool(found), timeout=30)
    assert len(mail) == 1 and "需要您补充信息" in mail[0]["Subject"]  # in the customer's language

    # the question was open for 3 days when the customer answers: the decision clock paused that long
    asked = datetime.combine(today() - timedelta(days=3), time(9), tzinfo=UTC)
    db(Claim.update({Claim.info_requested_at: asked}).where(Claim.id == claim_id))
    other = register(api)
    r = api.post(f"/claims/{number}/information-requests/answer", json={"answer": "Not mine"}, headers=auth(other))
    assert r.status_code == 404
    # the customer uploads what was asked for on the claim, then answers
    sent = upload(api, customer, number, "discharge_summary", "discharge.pdf", tiny_pdf(f"{number} discharge"))
    assert sent.status_code == 201, sent.text
    r = api.post(
        f"/claims/{number}/information-requests/answer", json={"answer": "Uploaded it today"}, headers=auth(customer)
    )
    assert r.status_code == 200 and r.json()["status"] == "referred", r.text
    assert claim_row(number)["paused_days"] == 3
    files = api.get(f"/claims/{number}", headers=adjuster).json()["documents"]["files"]
    assert "discharge_summary" in [f["doc_type"] for f in files]  # the adjuster has what was asked for
    row = next(r for r in api.get("/adjuster/claims", headers=adjuster).json()["mine"] if r["number"] == number)
    assert row["decide_by"] == (claim_row(number)["reported_on"] + timedelta(days=33)).isoformat()

    # the reserve comes down to what will be paid, then a partial approval within authority is paid
    assert api.put(f"/claims/{number}/reserve", json={"amount": "4000.50"}, headers=adjuster).status_code == 200
    r = decide(api, adjuster, number, outcome="approve", amount="4000.50", reason="Partial: one invoice missing")
    assert r.status_code == 200, r.text
    claim = paid(api, customer, number)
    assert claim["status"] == "paid" and claim["payout"]["amount"] == "4000.50"

    # paid: the reserve was released; every entry balanced and the reserve account holds nothing for the claim
    assert claim_row(number)["reserve_fen"] == 0
    per_entry, totals = reserve_book(claim_id)
    assert per_entry == [0, 0, 0] and totals == {CASE_RESERVE_CHANGE: 0, CASE_RESERVES: 0}
    history = api.get(f"/claims/{number}", headers=adjuster).json()["events"]
    assert any(e["reason"].startswith("case reserve 8000.00 -> 4000.50") for e in history)


def test_an_adjuster_takes_an_unassigned_claim_hands_it_over_and_a_manager_reassigns_it(api):
    customer = register(api)
    number = referred_claim(api, customer)
    db(Claim.update({Claim.assigned_to: None}).where(Claim.number == number))
    adjuster, senior, admin = staff(api, ADJUSTER), staff(api, SENIOR), staff(api, ADMIN)

    # the unassigned claim is in the team's queue; the adjuster takes it
    team = api.get("/adjuster/claims", headers=adjuster).json()["team"]
    assert number in [r["number"] for r in team]
    # seen in the queue, but not decided before it is taken
    r = decide(api, adjuster, number, outcome="approve", amount="100", reason="Quick approval")
    assert r.status_code == 403 and r.json()["code"] == "not_assigned"
    r = api.post(f"/claims/{number}/assignment", json={"adjuster_id": user_id(ADJUSTER)}, headers=adjuster)
    assert r.status_code == 200, r.text
    assert claim_row(number)["assigned_to"] == user_id(ADJUSTER)
    assert number in [r["number"] for r in api.get("/adjuster/claims", headers=adjuster).json()["mine"]]

    # handing over needs an active adjuster and a reason
    r = api.post(
        f"/claims/{number}/assignment",
        json={"adjuster_id": user_id(ADMIN), "reason": "Too busy this week"},
        headers=adjuster,
    )
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["adjuster_id"]
    r = api.post(f"/claims/{number}/assignment", json={"adjuster_id": user_id(SENIOR)}, headers=adjuster)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["reason"]
    r = api.post(
        f"/claims/{number}/assignment",
        json={"adjuster_id": user_id(SENIOR), "reason": "Above my authority"},
        headers=adjuster,
    )
    assert r.status_code == 200 and claim_row(number)["assigned_to"] == user_id(SENIOR)

    # the former holder can no longer act on it; the claims manager (an admin) can reassign it back
    r = api.post(
        f"/claims/{number}/assignment",
        json={"adjuster_id": user_id(ADJUSTER), "reason": "Take it back"},
        headers=adjuster,
    )
    assert r.status_code == 404
    r = api.post(
        f"/claims/{number}/assignment",
        json={"adjuster_id": user_id(ADJUSTER), "reason": "Balancing the load"},
        headers=admin,
    )
    assert r.status_code == 200 and claim_row(number)["assigned_to"] == user_id(ADJUSTER)
    reasons = [e["reason"] for e in api.get(f"/claims/{number}", headers=admin).json()["events"]]
    assert "taken from the queue" in reasons and any("Above my authority" in x for x in reasons)

    # the supervisor's view: for managers and admins only
    assert api.get("/adjuster/team", headers=senior).status_code == 403
    r = api.get("/adjuster/team", headers=admin)
    assert r.status_code == 200, r.text
    load = {w["adjuster_id"]: w for w in r.json()["workload"]}
    assert load[user_id(ADJUSTER)]["open_claims"] >= 1


def test_a_denial_is_reopened_within_the_window_and_not_after_it(api):
    customer = register(api)
    number = referred_claim(api, customer)
    adjuster = staff(api, ADJUSTER)
    assert api.put(f"/claims/{number}/reserve", json={"amount": "6000"}, headers=adjuster).status_code == 200
    r = decide(api, adjuster, number, outcome="deny", reason_code="insufficient_evidence", reason="No medical record")
    assert r.status_code == 200 and r.json()["status"] == "denied", r.text
    claim_id = claim_row(number)["id"]
    assert claim_row(number)["reserve_fen"] == 0 and reserve_book(claim_id)[1][CASE_RESERVES] == 0  # released

    r = api.post(f"/claims/{number}/reopen", json={"reason": "x"}, headers=adjuster)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = api.post(f"/claims/{number}/reopen", json={"reason": "The hospital record arrived"}, headers=adjuster)
    assert r.status_code == 200 and r.json()["status"] == "referred", r.text
    assert claim_row(number)["reopened_at"] is not None
    assert api.get(f"/claims/{number}", headers=auth(customer)).json()["decision"] is None

    # denied again, and the denial is older than the window: reopening is refused and nothing changes
    r = decide(api, adjuster, number, outcome="deny", reason_code="insufficient_evidence", reason="Still missing")
    assert r.status_code == 200, r.text
    long_ago = datetime.combine(today() - timedelta(days=REOPEN_WINDOW_DAYS + 1), time(9), tzinfo=UTC)
    db(Claim.update({Claim.decided_at: long_ago}).where(Claim.id == claim_id))
    r = api.post(f"/claims/{number}/reopen", json={"reason": "A late complaint"}, headers=adjuster)
    assert r.status_code == 409 and r.json()["code"] == "reopen_window_passed"
    assert claim_row(number)["status"] == "denied"


def test_nobody_acts_on_a_claim_that_is_not_theirs_nor_on_their_own_policy(api):
    customer = register(api)
    number = referred_claim(api, customer)
    senior = staff(api, SENIOR)  # not the claim's adjuster
    for method, path, body in (
        ("put", "reserve", {"amount": "100"}),
        ("post", "information-requests", {"question": "Send me everything"}),
        ("post", "notes", {"body": "Looks odd"}),
    ):
        r = api.request(method, f"/claims/{number}/{path}", json=body, headers=senior)
        assert r.status_code == 404, (path, r.text)
        r = api.request(method, f"/claims/{number}/{path}", json=body, headers=auth(customer))
        assert r.status_code == 403, (path, r.text)
    assert api.get(f"/claims/{number}/notes", headers=auth(customer)).status_code == 403

    # the claim's adjuster writes a note, which the customer never sees
    adjuster = staff(api, ADJUSTER)
    r = api.post(f"/claims/{number}/notes", json={"body": "Called the hospital; record on its way"}, headers=adjuster)
    assert r.status_code == 201, r.text
    assert [n["body"] for n in api.get(f"/claims/{number}/notes", headers=adjuster).json()] == [
        "Called the hospital; record on its way"
    ]
    with web_session(api, customer["email"]) as web:
        assert "Called the hospital" not in web.get(f"/claims/{number}").text

    # on the adjuster's own policy: refused, nothing booked
    policy_id = claim_row(number)["policy"]
    db(Policy.update({Policy.customer: user_id(ADJUSTER)}).where(Policy.id == policy_id))
    r = api.put(f"/claims/{number}/reserve", json={"amount": "100"}, headers=adjuster)
    assert r.status_code == 403 and r.json()["code"] == "own_policy"
    assert claim_row(number)["reserve_fen"] == 0


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_workbench_pages_show_the_queue_the_file_and_take_the_actions(api):
    customer = register(api)
    number = referred_claim(api, customer)
    with web_session(api, ADJUSTER, DEMO_PASSWORD) as web:
        queue = web.get("/adjuster/claims")
        assert queue.status_code == 200 and number in queue.text and "days left" in text_of(queue.text)
        page = web.get(f"/claims/{number}").text
        shown = text_of(page)
        assert "Claim file" in shown and "Cover and remaining limits this policy year" in shown
        assert "Referred because:" in shown

        # a bad reserve: the page again with the message beside the field, nothing booked
        r = web.post(f"/claims/{number}/reserve", data={"amount": "lots", "_csrf_token": csrf_token(page)})
        assert r.status_code == 422 and 'id="reserve-amount-error"' in r.text
        assert claim_row(number)["reserve_fen"] == 0
        r = web.post(f"/claims/{number}/reserve", data={"amount": "5000", "_csrf_token": csrf_token(page)})
        assert r.status_code in (302, 303) and claim_row(number)["reserve_fen"] == 500_000
        r = web.post(
            f"/claims/{number}/information-requests",
            data={"question": "Which hospital treated you?", "_csrf_token": csrf_token(page)},
        )
        assert r.status_code in (302, 303) and claim_row(number)["status"] == "info_requested"

    # the customer reads the question and answers it on the claim page
    with web_session(api, customer["email"]) as web:
        page = web.get(f"/claims/{number}").text
        assert "Which hospital treated you?" in page and "Claim file" not in page
        r = web.post(f"/claims/{number}/answer", data={"answer": "Ruijin Hospital", "_csrf_token": csrf_token(page)})
        assert r.status_code in (302, 303), r.text
    assert claim_row(number)["status"] == "referred"


def test_a_claims_manager_sees_the_team_and_reassigns_any_claim(api):
    customer = register(api)
    number = referred_claim(api, customer)
    senior = staff(api, SENIOR)  # an adjuster, not a manager
    assert api.get("/adjuster/team", headers=senior).status_code == 403
    manager = staff(api, MANAGER)  # the demo's claims manager (ClaimsStaff.manager)
    team = api.get("/adjuster/team", headers=manager)
    assert team.status_code == 200, team.text
    names = {w["adjuster_id"]: w["open_claims"] for w in team.json()["workload"]}
    assert names[user_id(ADJUSTER)] >= 1
    # the manager opens the file of a claim held by someone else and hands it to another adjuster
    assert api.get(f"/claims/{number}", headers=manager).status_code == 200
    r = api.post(
        f"/claims/{number}/assignment",
        json={"adjuster_id": user_id(SENIOR), "reason": "Li has the time this week"},
        headers=manager,
    )
    assert r.status_code == 200 and claim_row(number)["assigned_to"] == user_id(SENIOR)
    with web_session(api, MANAGER, DEMO_PASSWORD) as web:
        page = web.get("/adjuster/team")
        assert page.status_code == 200 and "Workload per adjuster" in text_of(page.text)
