"""Issue 10, deadlines and the claim explained: a claim's statutory clock warns the adjuster at 80 % and is escalated
to the claims manager once it passes, each e-mailed once, as the demo clock moves; a denial comes with its decision
letter (a PDF in Chinese and English citing the reason and the clause) attached to the e-mail and downloadable; the
claimant is e-mailed at each step, in their language, and reads on the claim page the date they will hear by."""

from __future__ import annotations

import email
import subprocess
import tempfile
import unicodedata
from datetime import date, timedelta
from email import policy as email_policy
from pathlib import Path

import pytest

from claims.tables import Claim, ClaimDeadline, ClaimsStaff
from insure import batch, i18n
from insure.auth.tables import User
from insure.outbox import OutboxMessage
from insure.seed import DEMO_PASSWORD
from tests.conftest import RUN_DIR

from .claim_helpers import filed
from .helpers import auth, buy_policy, db, register, today, travel, wait_for, web_session

pytestmark = pytest.mark.integration

ADMIN = "admin@insure.test"
REFERRED_AMOUNT = "8000"  # above pa_basic's straight-through limit (5,000 CNY): an adjuster decides


def staff(api, email_address: str) -> dict[str, str]:
    r = api.post("/auth/token", json={"email": email_address, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def referred(api, customer: dict) -> dict:
    policy = buy_policy(api, customer)
    claim = filed(api, customer, policy["number"], "accidental_death_disability", REFERRED_AMOUNT)
    claim = wait_for(
        lambda: api.get(f"/claims/{claim['number']}", headers=auth(customer)).json(),
        lambda c: c["status"] not in ("submitted", "assessing"),
        timeout=60,
    )
    assert claim["status"] == "referred", claim
    return claim


def mails_to(address: str, number: str) -> list[email.message.EmailMessage]:
    """The e-mails written to the mail folder for ``address`` about claim ``number``, oldest first."""
    found = []
    for path in sorted(Path(RUN_DIR, "mail").glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
        if msg["To"] == address and number in msg["Subject"]:
            found.append(msg)
    return found


def zh(message: str, **params: object) -> str:
    with i18n.use_locale("zh_CN"):
        return i18n.gettext(message, **params)


def pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(data)
        fh.flush()
        out = subprocess.run(["pdftotext", "-layout", fh.name, "-"], capture_output=True, check=True).stdout
    return " ".join(unicodedata.normalize("NFKC", out.decode()).split())  # Kangxi radicals → CJK; one line


def flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def run_deadlines() -> dict:
    """What the beat's ``batch.claim_deadlines`` does each business day, run now (the beat may run it too)."""
    today()  # this process's clock follows the stack's demo clock
    return db(batch.run_now("claim_deadlines"))


def test_a_denial_comes_with_its_letter_in_both_languages_citing_the_reason_and_the_clause(api):
    customer = register(api)
    claim = referred(api, customer)
    number = claim["number"]
    # the claimant knows by when they will hear: 30 days from the complete claim
    assert claim["decide_by"] == (date.fromisoformat(claim["reported_on"]) + timedelta(days=30)).isoformat()
    assert claim["letter"] is None
    r = api.get(f"/claims/{number}/letter", headers=auth(customer))
    assert r.status_code == 404 and r.json()["code"] == "letter_not_found"

    admin = staff(api, ADMIN)
    r = api.post(
        f"/claims/{number}/decision",
        json={"outcome": "deny", "reason_code": "excluded_cause", "reason": "Injured while rock climbing"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert r.json()["decide_by"] is None  # decided

    r = wait_for(lambda: api.get(f"/claims/{number}/letter", headers=auth(customer)), lambda r: r.status_code == 200)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = pdf_text(r.content)
    product = api.get("/products/pa_basic").json()
    # Chinese first (the claimant's language), English on the second page
    assert text.index(flat(zh("Claim decision letter"))) < text.index("Claim decision letter")
    for language in ("en", "zh_CN"):
        with i18n.use_locale(language):
            expected = [
                i18n.gettext("The cause of the loss is excluded by the policy"),  # the reason code's label
                i18n.gettext("Policy terms, exclusions: the policy does not pay for a loss caused by the following."),
                i18n.gettext("If you disagree"),
            ]
        expected.append((product["exclusions_zh"] if language == "zh_CN" else product["exclusions_en"])[0])
        for phrase in expected:
            assert flat(phrase) in text, (language, phrase)
    assert "excluded_cause" in text and "Injured while rock climbing" in text and number in text
    # the staff who decided can download it too; a stranger cannot see it exists
    assert api.get(f"/claims/{number}/letter", headers=admin).status_code == 200
    stranger = register(api)
    assert api.get(f"/claims/{number}/letter", headers=auth(stranger)).status_code == 404

    # the claimant's e-mails, in Chinese: received, with an adjuster, and the denial with the letter attached
    denial = zh("Claim %(number)s: our decision", number=number)
    mails = wait_for(lambda: mails_to(customer["email"], number), lambda m: any(x["Subject"] == denial for x in m))
    assert sorted(m["Subject"] for m in mails) == sorted(
        [
            zh("We have received your claim %(number)s", number=number),
            zh("Claim %(number)s: documents we still need", number=number),  # all in one list
            zh("Claim %(number)s is complete", number=number),
            zh("Claim %(number)s is with a claims adjuster", number=number),
            denial,
        ]
    )
    denied = next(m for m in mails if m["Subject"] == denial)
    body = denied.get_body(("plain",)).get_content()
    assert zh("The cause of the loss is excluded by the policy") in body and "Injured while rock climbing" in body
    attached = [p for p in denied.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(attached) == 1 and pdf_text(attached[0].get_content()) == text  # the same letter

    # the claim page: the decision, the clause, the letter to download, the timeline (English page)
    with web_session(api, customer["email"]) as web:
        page = web.get(f"/claims/{number}").text
    assert "The cause of the loss is excluded by the policy" in page
    assert "Policy terms, exclusions" in page and f"/claims/{number}/letter" in page
    assert "Timeline" in page and "With a claims adjuster" in page and "Denied" in page


def test_deadlines_warn_the_adjuster_at_80_percent_and_escalate_to_the_manager_once_passed(api):
    customer = register(api)
    claim = referred(api, customer)
    number = claim["number"]
    row = db(Claim.select(Claim.id, Claim.assigned_to).where(Claim.number == number).first())
    adjuster = db(User.select().where(User.id == row["assigned_to"]).first())
    due = date.fromisoformat(claim["decide_by"])

    # day 24 of 30: at risk, the adjuster is warned, once however often the job runs
    travel(api, (due - timedelta(days=6) - today()).days)
    run_deadlines()
    run_deadlines()
    warning = zh("Deadline at risk: claim %(number)s", number=number)
    warned = wait_for(lambda: mails_to(adjuster["email"], number), lambda m: bool(m))
    assert [m["Subject"] for m in warned] == [warning]
    admin = staff(api, ADMIN)
    seen = api.get(f"/claims/{number}", headers=admin).json()
    decide = next(d for d in seen["deadlines"] if d["kind"] == "decide")
    assert decide["due_on"] == due.isoformat() and decide["days_left"] == 6
    assert decide["warned_at"] is not None and decide["escalated_at"] is None
    assert api.get(f"/claims/{number}", headers=auth(customer)).json()["deadlines"] is None  # staff only

    # the day after the due day: escalated to the claims manager (the admins, when no manager is named)
    travel(api, 7)
    run_deadlines()
    run_deadlines()
    escalation = zh("Deadline passed: claim %(number)s", number=number)
    managers = db(ClaimsStaff.select(ClaimsStaff.user.email.as_alias("email")).where(ClaimsStaff.manager.eq(True)))
    boss = managers[0]["email"] if managers else ADMIN  # the demo's claims manager
    escalated = wait_for(lambda: mails_to(boss, number), lambda m: bool(m))
    assert [m["Subject"] for m in escalated] == [escalation]
    deadline = db(
        ClaimDeadline.select().where((ClaimDeadline.claim == row["id"]) & (ClaimDeadline.kind == "decide")).first()
    )
    assert deadline["escalated_at"] is not None and deadline["met_at"] is None
    seen = api.get(f"/claims/{number}", headers=admin).json()
    decide = next(d for d in seen["deadlines"] if d["kind"] == "decide")
    assert decide["days_left"] == -1 and decide["escalated_at"] is not None
    # the staff page marks it
    with web_session(api, ADMIN, DEMO_PASSWORD) as web:
        page = web.get(f"/claims/{number}").text
    assert "escalated to the manager" in page and "1 day overdue" in page

    # nothing more is queued however often the job runs again (a resumed or repeated run): one e-mail each
    run_deadlines()
    tasks = ["claims.deadline_warning", "claims.deadline_escalation"]
    queued = db(
        OutboxMessage.select(OutboxMessage.task).where(
            (OutboxMessage.payload == f"[{deadline['id']}]") & OutboxMessage.task.is_in(tasks)
        )
    )
    assert sorted(q["task"] for q in queued) == ["claims.deadline_escalation", "claims.deadline_warning"]
    assert [m["Subject"] for m in mails_to(adjuster["email"], number)] == [warning]
    assert [m["Subject"] for m in mails_to(boss, number)] == [escalation]


def test_a_claim_settled_straight_through_is_e_mailed_at_each_step_with_the_letter_and_the_account(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    number = filed(api, customer, policy["number"], "accidental_medical", "800")["number"]
    claim = wait_for(
        lambda: api.get(f"/claims/{number}", headers=auth(customer)).json(),
        lambda c: c["status"] == "paid" and c["letter"] == "ready",
        timeout=60,
    )
    assert claim["status"] == "paid" and claim["decide_by"] is None
    paid = zh("Claim %(number)s is paid", number=number)
    approved_subject = zh("Claim %(number)s is approved", number=number)
    # the approval's e-mail carries the decision letter, rendered on the documents queue: it can arrive after the
    # e-mail that the claim is paid, so wait for both
    mails = wait_for(
        lambda: mails_to(customer["email"], number),
        lambda m: {paid, approved_subject} <= {x["Subject"] for x in m},
    )
    by_subject = {m["Subject"]: m for m in mails}
    assert set(by_subject) == {
        zh("We have received your claim %(number)s", number=number),
        zh("Claim %(number)s: documents we still need", number=number),  # all in one list
        zh("Claim %(number)s is complete", number=number),
        zh("Claim %(number)s is approved", number=number),
        paid,
    }
    wanted = by_subject[zh("Claim %(number)s: documents we still need", number=number)].get_body(("plain",))
    for document in ("Your identity card", "Original invoices", "Itemised list of charges", "Discharge summary"):
        assert zh(document) in wanted.get_content()  # every missing document, in the one message
    approved = by_subject[zh("Claim %(number)s is approved", number=number)]
    text = approved.get_body(("plain",)).get_content()
    assert zh("Payable, within the cover's limit") in text and claim["approved_amount"] in text
    letter = next(p for p in approved.iter_attachments() if p.get_content_type() == "application/pdf")
    assert "Decision: approved." in pdf_text(letter.get_content())
    last4 = claim["payout"]["account_last4"]
    assert last4 and last4 in by_subject[paid].get_body(("plain",)).get_content()
