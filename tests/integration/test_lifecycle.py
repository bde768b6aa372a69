"""The policy after issue: e-delivery of the schedule, and the free-look period (犹豫期)."""

from __future__ import annotations

import email
from email import policy as email_policy
from pathlib import Path

import pytest

from insure.ledger import entries
from insure.ledger.tables import JournalLine
from tests.conftest import RUN_DIR

from .helpers import GOOD_CARD, apply, auth, db, register, travel, wait_for

pytestmark = pytest.mark.integration


def life_policy(api, customer) -> dict:
    """A participating endowment (15 free-look days), bought, paid and e-delivered."""
    q = api.post(
        "/quotes",
        json={
            "product_code": "endow_par_changan",
            "birth_date": customer["birth_date"],
            "sex": "female",
            "sum_insured": "100000",
            "policy_term": "10",
            "premium_term": "policy_term",
        },
    ).json()
    app = apply(api, customer, q["id"])
    number = app["policy_number"]
    api.post(
        f"/policies/{number}/payments", json=GOOD_CARD, headers={**auth(customer), "Idempotency-Key": f"fl-{number}"}
    )
    return wait_for(
        lambda: api.get(f"/policies/{number}", headers=auth(customer)).json(),
        lambda p: p["delivered_at"] is not None,
        timeout=60,
    )


def delivered_mail(number: str) -> email.message.EmailMessage:
    for path in sorted(Path(RUN_DIR, "mail").glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
        if number in msg["Subject"]:
            return msg
    raise AssertionError(f"no e-mail for {number}")


def test_the_schedule_is_e_mailed_and_the_policy_can_be_cancelled_in_free_look_for_a_full_refund(api):
    customer = register(api)
    policy = life_policy(api, customer)
    # e-delivery: one message to the policyholder with the schedule attached; the free-look runs from it
    msg = delivered_mail(policy["number"])
    assert msg["To"] == customer["email"]
    attachment = next(msg.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")
    assert policy["free_look_until"] is not None

    travel(api, 10)  # ten days later, still within the 15 days
    r = api.post(f"/policies/{policy['number']}/free-look-cancellation", headers=auth(customer))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    refunds = wait_for(
        lambda: api.get(f"/policies/{policy['number']}/refunds", headers=auth(customer)).json(),
        lambda rs: rs and all(x["status"] == "succeeded" for x in rs),
    )
    assert [x["amount"] for x in refunds] == [policy["annual_premium"]]  # every premium paid comes back
    lines = db(
        JournalLine.select(JournalLine.account.code, JournalLine.debit_fen).where(
            JournalLine.entry.source_type == "refund"
        )
    )
    assert any(line["account.code"] == entries.PREMIUM_REFUNDS for line in lines)
    # cancelling twice changes nothing
    again = api.post(f"/policies/{policy['number']}/free-look-cancellation", headers=auth(customer))
    assert again.status_code == 409


def test_no_free_look_cancellation_after_the_period_or_for_one_year_products(api):
    customer = register(api)
    policy = life_policy(api, customer)
    travel(api, 16)
    late = api.post(f"/policies/{policy['number']}/free-look-cancellation", headers=auth(customer))
    assert late.status_code == 409 and late.json()["code"] == "free_look_over"
    assert api.get(f"/policies/{policy['number']}", headers=auth(customer)).json()["status"] == "in_force"
    assert api.get(f"/policies/{policy['number']}/refunds", headers=auth(customer)).json() == []
    other = register(api)
    r = api.post(f"/policies/{policy['number']}/free-look-cancellation", headers=auth(other))
    assert r.status_code == 404
