"""Intake follows the benefit claimed (issue 10): a medical claim lists its invoices (the amount claimed is their
total, social insurance recorded per invoice), a lump sum pays the insured amount with nobody typing it, a hospital
allowance pays its nights in hospital; each kind of bad input is refused with 422 naming the field, and nothing is
stored. The claim form shows the fields of the benefit chosen and adds invoice rows without JavaScript."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from claims.tables import Claim, ClaimInvoice

from .claim_helpers import claim_body, file_claim, filed, invoice
from .helpers import GOOD_CARD, apply, auth, buy_policy, csrf_token, db, register, today, travel, wait_for, web_session
from .test_claim_decisions import ADMIN, staff

pytestmark = pytest.mark.integration


def stored_claims(customer: dict) -> int:
    return db(Claim.count().where(Claim.claimant.email == customer["email"]))


def test_a_medical_claim_with_three_invoices_claims_their_total_and_records_social_insurance(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    day = today()
    invoices = [
        invoice("1200.50", day.isoformat(), social_insurance="300"),
        invoice("99.50", (day - timedelta(days=20)).isoformat(), issuer="Chaoyang Pharmacy"),
        invoice("700", day.isoformat(), social_insurance="700"),
    ]
    claim = filed(api, customer, policy["number"], "accidental_medical", invoices=invoices)

    assert claim["benefit_kind"] == "medical" and claim["amount"] == "2000.00"
    assert [(i["number"], i["issuer"], i["amount"], i["social_insurance"]) for i in claim["invoices"]] == [
        (invoices[0]["number"], "Beijing Chaoyang Hospital", "1200.50", "300.00"),
        (invoices[1]["number"], "Chaoyang Pharmacy", "99.50", "0.00"),
        (invoices[2]["number"], "Beijing Chaoyang Hospital", "700.00", "700.00"),
    ]
    assert claim["invoices"][1]["date"] == (day - timedelta(days=20)).isoformat()
    assert claim["discharge_date"] is None
    rows = db(ClaimInvoice.select().where(ClaimInvoice.claim.number == claim["number"]).order_by(ClaimInvoice.id))
    assert [(r["amount_fen"], r["social_insurance_fen"]) for r in rows] == [(120050, 30000), (9950, 0), (70000, 70000)]
    # the customer reads the same invoices later
    again = api.get(f"/claims/{claim['number']}", headers=auth(customer)).json()
    assert again["invoices"] == claim["invoices"]


def test_a_lump_sum_claim_needs_no_amount_and_claims_the_insured_amount(api):
    customer = register(api)
    policy = buy_policy(api, customer, sum_insured="300000")
    claim = filed(api, customer, policy["number"], "accidental_death_disability")
    assert "amount" not in claim_body(policy["number"], "accidental_death_disability")
    assert claim["benefit_kind"] == "accident_death_disability"
    assert claim["amount"] == "300000.00" and claim["invoices"] == []
    claim = wait_for(
        lambda: api.get(f"/claims/{claim['number']}", headers=staff(api, ADMIN)).json(),
        lambda c: c["status"] not in ("submitted", "assessing"),
        timeout=60,
    )
    assert claim["review"]["payable"] == "300000.00"  # what the benefit pays: the cover's limit

    # typing an amount for a lump sum is refused, and nothing is filed
    before = stored_claims(customer)
    r = api.post(
        "/claims",
        json={**claim_body(policy["number"], "accidental_death_disability"), "amount": "500000"},
        headers=auth(customer),
    )
    assert r.status_code == 422, r.text
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("amount", "amount_not_claimed")]
    assert stored_claims(customer) == before


def buy_pingyuan(api, customer: dict, sum_insured: str = "100000") -> dict:
    """A Pingyuan accident policy (it has a hospital allowance: 1 % of the sum insured per day), paid and in force."""
    q = api.post(
        "/quotes",
        json={
            "product_code": "pa_pingyuan",
            "channel": "platform",
            "birth_date": customer["birth_date"],
            "sum_insured": sum_insured,
            "occupation_class": 2,
        },
        headers=auth(customer),
    )
    assert q.status_code == 201, q.text
    app = apply(api, customer, q.json()["id"])
    assert app["status"] == "accepted", app
    number = app["policy_number"]
    r = api.post(
        f"/policies/{number}/payments",
        json=GOOD_CARD,
        headers={**auth(customer), "Idempotency-Key": secrets.token_hex(8)},
    )
    assert r.status_code == 202, r.text
    return wait_for(
        lambda: api.get(f"/policies/{number}", headers=auth(customer)).json(),
        lambda body: body["status"] == "in_force",
    )


def test_a_hospital_allowance_claims_the_nights_in_hospital_times_the_daily_limit(api):
    customer = register(api)
    policy = buy_pingyuan(api, customer)
    admitted = travel(api, 1)  # cover starts the day after purchase
    discharged = travel(api, 3)
    body = claim_body(policy["number"], "accident_hospital_allowance", loss_date=admitted.isoformat())

    # discharge before admission or in the future is refused; nothing stored
    for day, code in (
        (admitted - timedelta(days=1), "discharge_before_admission"),
        (discharged + timedelta(days=1), "discharge_date_in_future"),
    ):
        r = api.post("/claims", json={**body, "discharge_date": day.isoformat()}, headers=auth(customer))
        assert r.status_code == 422, r.text
        assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("discharge_date", code)]
    assert stored_claims(customer) == 0

    claim = filed(
        api,
        customer,
        policy["number"],
        "accident_hospital_allowance",
        loss_date=admitted.isoformat(),
        discharge_date=discharged.isoformat(),
    )
    assert claim["benefit_kind"] == "hospital_allowance"
    assert claim["discharge_date"] == discharged.isoformat() and claim["loss_date"] == admitted.isoformat()
    assert claim["amount"] == "3000.00"  # 3 nights × 1,000 CNY (1 % of 100,000)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"number": ""}, ("invoices[1].number", "invoice_number_missing")),
        ({"issuer": "Hospital\u202eevil"}, ("invoices[1].issuer", "validation_failed")),
        ({"amount": "0"}, ("invoices[1].amount", "invoice_amount_invalid")),
        ({"amount": "10.001"}, ("invoices[1].amount", "amount_too_many_decimals")),
        ({"social_insurance": "99999"}, ("invoices[1].social_insurance", "social_insurance_above_amount")),
        ({"date": "future"}, ("invoices[1].date", "invoice_date_in_future")),
        ({"date": "long before"}, ("invoices[1].date", "invoice_date_before_loss")),
        ({"number": "same"}, ("invoices[1].number", "invoice_number_duplicate")),
    ],
)
def test_each_bad_invoice_is_refused_naming_the_invoice_and_field_and_nothing_is_stored(api, change, expected):
    customer = register(api)
    policy = buy_policy(api, customer)
    day = today()
    first = invoice("500", day.isoformat())
    value = {
        "future": (day + timedelta(days=1)).isoformat(),
        "long before": (day - timedelta(days=31)).isoformat(),
        "same": first["number"].lower(),
    }
    second = {**invoice("800", day.isoformat()), **{k: value.get(v, v) for k, v in change.items()}}
    r = file_claim(api, customer, policy["number"], invoices=[first, second])
    assert r.status_code == 422, r.text
    field, code = expected
    if code == "validation_failed":  # refused by the request schema before any code runs
        assert r.json()["code"] == code and [e["field"] for e in r.json()["errors"]] == [field]
    else:
        assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [expected]
    assert stored_claims(customer) == 0
    assert db(ClaimInvoice.count().where(ClaimInvoice.number == second["number"])) == 0


def test_an_expense_claim_needs_one_to_fifty_invoices(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    day = today().isoformat()
    r = file_claim(api, customer, policy["number"], invoices=[])
    assert r.status_code == 422 and [(e["field"], e["code"]) for e in r.json()["errors"]] == [
        ("invoices", "invoices_missing")
    ]
    r = file_claim(api, customer, policy["number"], invoices=[invoice("10", day) for _ in range(51)])
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["invoices"]
    body = {**claim_body(policy["number"], invoices=[invoice("10", day)]), "amount": "25"}
    r = api.post("/claims", json=body, headers=auth(customer))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "amount_not_invoice_total"
    assert stored_claims(customer) == 0
    claim = filed(api, customer, policy["number"], invoices=[invoice("10", day) for _ in range(50)])
    assert claim["amount"] == "500.00" and len(claim["invoices"]) == 50


def test_the_claim_form_follows_the_benefit_and_adds_invoice_rows_without_javascript(api):
    customer = register(api)
    policy = buy_policy(api, customer)
    number = policy["number"]
    day = today().isoformat()
    with web_session(api, customer["email"]) as web:
        # first the benefits that can be claimed, then the form of the one chosen
        choose = web.get(f"/policies/{number}/claims/new").text
        assert "Which benefit are you claiming?" in choose and "?coverage=accidental_medical" in choose
        lump = web.get(f"/policies/{number}/claims/new?coverage=accidental_death_disability").text
        assert "Date of the accident" in lump and "you do not enter an amount" in lump
        assert 'name="amount"' not in lump and "invoices[0]" not in lump
        form = web.get(f"/policies/{number}/claims/new?coverage=accidental_medical").text
        assert "Date of admission or treatment" in form and 'name="invoices[0].number"' in form
        assert 'name="invoices[1].number"' not in form

        fields = {
            "_csrf_token": csrf_token(form),
            "request_token": secrets.token_urlsafe(16),
            "coverage_code": "accidental_medical",
            "loss_date": day,
            "description": "Cut a hand on broken glass at home",
            "invoices[0].number": "FPX" + secrets.token_hex(5).upper(),  # shown as stored: upper case, no spaces
            "invoices[0].issuer": "Haidian Hospital",
            "invoices[0].date": day,
            "invoices[0].amount": "300",
            "invoices[0].social_insurance": "",
        }
        # "Add another invoice" answers the form with a second row, keeping what was typed; nothing is filed
        r = web.post(f"/policies/{number}/claims", data={**fields, "add_invoice": "1"})
        assert r.status_code == 200 and 'name="invoices[1].number"' in r.text
        assert fields["invoices[0].number"] in r.text and stored_claims(customer) == 0

        # a bad second invoice: the form again, the message beside the field
        second = {
            "invoices[1].number": "FPY" + secrets.token_hex(5).upper(),
            "invoices[1].issuer": "Haidian Hospital",
            "invoices[1].date": day,
            "invoices[1].amount": "12.345",
            "invoices[1].social_insurance": "",
        }
        r = web.post(f"/policies/{number}/claims", data={**fields, **second, "_csrf_token": csrf_token(r.text)})
        assert r.status_code == 422 and 'id="invoices[1].amount-error"' in r.text
        assert "An amount has at most two decimals" in r.text and stored_claims(customer) == 0

        second["invoices[1].amount"] = "45.50"
        r = web.post(f"/policies/{number}/claims", data={**fields, **second, "_csrf_token": csrf_token(r.text)})
        assert r.status_code in (302, 303), r.text[:800]
        # the claim's page lists the invoices it was filed with
        detail = web.get(r.headers["location"]).text
        assert 'id="claim-invoices"' in detail
        assert fields["invoices[0].number"] in detail and second["invoices[1].number"] in detail
    claims = api.get("/claims", headers=auth(customer)).json()
    assert [(c["amount"], len(c["invoices"])) for c in claims] == [("345.50", 2)]
