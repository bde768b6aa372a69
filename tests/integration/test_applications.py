"""Applications and underwriting over HTTP: instant decisions, counter-offers, referrals to an underwriter within
authority, and the policy that follows — the journey an insurer's back office runs every day."""

from __future__ import annotations

import pytest

from insure.seed import DEMO_PASSWORD

from .helpers import GOOD_CARD, application_body, apply, auth, register, wait_for

pytestmark = pytest.mark.integration


def staff(api, email: str) -> dict[str, str]:
    token = api.post("/auth/token", json={"email": email, "password": DEMO_PASSWORD}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def term_quote(api, customer, sum_insured: str = "500000") -> str:
    r = api.post(
        "/quotes",
        json={
            "product_code": "term_huaxia",
            "birth_date": customer["birth_date"],
            "sex": "female",
            "sum_insured": sum_insured,
            "policy_term": "20",
            "premium_term": "policy_term",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_referral_then_underwriter_loads_then_customer_accepts_pays_and_is_issued(api):
    # given a customer whose health declaration needs a person to look at it (a hospital stay)
    customer = register(api)
    quote_id = term_quote(api, customer)
    body = application_body(api, quote_id)
    body["answers"]["hospitalised"] = True
    app = api.post("/applications", json=body, headers=auth(customer)).json()
    # then it is referred, and the customer is told so in plain words without internal signals
    assert app["status"] == "referred" and app["policy_number"] is None
    assert (
        "underwriter"
        in api.get(f"/applications/{app['number']}", headers={**auth(customer), "Accept-Language": "en"}).json()[
            "reason"
        ]
    )

    # when the underwriter (authority 1,000,000) accepts it with a 50 % extra premium, giving a reason
    underwriter = staff(api, "underwriter@insure.test")
    r = api.post(
        f"/applications/{app['number']}/decision",
        headers=underwriter,
        json={"outcome": "load", "loading": "50", "reason": "Appendectomy in 2024, fully recovered"},
    )
    assert r.status_code == 200, r.text
    offered = r.json()
    assert offered["status"] == "offered" and offered["loading"] == "0.5"
    assert float(offered["annual_premium"]) == pytest.approx(float(app["annual_premium"]) * 1.5, abs=0.01)
    # the customer cannot pay before accepting the revised terms: there is no policy yet
    assert api.get("/policies", headers=auth(customer)).json() == []

    # when the customer accepts, a policy at the loaded premium awaits payment; paying issues it
    accepted = api.post(f"/applications/{app['number']}/accept-terms", headers=auth(customer)).json()
    assert accepted["status"] == "accepted" and accepted["policy_number"]
    policy = api.get(f"/policies/{accepted['policy_number']}", headers=auth(customer)).json()
    assert policy["annual_premium"] == offered["annual_premium"]
    api.post(
        f"/policies/{policy['number']}/payments",
        json=GOOD_CARD,
        headers={**auth(customer), "Idempotency-Key": f"uw-{policy['number']}"},
    )
    issued = wait_for(
        lambda: api.get(f"/policies/{policy['number']}", headers=auth(customer)).json(),
        lambda p: p["status"] == "in_force",
    )
    assert issued["status"] == "in_force"

    # and the decision is on the audit trail (who, what, why), seen by staff with every rule that fired
    audit = api.get(f"/applications/{app['number']}", headers=underwriter).json()
    assert [f["code"] for f in audit["rules_fired"]] == ["health_answers:hospitalised"]


def test_a_decision_above_the_underwriters_authority_needs_a_senior(api):
    customer = register(api)
    quote_id = term_quote(api, customer, sum_insured="2000000")
    body = application_body(api, quote_id)
    body["answers"]["heart"] = True
    app = api.post("/applications", json=body, headers=auth(customer)).json()
    assert app["status"] == "referred"
    decision = {"outcome": "accept", "reason": "Cardiologist report normal"}
    refused = api.post(
        f"/applications/{app['number']}/decision", json=decision, headers=staff(api, "underwriter@insure.test")
    )
    assert refused.status_code == 403 and refused.json()["code"] == "above_authority"
    assert api.get(f"/applications/{app['number']}", headers=auth(customer)).json()["status"] == "referred"
    senior = api.post(
        f"/applications/{app['number']}/decision", json=decision, headers=staff(api, "senior.underwriter@insure.test")
    )
    assert senior.status_code == 200 and senior.json()["status"] == "accepted" and senior.json()["policy_number"]
    # customers cannot decide their own applications
    mine = api.post(f"/applications/{app['number']}/decision", json=decision, headers=auth(customer))
    assert mine.status_code == 403


def test_an_instant_counter_offer_for_a_high_bmi(api):
    customer = register(api)
    app = apply(api, customer, term_quote(api, customer), height_cm=165, weight_kg="82")  # BMI 30.1
    assert app["status"] == "offered" and app["loading"] == "0.25"
    assert [f["code"] for f in app["rules_fired"]] == ["bmi_band"]  # the customer sees why


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (
            {
                "beneficiaries": [
                    {"name": "张伟", "relation": "spouse", "share": "60"},
                    {"name": "张小明", "relation": "child", "share": "30"},
                ],
                "legal_heirs": False,
            },
            "beneficiaries",
            "shares_not_100",
        ),
        ({"consent": False}, "consent", "consent_missing"),
        (
            {"relation": "parent", "insured": {"name": "王芳", "id_number": "110105195001010011"}},
            "insured.id_number",
            "insured_id_invalid",
        ),
        (  # term life is sold for oneself or a spouse only (insurable_relations in its product file)
            {"relation": "parent", "insured": {"name": "王建国", "id_number": "110105195001010135"}},
            "insured.relation",
            "relation_not_offered",
        ),
        ({"height_cm": 0}, "height_cm", "height_invalid"),
        ({"bank_account": "12"}, "bank_account", "bank_account_invalid"),
    ],
)
def test_bad_applications_name_the_field_and_store_nothing(api, change, field, code):
    customer = register(api)
    quote_id = term_quote(api, customer)
    r = api.post("/applications", json=application_body(api, quote_id, **change), headers=auth(customer))
    assert r.status_code == 422, r.text
    assert (field, code) in {(e["field"], e["code"]) for e in r.json()["errors"]}
    assert api.get("/applications", headers=auth(customer)).json() == []


def test_an_unanswered_question_is_refused(api):
    customer = register(api)
    body = application_body(api, term_quote(api, customer))
    body["answers"].pop("cancer")
    r = api.post("/applications", json=body, headers=auth(customer))
    assert r.status_code == 422
    assert ("answers.cancer", "answer_missing") in {(e["field"], e["code"]) for e in r.json()["errors"]}


def test_another_customers_application_is_404(api):
    alice, bob = register(api), register(api)
    app = apply(api, alice, term_quote(api, alice))
    assert api.get(f"/applications/{app['number']}", headers=auth(bob)).status_code == 404
    assert api.post(f"/applications/{app['number']}/accept-terms", headers=auth(bob)).status_code == 404


def test_underwriters_decide_only_referred_applications_and_staff_cannot_apply(api):
    customer = register(api)
    offered = apply(api, customer, term_quote(api, customer), height_cm=165, weight_kg="82")
    assert offered["status"] == "offered"
    # the customer's consent to revised terms cannot be given by an underwriter
    r = api.post(
        f"/applications/{offered['number']}/decision",
        headers=staff(api, "underwriter@insure.test"),
        json={"outcome": "accept", "reason": "looks fine to me"},
    )
    assert r.status_code == 409 and r.json()["code"] == "not_referred"
    # staff accounts have no verified identity to be a policyholder with
    agent_quote = api.post(
        "/quotes", json={"product_code": "pa_basic", "birth_date": "1990-01-01", "sum_insured": "100000"}
    ).json()
    denied = api.post(
        "/applications", json=application_body(api, agent_quote["id"]), headers=staff(api, "underwriter@insure.test")
    )
    assert denied.status_code == 403 and denied.json()["code"] == "customer_account_required"


def test_a_parent_insures_a_child_within_the_regulators_cap_on_a_minors_death_cover(api):
    from datetime import date

    from insure.identity import make_resident_id

    parent = register(api)
    child_birth = date(2022, 6, 1)
    child = {"name": "李小明", "id_number": make_resident_id("310104", child_birth, 7, "male")}

    def quote(sum_insured: str) -> str:
        return api.post(
            "/quotes",
            json={
                "product_code": "endow_par_huaxia",
                "birth_date": child_birth.isoformat(),
                "sex": "male",
                "sum_insured": sum_insured,
                "policy_term": "20",
                "premium_term": "policy_term",
                "channel": "platform",
            },
        ).json()["id"]

    too_much = api.post(
        "/applications",
        json=application_body(api, quote("300000"), relation="child", insured=child, height_cm=105, weight_kg="17"),
        headers=auth(parent),
    )
    assert too_much.status_code == 422
    assert ("sum_insured", "minor_death_cover_cap") in {(e["field"], e["code"]) for e in too_much.json()["errors"]}
    ok = api.post(
        "/applications",
        json=application_body(api, quote("150000"), relation="child", insured=child, height_cm=105, weight_kg="17"),
        headers=auth(parent),
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["relation"] == "child" and ok.json()["insured_name"] == "李小明"


def test_revised_terms_and_unpaid_policies_lapse_with_their_quote(api):
    from insure.policies import premiums

    from .helpers import db, today, travel

    customer = register(api)
    offered = apply(api, customer, term_quote(api, customer), height_cm=165, weight_kg="82")
    assert offered["status"] == "offered"
    other = register(api)
    accepted = apply(api, other, term_quote(api, other))
    assert accepted["status"] == "accepted"  # a policy awaiting payment that is never paid
    travel(api, 31)  # the quotes' 30 days are over
    today()
    db(premiums.scan())
    assert api.get(f"/applications/{offered['number']}", headers=auth(customer)).json()["status"] == "withdrawn"
    unpaid = api.get(f"/policies/{accepted['policy_number']}", headers=auth(other)).json()
    assert unpaid["status"] == "cancelled"
    late = api.post(f"/applications/{offered['number']}/accept-terms", headers=auth(customer))
    assert late.status_code == 409


def test_insuring_an_adult_spouse_needs_their_consent_also_to_change_beneficiaries(api):
    from datetime import date

    from insure.applications.tables import Application
    from insure.identity import make_resident_id
    from insure.payments.tables import SandboxBankAccount
    from insure.policies.tables import Policy

    from .helpers import db

    holder = register(api)
    born = date(1987, 5, 20)
    spouse = {"name": "王丽", "id_number": make_resident_id("110105", born, 8, "female")}
    q = api.post(
        "/quotes",
        json={
            "product_code": "term_huaxia",
            "birth_date": born.isoformat(),
            "sex": "female",
            "sum_insured": "500000",
            "policy_term": "20",
            "premium_term": "policy_term",
        },
    ).json()["id"]
    body = application_body(api, q, relation="spouse", insured=spouse)
    # without the insured's agreement (Insurance Law art. 34) nothing is stored
    refused = api.post("/applications", json=body, headers=auth(holder))
    assert refused.status_code == 422
    assert ("insured_consent", "insured_consent_missing") in {(e["field"], e["code"]) for e in refused.json()["errors"]}
    assert api.get("/applications", headers=auth(holder)).json() == []
    app = api.post("/applications", json={**body, "insured_consent": True}, headers=auth(holder)).json()
    assert app["status"] == "accepted", app
    # the bank account went to the gateway: Insure keeps a token and the last 4 digits, never the number
    stored = db(Application.select().where(Application.number == app["number"]).first())
    assert stored["insured_consent_at"] is not None and stored["bank_account_last4"] == "3445"
    assert stored["bank_account_token"].startswith("ba_") and "6222020200112233445" not in str(stored)
    vault = db(SandboxBankAccount.select().where(SandboxBankAccount.token == stored["bank_account_token"]).first())
    assert vault["last4"] == "3445"
    policy = db(Policy.select().where(Policy.number == app["policy_number"]).first())
    assert policy["bank_account_token"] == stored["bank_account_token"]

    # changing the beneficiaries of the spouse's cover needs the spouse's agreement again (art. 41)
    number = app["policy_number"]
    api.post(
        f"/policies/{number}/payments", json=GOOD_CARD, headers={**auth(holder), "Idempotency-Key": f"sp-{number}"}
    )
    wait_for(lambda: api.get(f"/policies/{number}", headers=auth(holder)).json()["status"], lambda s: s == "in_force")
    url = f"/policies/{number}/endorsements"
    heirs = {"kind": "beneficiaries", "beneficiaries": [{"name": "李明", "relation": "spouse", "share": "100"}]}
    no = api.post(url, json=heirs, headers=auth(holder))
    assert no.status_code == 422 and no.json()["errors"][0]["field"] == "insured_consent"
    yes = api.post(url, json={**heirs, "insured_consent": True}, headers=auth(holder))
    assert yes.status_code == 201, yes.text
    assert isinstance(yes.json()["after"], dict) and isinstance(yes.json()["before"], dict)  # as the schema says
    assert [h["kind"] for h in api.get(url, headers=auth(holder)).json()] == ["beneficiaries"]
    # a new bank account is tokenised too, and the policy now pays out there
    new = api.post(url, json={"kind": "bank_account", "bank_account": "6217 0000 1111 2222 333"}, headers=auth(holder))
    assert new.status_code == 201, new.text
    changed = db(Policy.select().where(Policy.number == app["policy_number"]).first())
    assert changed["bank_account_last4"] == "2333" and changed["bank_account_token"] != policy["bank_account_token"]
    assert "621700001111" not in str(new.json())
