"""The partner API journey end to end: register, quote, buy, pay, schedule PDF, claim settled by a worker."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from datetime import timedelta

import pytest

from claims.tables import Claim
from insure.ledger import entries
from insure.ledger import services as ledger
from insure.ledger.tables import JournalLine
from insure.payments.tables import Payment

from .claim_helpers import FILED, complete, file_claim
from .helpers import auth, buy_policy, db, register, today, travel, wait_for

pytestmark = pytest.mark.integration


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    # pdftotext returns some CJK characters as Kangxi radicals; NFKC maps them back.
    return unicodedata.normalize("NFKC", out.stdout.decode())


def test_customer_buys_a_policy_and_a_worker_pays_the_claim(api, tmp_path):
    # given a new customer with a token
    customer = register(api)

    # when they quote 300,000 CNY of accident cover at occupation class 2, buy and pay
    bought_on = today()
    policy = buy_policy(api, customer, sum_insured="300000", start=False)

    # then the policy is in force for one year from 00:00 the next day, at 300,000 × 1.3‰ = 390.00 CNY
    assert policy["status"] == "in_force"
    assert policy["annual_premium"] == "390.00"
    starts = bought_on + timedelta(days=1)
    assert policy["effective_date"] == starts.isoformat()
    # (a year later the same date; a 29 February start has its anniversary on 28 February)
    anniversary = starts.replace(year=starts.year + 1, day=28) if (starts.month, starts.day) == (2, 29) else None
    anniversary = anniversary or starts.replace(year=starts.year + 1)
    assert policy["expiry_date"] == (anniversary - timedelta(days=1)).isoformat()

    travel(api, 1)  # the next day: cover has started

    # and a worker renders the schedule PDF, with the policy number and the Chinese product name in it
    docs = wait_for(
        lambda: api.get(f"/policies/{policy['number']}/documents", headers=auth(customer)).json(),
        lambda body: body[0]["status"] == "ready",
        timeout=60,
    )
    assert docs[0]["status"] == "ready"
    pdf = api.get(f"/policies/{policy['number']}/documents/policy_schedule", headers=auth(customer))
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    if shutil.which("pdftotext"):
        text = pdf_text(pdf.content, tmp_path)
        assert policy["number"] in text
        assert "安心意外伤害保险" in text

    # when they claim 1,200.50 CNY for an accident on the first day of cover
    # (medical expenses: one hospital invoice of that amount)
    r = file_claim(
        api,
        customer,
        policy["number"],
        "accidental_medical",
        "1200.50",
        loss_date=starts.isoformat(),
        description="Slipped on a wet staircase and broke a wrist",
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "submitted"
    # a worker asks at once, in one list, for every document a medical claim needs; the customer uploads them
    asked = wait_for(
        lambda: api.get(f"/claims/{r.json()['number']}", headers=auth(customer)).json(),
        lambda body: body["status"] not in ("submitted", "assessing"),
    )
    assert asked["status"] == "awaiting_documents"
    assert asked["documents"]["missing"] == ["claimant_id", "invoices", "expense_list", "discharge_summary"]
    complete(api, customer, asked["number"])

    # then a worker computes the benefit, (1,200.50 − 100 deductible) × 90 % = 990.45, pays it, and says why
    claim = wait_for(
        lambda: api.get(f"/claims/{r.json()['number']}", headers=auth(customer)).json(),
        lambda body: body["status"] in ("paid", "referred"),
    )
    assert claim["status"] == "paid"
    assert claim["approved_amount"] == "990.45"
    steps = [(c["step"], c["amount"]) for c in claim["calculation"]]
    assert steps[:6] == [
        ("billed", "1200.50"),
        ("social_insurance", "0.00"),
        ("deductible", "100.00"),
        ("after_deductible", "1100.50"),
        ("insurer_share", "990.45"),
        ("within_limit", "990.45"),
    ]
    assert steps[-1] == ("payable", "990.45")
    assert {rule["code"] for rule in claim["assessment"]} >= {
        "policy_in_force_on_loss_date",
        "within_straight_through_limit",
    }
    assert all(rule["passed"] for rule in claim["assessment"])
    assert [e["to_status"] for e in claim["events"]] == [*FILED, "approved", "paid"]

    # and the books balance, with the premium and the claim each posted once as a balanced entry
    assert sum(db(ledger.trial_balance()).values()) == 0
    claim_id = db(Claim.select(Claim.id).where(Claim.number == claim["number"]).first())["id"]
    assert posted_lines("claim", claim_id) == [
        (entries.CLAIMS_PAID, 99045, 0),
        (entries.CASH_SANDBOX, 0, 99045),
    ]
    payment_id = db(Payment.select(Payment.id).where(Payment.policy.number == policy["number"]).first())["id"]
    assert posted_lines("payment", payment_id) == [
        (entries.CASH_SANDBOX, 39000, 0),
        (entries.PREMIUM_WRITTEN, 0, 39000),
    ]


def posted_lines(source_type: str, source_id: int) -> list[tuple[str, int, int]]:
    rows = db(
        JournalLine.select(JournalLine.account.code, JournalLine.debit_fen, JournalLine.credit_fen)
        .where((JournalLine.entry.source_type == source_type) & (JournalLine.entry.source_id == source_id))
        .order_by(JournalLine.id)
    )
    return [(r["account.code"], r["debit_fen"], r["credit_fen"]) for r in rows]


def test_a_large_claim_is_referred_to_an_adjuster_with_the_rule_that_fired(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    # a lump sum: the death-and-disability benefit claims the insured amount (300,000 CNY)
    r = file_claim(
        api,
        customer,
        policy["number"],
        "accidental_death_disability",
        description="Hospitalised for two weeks after a road accident",
    )
    assert r.status_code == 201, r.text
    complete(api, customer, r.json()["number"])
    claim = wait_for(
        lambda: api.get(f"/claims/{r.json()['number']}", headers=auth(customer)).json(),
        lambda body: body["status"] in ("paid", "referred"),
    )
    assert claim["status"] == "referred"
    fired = [rule["code"] for rule in claim["assessment"] if not rule["passed"]]
    assert fired == ["within_straight_through_limit"]
    assert claim["approved_amount"] == "0.00"


def test_an_unpaid_policy_cannot_be_claimed_on(api):
    customer = register(api)
    policy = buy_policy(api, customer, pay=False)
    assert policy["status"] == "pending_payment"
    r = file_claim(api, customer, policy["number"], "accidental_medical", "300", description="Twisted an ankle hiking")
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["policy_number"]
    assert api.get("/claims", headers=auth(customer)).json() == []


def test_an_accident_before_cover_starts_is_never_paid_automatically(api):
    # given a policy bought and paid today: cover starts at 00:00 tomorrow
    customer = register(api)
    bought_on = today()
    policy = buy_policy(api, customer, start=False)
    # when the customer claims for an accident that happened on the day of purchase
    r = file_claim(
        api,
        customer,
        policy["number"],
        "accidental_medical",
        "800",
        loss_date=bought_on.isoformat(),
        description="An accident on the morning of the purchase",
    )
    # then it is refused at intake (issue 10: refused with the reason, not referred), and nothing is filed
    assert r.status_code == 422, r.text
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("loss_date", "loss_before_cover")]
    assert api.get("/claims", headers=auth(customer)).json() == []
