"""The beneficiary's death claim (issue 10): a named beneficiary, signed in with their own account, finds the
insured's policy by its number and the insured's ID number, claims their share of the death benefit to their own
bank account and then sees that claim, and only it; a stranger (or a wrong ID number) gets 404 and nothing is
stored; the page does the same in the browser-like client."""

from __future__ import annotations

import secrets
from datetime import date

import pytest

from claims.beneficiary_tables import BeneficiaryClaim
from claims.tables import Claim
from insure.payments.tables import Payout

from .claim_helpers import complete
from .helpers import (
    GOOD_CARD,
    PASSWORD,
    apply,
    auth,
    csrf_token,
    db,
    new_identity,
    today,
    travel,
    wait_for,
    web_session,
)
from .test_claim_decisions import ADMIN, staff

pytestmark = pytest.mark.integration

BENEFICIARY_ACCOUNT = "6217000010001234567"
BIRTH = date(1985, 7, 1)


def insured_with_beneficiaries(api, customer: dict, named: list[dict]) -> dict:
    """A 500,000 CNY Huaxia term life policy on the customer, naming ``named`` (name, relation, share), paid and in
    cover."""
    q = api.post(
        "/quotes",
        json={
            "product_code": "term_huaxia",
            "birth_date": customer["birth_date"],
            "sex": "female",
            "sum_insured": "500000",
            "policy_term": "20",
            "premium_term": "policy_term",
        },
    )
    assert q.status_code == 201, q.text
    changes = {"legal_heirs": False, "beneficiaries": named} if named else {}
    app = apply(api, customer, q.json()["id"], **changes)
    assert app["status"] == "accepted", app
    number = app["policy_number"]
    r = api.post(
        f"/policies/{number}/payments",
        json=GOOD_CARD,
        headers={**auth(customer), "Idempotency-Key": secrets.token_hex(8)},
    )
    assert r.status_code == 202, r.text
    policy = wait_for(
        lambda: api.get(f"/policies/{number}", headers=auth(customer)).json(), lambda p: p["status"] == "in_force"
    )
    travel(api, 1)
    return policy


def person(api, name: str) -> dict:
    """A registered customer with this name (and a resident ID number of their own) and a bearer token."""
    ident = {**new_identity(BIRTH), "name": name}
    assert api.post("/auth/register", json=ident).status_code == 201
    token = api.post("/auth/token", json={"email": ident["email"], "password": PASSWORD}).json()["access_token"]
    return {**ident, "auth": f"Bearer {token}", "birth_date": BIRTH.isoformat()}


def death_claim(policy_number: str, insured: dict, **changes: str) -> dict:
    return {
        "policy_number": policy_number,
        "insured_id_number": insured["id_number"],
        "coverage_code": "death",
        "loss_date": today().isoformat(),
        "description": "The insured died of a heart attack at home",
        "bank_account": BENEFICIARY_ACCOUNT,
        **changes,
    }


