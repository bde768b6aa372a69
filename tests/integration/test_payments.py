"""Paying through the sandbox gateway: idempotency keys, declines, signed notifications."""

from __future__ import annotations

import pytest

from insure.ledger.tables import JournalEntry
from insure.payments.sandbox import Notification, sign
from insure.payments.tables import Payment

from .helpers import GOOD_CARD, auth, buy_policy, db, register, wait_for

pytestmark = pytest.mark.integration
WEBHOOK_SECRET = "test-webhook-secret"  # set for the whole run in tests/conftest.py


def premium_entries(payment_id: int) -> int:
    return db(JournalEntry.count().where(JournalEntry.idempotency_key == f"premium:payment:{payment_id}"))


def pay(api, customer, number, key, card=GOOD_CARD):
    return api.post(f"/policies/{number}/payments", json=card, headers={**auth(customer), "Idempotency-Key": key})


def test_paying_twice_with_the_same_key_charges_once(api):
    customer = register(api)
    policy = buy_policy(api, customer, pay=False)
    first = pay(api, customer, policy["number"], "order-0001-abc")
    second = pay(api, customer, policy["number"], "order-0001-abc")
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]

    wait_for(
        lambda: api.get(f"/policies/{policy['number']}", headers=auth(customer)).json(),
        lambda b: b["status"] == "in_force",
    )
    payments = api.get(f"/policies/{policy['number']}/payments", headers=auth(customer)).json()
    assert [p["status"] for p in payments] == ["succeeded"]

    # the same key after success still answers with the first payment; a new key cannot pay again
    assert pay(api, customer, policy["number"], "order-0001-abc").json()["status"] == "succeeded"
    again = pay(api, customer, policy["number"], "order-0002-abc")
    assert again.status_code == 409
    assert again.json()["code"] == "already_paid"


def test_the_same_key_with_a_different_request_is_refused(api):
    customer = register(api)
    policy = buy_policy(api, customer, pay=False)
    assert pay(api, customer, policy["number"], "key-reuse-0001").status_code == 202
    other_card = {**GOOD_CARD, "card_number": "5555 5555 5555 4444"}
    r = pay(api, customer, policy["number"], "key-reuse-0001", other_card)
    assert r.status_code == 409
    assert r.json()["code"] == "idempotency_key_reused"


def test_a_declined_card_leaves_the_policy_unpaid_and_another_card_can_pay(api):
    customer = register(api)
    policy = buy_policy(api, customer, pay=False)
    declined = pay(api, customer, policy["number"], "declined-0001", {**GOOD_CARD, "card_number": "4000000000000002"})
    assert declined.status_code == 202
    settled = wait_for(
        lambda: api.get(f"/payments/{declined.json()['id']}", headers=auth(customer)).json(),
        lambda b: b["status"] != "pending",
    )
    assert settled["status"] == "failed"
    assert settled["failure_code"] == "card_declined"
    assert api.get(f"/policies/{policy['number']}", headers=auth(customer)).json()["status"] == "pending_payment"

    assert pay(api, customer, policy["number"], "second-try-01").status_code == 202
    body = wait_for(
        lambda: api.get(f"/policies/{policy['number']}", headers=auth(customer)).json(),
        lambda b: b["status"] == "in_force",
    )
    assert body["status"] == "in_force"


def test_card_fields_are_validated_before_anything_is_charged(api):
    customer = register(api)
    policy = buy_policy(api, customer, pay=False)
    r = pay(
        api,
        customer,
        policy["number"],
        "bad-card-0001",
        {"card_number": "4242 4242 4242 4241", "expiry": "13/20", "cvc": "12"},
    )
    assert r.status_code == 422
    assert sorted(e["field"] for e in r.json()["errors"]) == ["card_number", "cvc", "expiry"]
    assert api.get(f"/policies/{policy['number']}/payments", headers=auth(customer)).json() == []
    missing_key = api.post(f"/policies/{policy['number']}/payments", json=GOOD_CARD, headers=auth(customer))
    assert missing_key.status_code == 400


def test_the_webhook_refuses_a_bad_signature_and_ignores_a_replay(api):
    customer = register(api)
    policy = buy_policy(api, customer, pay=False)
    started = pay(api, customer, policy["number"], "webhook-0001").json()
    payment = wait_for(
        lambda: api.get(f"/payments/{started['id']}", headers=auth(customer)).json(),
        lambda b: b["status"] == "succeeded",
    )
    payment_id = db(Payment.select(Payment.id).where(Payment.gateway_ref == payment["id"]).first())["id"]
    # a well-formed notification claiming the settled payment failed
    body = Notification(payment_id, payment["id"], "failed", 39000, "card_declined").to_bytes()

    forged = api.post("/payments/sandbox/notifications", content=body, headers={"X-Sandbox-Signature": "00" * 32})
    assert forged.status_code == 403
    assert forged.json()["code"] == "signature_invalid"

    replay = api.post(
        "/payments/sandbox/notifications", content=body, headers={"X-Sandbox-Signature": sign(body, WEBHOOK_SECRET)}
    )
    assert replay.status_code == 200
    assert replay.json()["status"] == "succeeded"  # a settled payment does not flip to failed
    assert premium_entries(payment_id) == 1
