"""The end of a period of cover: renewal of one-year cover (guaranteed or not, at the insured's new age) and
maturity with a premium still in its grace period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from insure.ledger import entries
from insure.ledger.tables import JournalLine

from .helpers import GOOD_CARD, apply, auth, csrf_token, db, register, today, travel, wait_for, web_session
from .test_lifecycle import SAVED_CARD_DECLINES_LATER, billing_run, delivered_subject, life_policy

pytestmark = pytest.mark.integration


def test_a_guaranteed_renewable_medical_policy_is_offered_renewal_and_continues_without_a_gap(api):
    from datetime import date, timedelta

    customer = register(api)
    q = api.post(
        "/quotes",
        json={
            "product_code": "medical_changan",
            "birth_date": customer["birth_date"],
            "sum_insured": "3000000",
            "social_insurance": True,
        },
    ).json()
    number = apply(api, customer, q["id"])["policy_number"]
    api.post(
        f"/policies/{number}/payments", json=GOOD_CARD, headers={**auth(customer), "Idempotency-Key": f"md-{number}"}
    )
    policy = wait_for(
        lambda: api.get(f"/policies/{number}", headers=auth(customer)).json(), lambda p: p["status"] == "in_force"
    )
    expiry = date.fromisoformat(policy["expiry_date"])
    early = api.get(f"/policies/{number}/renewal", headers=auth(customer))
    assert early.status_code == 409 and early.json()["code"] == "no_renewal_offer"

    # 25 days before expiry the billing run offers renewal, re-rated at the insured's age then
    travel(api, (expiry - today()).days - 25)
    billing_run()
    offer = api.get(f"/policies/{number}/renewal", headers=auth(customer)).json()
    assert offer["guaranteed_renewable"] is True and float(offer["annual_premium"]) > 0
    assert wait_for(lambda: delivered_subject(number), bool, timeout=60)  # a worker e-mailed the offer

    # accepting needs no new health declaration; paying brings the renewal in force from the day after expiry
    r = api.post(f"/policies/{number}/renewal", headers=auth(customer))
    assert r.status_code == 201, r.text
    renewal = r.json()["policy_number"]
    api.post(
        f"/policies/{renewal}/payments", json=GOOD_CARD, headers={**auth(customer), "Idempotency-Key": f"rn-{renewal}"}
    )
    renewed = wait_for(
        lambda: api.get(f"/policies/{renewal}", headers=auth(customer)).json(), lambda p: p["status"] == "in_force"
    )
    assert renewed["effective_date"] == (expiry + timedelta(days=1)).isoformat()


def test_guaranteed_renewal_continues_past_the_entry_age_at_the_new_age_band(api):
    from datetime import timedelta

    # a 65-year-old (the oldest entry age) buys one-year medical cover; at renewal they are 66
    born = date(today().year - 65, today().month, 1) - timedelta(days=100)  # 65, and 66 when the renewal starts
    customer = register(api, birth=born)
    body = {"product_code": "medical_changan", "birth_date": born.isoformat(), "sum_insured": "3000000"}
    q = api.post("/quotes", json=body).json()
    number = apply(api, customer, q["id"])["policy_number"]
    api.post(
        f"/policies/{number}/payments", json=GOOD_CARD, headers={**auth(customer), "Idempotency-Key": f"md66-{number}"}
    )
    policy = wait_for(
        lambda: api.get(f"/policies/{number}", headers=auth(customer)).json(), lambda p: p["status"] == "in_force"
    )
    expiry = date.fromisoformat(policy["expiry_date"])
    travel(api, (expiry - today()).days - 20)
    # a new customer of 66 cannot buy it …
    older = api.post("/quotes", json={**body, "birth_date": (born - timedelta(days=366)).isoformat()})
    assert older.status_code == 422 and older.json()["errors"][0]["code"] == "age_out_of_range"
    # … but the policyholder's cover is renewed, priced on the 66-70 band of the rate table (3,498 against 2,598)
    billing_run()
    offer = api.get(f"/policies/{number}/renewal", headers=auth(customer))
    assert offer.status_code == 200, offer.text
    ratio = float(offer.json()["annual_premium"]) / float(policy["annual_premium"])
    assert ratio == pytest.approx(3498 / 2598, abs=0.001)
    # renewing from the policy page: straight to paying, no health questions (guaranteed renewable)
    with web_session(api, customer["email"]) as web:
        page = web.get(f"/policies/{number}")
        assert "Renewal offer" in page.text and "Guaranteed renewable" in page.text
        r = web.post(f"/policies/{number}/renew", data={"_csrf_token": csrf_token(page.text)})
        assert r.status_code in (302, 303) and r.headers["location"].endswith("/pay")
        assert "Renewal offer" not in web.get(f"/policies/{number}").text  # taken up
    renewal = api.get(r.headers["location"].removesuffix("/pay"), headers=auth(customer)).json()
    twice = api.post(f"/policies/{number}/renewal", headers=auth(customer))  # a second click makes no second policy
    assert twice.status_code == 409 and twice.json()["code"] == "already_renewed"
    assert renewal["status"] == "pending_payment" and renewal["annual_premium"] == offer.json()["annual_premium"]


def test_a_premium_still_in_grace_at_maturity_is_taken_from_the_maturity_benefit(api):
    from datetime import timedelta

    from insure.policies.tables import Instalment, Policy

    customer = register(api)
    policy = life_policy(api, customer, card=SAVED_CARD_DECLINES_LATER)  # 10-year endowment, ten premiums
    number = policy["number"]
    premium = round(Decimal(policy["premium_per_payment"]) * 100)
    row = db(Policy.select().where(Policy.number == number).first())
    # given the policy as it stands ten years on (dates moved, not the shared clock): premiums 2 to 9 paid,
    # the cover ended yesterday, and the last premium fell due 30 days ago — still in its 60 days of grace
    day = today()
    db(
        Policy.update(
            {Policy.effective_date: day - timedelta(days=3652), Policy.expiry_date: day - timedelta(days=1)}
        ).where(Policy.id == row["id"])
    )
    db(
        Instalment.update({Instalment.status: "paid"}).where(
            (Instalment.policy == row["id"]) & (Instalment.number < 10)
        )
    )
    db(
        Instalment.update({Instalment.due_date: day - timedelta(days=30)}).where(
            (Instalment.policy == row["id"]) & (Instalment.number == 10)
        )
    )
    # when the billing run has tried the saved card once more (declined) and then ends the cover
    billing_run()
    wait_for(
        lambda: api.get(f"/policies/{number}/payments", headers=auth(customer)).json(),
        lambda ps: all(p["status"] != "pending" for p in ps),
    )
    billing_run()
    assert api.get(f"/policies/{number}", headers=auth(customer)).json()["status"] == "matured"
    # then the benefit paid out is the sum insured less the unpaid premium, which is booked as premium
    payouts = wait_for(
        lambda: api.get(f"/policies/{number}/payouts", headers=auth(customer)).json(),
        lambda ps: ps and ps[0]["status"] == "succeeded",
    )
    assert [(p["reason"], round(float(p["amount"]) * 100)) for p in payouts] == [("maturity", 10_000_000 - premium)]
    offset = db(
        JournalLine.select(JournalLine.account.code, JournalLine.debit_fen, JournalLine.credit_fen).where(
            JournalLine.entry.idempotency_key == f"maturity_offset:{row['id']}"
        )
    )
    assert sorted((r["account.code"], r["debit_fen"], r["credit_fen"]) for r in offset) == sorted(
        [(entries.MATURITY_BENEFITS, premium, 0), (entries.PREMIUM_WRITTEN, 0, premium)]
    )
    schedule = api.get(f"/policies/{number}/schedule", headers=auth(customer)).json()
    assert all(i["status"] == "paid" for i in schedule)