def test_a_named_beneficiary_claims_their_share_to_their_own_account_and_sees_only_that_claim(api):
    insured, spouse, child = person(api, "王建国"), person(api, "李秀英"), person(api, "王小明")
    stranger = person(api, "张伟")  # knows the policy number and the insured's ID number, but is not named
    named = [
        {"name": spouse["name"], "relation": "spouse", "share": "60"},
        {"name": child["name"], "relation": "child", "share": "40"},
    ]
    policy = insured_with_beneficiaries(api, insured, named)
    number = policy["number"]

    # a stranger, a wrong ID number, the policyholder's own ID as someone else: 404, nothing stored
    for who, body in (
        (stranger, death_claim(number, insured)),
        (spouse, death_claim(number, insured, insured_id_number=stranger["id_number"])),
        (spouse, death_claim("P" + "0" * 13, insured)),
    ):
        r = api.post("/death-claims", json=body, headers=auth(who))
        assert r.status_code == 404 and r.json()["code"] == "policy_not_found", r.text
    r = api.post("/death-claims", json=death_claim(number, insured, bank_account="12"), headers=auth(spouse))
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["bank_account"]
    assert db(Claim.count().where(Claim.policy.number == number)) == 0

    # the spouse (60 %) files: the claim is theirs, for their share of the 500,000 CNY death benefit
    r = api.post("/death-claims", json=death_claim(number, insured), headers=auth(spouse))
    assert r.status_code == 201, r.text
    claim = r.json()
    assert claim["benefit_kind"] == "death" and claim["amount"] == "300000.00" and claim["policy_number"] == number
    row = db(BeneficiaryClaim.select().where(BeneficiaryClaim.claim.number == claim["number"]).first())
    assert row["account_last4"] == "4567" and row["account_token"] and BENEFICIARY_ACCOUNT not in str(row)

    # the spouse sees that claim and no more of the policy; the insured's account and the child do not see it
    assert [c["number"] for c in api.get("/claims", headers=auth(spouse)).json()] == [claim["number"]]
    assert api.get(f"/claims/{claim['number']}", headers=auth(spouse)).status_code == 200
    assert api.get(f"/policies/{number}", headers=auth(spouse)).status_code == 404
    for other in (child, stranger):
        assert api.get(f"/claims/{claim['number']}", headers=auth(other)).status_code == 404
    with web_session(api, spouse["email"]) as web:
        page = web.get(f"/claims/{claim['number']}").text
        assert claim["number"] in page and f'href="/policies/{number}"' not in page  # not their policy

    # the spouse gives the documents a death claim needs (their ID, the insured's, the death certificate, the
    # proof of relationship); approved, the benefit goes to the spouse's own account, not the policy's
    assert complete(api, spouse, claim["number"])["documents"]["missing"] == []
    claim = wait_for(
        lambda: api.get(f"/claims/{claim['number']}", headers=staff(api, ADMIN)).json(),
        lambda c: c["status"] not in ("submitted", "assessing"),
        timeout=60,
    )
    if claim["status"] == "referred":
        r = api.post(
            f"/claims/{claim['number']}/decision",
            json={"outcome": "approve", "amount": claim["review"]["payable"], "reason": "Death certificate checked"},
            headers=staff(api, ADMIN),
        )
        assert r.status_code == 200, r.text
    paid = wait_for(
        lambda: api.get(f"/claims/{claim['number']}", headers=auth(spouse)).json(),
        lambda c: c["status"] in ("paid", "denied"),
        timeout=60,
    )
    assert paid["status"] == "paid", paid
    assert paid["payout"]["account_last4"] == "4567"  # the policy's account ends 3445
    claim_id = db(Claim.select(Claim.id).where(Claim.number == claim["number"]).first())["id"]
    assert db(Payout.select(Payout.account_last4).where(Payout.payout_key == f"claim:{claim_id}").first()) == {
        "account_last4": "4567"
    }


def test_the_policyholder_claims_for_the_legal_heirs_on_the_page_and_a_stranger_is_refused(api):
    holder, stranger = person(api, "赵丽"), person(api, "钱强")
    policy = insured_with_beneficiaries(api, holder, [])  # no one named: the legal heirs
    number = policy["number"]
    with web_session(api, stranger["email"]) as web:
        form = web.get("/claims/death").text
        fields = {"policy_number": number, "insured_id_number": holder["id_number"]}
        r = web.post("/claims/death", data={**fields, "_csrf_token": csrf_token(form)})
        assert r.status_code == 404
    with web_session(api, holder["email"]) as web:
        form = web.get("/claims/death").text
        assert "resident ID number" in form
        r = web.post("/claims/death", data={**fields, "_csrf_token": csrf_token(form)})
        assert r.status_code == 200 and "Date of death" in r.text and 'id="benefit-pays"' in r.text
        token = r.text.split('name="request_token" value="')[1].split('"')[0]
        claim = {
            **fields,
            "request_token": token,
            "coverage_code": "death",
            "loss_date": today().isoformat(),
            "description": "The insured died in a road accident",
            "bank_account": "62170000",
        }
        r = web.post("/claims/death/file", data={**claim, "_csrf_token": csrf_token(r.text)})
        assert r.status_code == 422 and 'id="bank_account-error"' in r.text
        assert db(Claim.count().where(Claim.policy.number == number)) == 0
        r = web.post(
            "/claims/death/file", data={**claim, "bank_account": BENEFICIARY_ACCOUNT, "_csrf_token": csrf_token(r.text)}
        )
        assert r.status_code in (302, 303), r.text[:600]
    [filed] = api.get("/claims", headers=auth(holder)).json()
    assert filed["amount"] == "500000.00" and filed["benefit_kind"] == "death"
