"""A claim's benefit goes out through the one payout path: approved, the money is sent to the bank account on the
policy, and the claim is paid only when the gateway confirms the transfer (the real worker plays the sandbox
gateway). Without an account, or with one the bank returns, the payout waits for the customer's account and the
claim page says so, with the way to give one; it never says "paid" before the gateway confirmed."""

from __future__ import annotations

import re

import pytest

from claims.tables import Claim
from insure import outbox
from insure.ledger import entries
from insure.ledger.tables import JournalLine
from insure.payments import payouts
from insure.payments.tables import Payout
from insure.policies.tables import Policy

from .claim_helpers import FILED, filed
from .helpers import auth, buy_policy, db, register, wait_for, web_session

pytestmark = pytest.mark.integration


def _file_claim(api, customer: dict, number: str) -> str:
    claim = filed(api, customer, number, "accidental_medical", "800", description="Twisted an ankle on the stairs")
    return claim["number"]


def _claim(api, customer: dict, claim_number: str, done) -> dict:
    return wait_for(lambda: api.get(f"/claims/{claim_number}", headers=auth(customer)).json(), done, timeout=60)


def _status_text(html: str) -> str:
    """The claim page's status block as plain text (tags dropped, spaces folded)."""
    start = html.index('id="claim-status"')
    block = html[start : html.index("</div>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", block).split())


def test_an_approved_claim_is_paid_only_when_the_gateway_confirms_and_the_page_says_where_the_money_is(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    # a policy with no account at the gateway (as one issued before tokenisation)
    db(
        Policy.update({Policy.bank_account_token: "", Policy.bank_account_last4: ""}).where(
            Policy.number == policy["number"]
        )
    )
    number = _file_claim(api, customer, policy["number"])

    # approved for (800 − 100) × 90 % = 630.00, but there is nowhere to pay it: the payout is held
    held = _claim(api, customer, number, lambda c: c.get("payout") and c["payout"]["status"] == "on_hold")
    assert held["status"] == "approved" and held["approved_amount"] == "630.00" and held["paid_at"] is None
    assert {k: held["payout"][k] for k in ("status", "amount", "account_last4", "sent_at", "settled_at")} == {
        "status": "on_hold",
        "amount": "630.00",
        "account_last4": "",
        "sent_at": None,
        "settled_at": None,
    }
    url = f"/policies/{policy['number']}"
    listed = api.get(f"{url}/payouts", headers=auth(customer)).json()
    assert [(p["reason"], p["amount"], p["status"]) for p in listed] == [("claim", "630.00", "on_hold")]
    with web_session(api, customer["email"]) as web:
        page = web.get(f"/claims/{number}").text
        text = _status_text(page)
        assert "Approved: 630.00 CNY. Not paid yet: this policy has no bank account for payouts." in text
        assert "Add a bank account to your policy — we send the payment as soon as you save it." in text
        assert f'href="/policies/{policy["number"]}/changes"' in page
        assert "Paid" not in text and "every 2s" not in page  # nothing to wait for until the customer acts

    # the transfer is on its way (sent to an account, the gateway has not answered yet): still not paid
    claim_id = db(Claim.select(Claim.id).where(Claim.number == number).first())["id"]
    payout_id = db(Payout.select(Payout.id).where(Payout.payout_key == f"claim:{claim_id}").first())["id"]
    token = db(payouts.vault_bank_account("6222020200112233445"))
    db(
        Payout.update({Payout.status: "pending", Payout.account_token: token, Payout.account_last4: "3445"}).where(
            Payout.id == payout_id
        )
    )
    in_flight = api.get(f"/claims/{number}", headers=auth(customer)).json()
    assert in_flight["status"] == "approved" and in_flight["payout"]["status"] == "pending"
    with web_session(api, customer["email"]) as web:
        text = _status_text(web.get(f"/claims/{number}").text)
        assert re.search(
            r"Approved: 630\.00 CNY\. Payment sent on .+ to the bank account ending 3445; "
            r"we are waiting for the bank to confirm it\.",
            text,
        ), text
        assert "Paid" not in text
    unbooked = JournalLine.select().where(
        (JournalLine.entry.source_type == "claim") & (JournalLine.entry.source_id == claim_id)
    )
    assert db(unbooked) == []  # sent is not paid: nothing booked

    # the gateway confirms (the worker's sandbox confirmation): booked, and only now the claim is paid
    db(outbox.enqueue("payments.sandbox_payout", payout_id))
    paid = _claim(api, customer, number, lambda c: c["status"] == "paid")
    assert paid["status"] == "paid" and paid["paid_at"] is not None
    assert paid["payout"]["status"] == "succeeded" and paid["payout"]["settled_at"] is not None
    assert [e["to_status"] for e in paid["events"]] == [*FILED, "approved", "paid"]
    lines = db(
        JournalLine.select(JournalLine.account.code, JournalLine.debit_fen, JournalLine.credit_fen).where(
            (JournalLine.entry.source_type == "claim") & (JournalLine.entry.source_id == claim_id)
        )
    )
    assert sorted((r["account.code"], r["debit_fen"], r["credit_fen"]) for r in lines) == sorted(
        [(entries.CLAIMS_PAID, 63000, 0), (entries.CASH_SANDBOX, 0, 63000)]
    )
    with web_session(api, customer["email"]) as web:
        text = _status_text(web.get(f"/claims/{number}").text)
        assert re.search(r"Paid: 630\.00 CNY on .+\. Paid to the bank account ending 3445\.", text), text
        assert "card" not in text


def test_a_transfer_the_bank_returns_is_sent_again_when_the_customer_gives_another_account(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    db(
        Policy.update({Policy.bank_account_token: "ba_closed_account", Policy.bank_account_last4: "9999"}).where(
            Policy.number == policy["number"]
        )
    )
    number = _file_claim(api, customer, policy["number"])

    returned = _claim(api, customer, number, lambda c: c.get("payout") and c["payout"]["status"] == "failed")
    assert returned["status"] == "approved" and returned["payout"]["status"] == "failed"
    assert returned["payout"]["account_last4"] == "9999" and returned["payout"]["settled_at"] is not None
    with web_session(api, customer["email"]) as web:
        text = _status_text(web.get(f"/claims/{number}").text)
        assert re.search(
            r"Approved: 630\.00 CNY\. Not paid yet: the bank returned the payment to the account ending 9999 on ",
            text,
        ), text
        assert "Give another bank account — we send the payment as soon as you save it." in text
        assert "Paid" not in text

    # the existing bank-account change sends it again; the worker confirms; the claim is paid
    account = {"kind": "bank_account", "bank_account": "6217 0000 1111 2222 333"}
    changed = api.post(f"/policies/{policy['number']}/endorsements", json=account, headers=auth(customer))
    assert changed.status_code == 201, changed.text
    paid = _claim(api, customer, number, lambda c: c["status"] == "paid")
    assert paid["status"] == "paid"
    assert (paid["payout"]["status"], paid["payout"]["account_last4"]) == ("succeeded", "2333")
    with web_session(api, customer["email"]) as web:
        text = _status_text(web.get(f"/claims/{number}").text)
        assert "Paid to the bank account ending 2333." in text
