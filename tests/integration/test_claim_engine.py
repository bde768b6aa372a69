"""The decision engine over HTTP with the real worker (issue 10): a small claim is paid straight through with its
calculation and rule set recorded; a claim automation cannot settle is referred with its reasons in plain words
and assigned by skill; a stricter candidate rule set, backtested from the CLI and the API, shows the decision it
would change — and changes nothing."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest

from claims.tables import Claim, ClaimsStaff
from insure.auth.tables import User
from insure.seed import DEMO_PASSWORD

from .claim_helpers import filed, invoice
from .helpers import auth, buy_policy, db, register, today, wait_for, web_session

pytestmark = pytest.mark.integration

SHIPPED_VERSION = "2026-11-01"


def staff(api, email: str) -> dict[str, str]:
    r = api.post("/auth/token", json={"email": email, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def settled(api, customer: dict, number: str, statuses: tuple[str, ...]) -> dict:
    return wait_for(
        lambda: api.get(f"/claims/{number}", headers=auth(customer)).json(),
        lambda c: c["status"] in statuses,
        timeout=60,
    )


def stricter_rules() -> str:
    """The shipped rule set with pa_basic's straight-through threshold at 0: nothing on it goes straight through."""
    from claims.ruleset import RULESETS_DIR

    text = (RULESETS_DIR / f"{SHIPPED_VERSION}.toml").read_text(encoding="utf-8")
    return (
        text.replace(f'version = "{SHIPPED_VERSION}"', 'version = "candidate-strict"')
        + "\n[products.pa_basic]\nstraight_through_threshold = 0\n"
    )


@pytest.fixture(scope="module")
def straight_through(stack) -> tuple[dict, dict]:
    """A small accident-medical claim filed by a new customer and paid straight through by the worker."""
    with httpx.Client(base_url=stack.base_url + "/api/v1", timeout=15) as api:
        customer = register(api)
        policy = buy_policy(api, customer)
        claim = filed(api, customer, policy["number"], "accidental_medical", "800")
        return customer, settled(api, customer, claim["number"], ("paid", "referred"))


def test_a_small_claim_is_paid_straight_through_with_its_calculation_and_rule_set(api, straight_through):
    _, claim = straight_through
    assert claim["status"] == "paid"
    # (800 − 100 deductible) × 90 % co-insurance, within the limits
    assert claim["approved_amount"] == "630.00"
    steps = dict((s["step"], s["amount"]) for s in claim["calculation"])
    assert (steps["billed"], steps["deductible"], steps["insurer_share"], steps["payable"]) == (
        "800.00",
        "100.00",
        "630.00",
        "630.00",
    )
    assert claim["payout"]["status"] == "succeeded"
    assert all(rule["passed"] for rule in claim["assessment"])
    assert claim["review"] is None  # the customer never sees the fraud signals

    admin = staff(api, "admin@insure.test")
    seen = api.get(f"/claims/{claim['number']}", headers=admin).json()
    assert seen["review"]["ruleset_version"] == SHIPPED_VERSION
    assert seen["review"]["fraud_score"] < 30
    assert {s["code"] for s in seen["review"]["signals"]} >= {"duplicate_invoice", "shared_bank_account"}
    assert seen["review"]["referral_reasons"] == []


def test_a_claim_automation_cannot_settle_is_referred_with_reasons_and_assigned_by_skill(api):
    adjusters = db(User.select(User.id, User.email).where((User.role == "adjuster") & (User.is_active.eq(True))))
    before = {r["user"]: r for r in db(ClaimsStaff.select())}
    li = next(a["id"] for a in adjusters if a["email"] == "adjuster2@insure.test")
    try:
        # given only Li handles accident death and disability claims
        for a in adjusters:
            skills = ["accident_death_disability"] if a["id"] == li else ["medical", "death"]
            if a["id"] in before:
                db(ClaimsStaff.update({ClaimsStaff.skills: json.dumps(skills)}).where(ClaimsStaff.user == a["id"]))
            else:
                db(ClaimsStaff.insert(ClaimsStaff(user=a["id"], skills=json.dumps(skills))))
        customer = register(api)
        policy = buy_policy(api, customer)
        # when a disability claim of 8,000 CNY (above the 5,000 CNY automatic limit) is filed
        claim = filed(api, customer, policy["number"], "accidental_death_disability", "8000")
        claim = settled(api, customer, claim["number"], ("approved", "paid", "referred"))
    finally:
        for a in adjusters:
            if a["id"] in before:
                db(
                    ClaimsStaff.update({ClaimsStaff.skills: before[a["id"]]["skills"]}).where(
                        ClaimsStaff.user == a["id"]
                    )
                )
            else:
                db(ClaimsStaff.delete().where(ClaimsStaff.user == a["id"]))

    # then it is referred, and the customer sees which check it did not pass
    assert claim["status"] == "referred"
    failed = [rule["code"] for rule in claim["assessment"] if not rule["passed"]]
    assert failed == ["within_straight_through_limit"]
    # and it went to Li, the adjuster with the skill, with the reasons recorded for staff
    row = db(Claim.select(Claim.assigned_to).where(Claim.number == claim["number"]).first())
    assert row["assigned_to"] == li
    review = api.get(f"/claims/{claim['number']}", headers=staff(api, "admin@insure.test")).json()["review"]
    reasons = review["referral_reasons"]
    assert any("above the automatic settlement limit of 5,000.00 CNY" in r for r in reasons)
    assert any(r.startswith("Assigned to 李理赔 Li") and "handles accident_death_disability" in r for r in reasons)


def test_a_stricter_candidate_backtested_from_the_cli_and_the_api_changes_the_decision_and_nothing_else(
    api, stack, straight_through, tmp_path
):
    _, claim = straight_through
    admin = staff(api, "admin@insure.test")
    before = db(
        Claim.select(Claim.status, Claim.ruleset_version, Claim.updated_at)
        .where(Claim.number == claim["number"])
        .first()
    )

    # the rule set in force against itself changes nothing
    r = api.get("/admin/claims/backtest", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["changed"] == 0 and r.json()["candidate"]["version"] == SHIPPED_VERSION

    # a candidate that refers every pa_basic claim: the straight-through claim would be referred
    r = api.post("/admin/claims/backtest", json={"rules": stricter_rules()}, headers=admin)
    assert r.status_code == 200, r.text
    report = r.json()
    row = next(row for row in report["rows"] if row["number"] == claim["number"])
    assert (row["current_outcome"], row["candidate_outcome"]) == ("approve", "refer")
    assert row["payout_difference"] == "-630.00"
    assert any("threshold 0" in reason for reason in row["candidate_reasons"])
    assert report["candidate"]["straight_through"] < report["current"]["straight_through"]

    # the same from the command line
    candidate = tmp_path / "candidate.toml"
    candidate.write_text(stricter_rules(), encoding="utf-8")
    out = stack.cli("claims", "backtest", "--rules", str(candidate)).stdout
    assert "-> candidate-strict" in out
    assert any(claim["number"] in line and "approve -> refer" in line for line in out.splitlines())

    # a broken candidate is refused naming the field; customers may not backtest
    broken = stricter_rules().replace("percent = 10", "percent = 150")
    r = api.post("/admin/claims/backtest", json={"rules": broken}, headers=admin)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "rules"
    assert "defaults.signals.just_under_limit.percent" in r.json()["errors"][0]["message"]
    failed = stack.cli("claims", "backtest", "--rules", str(_write(tmp_path, broken)), check=False)
    assert failed.returncode != 0 and "defaults.signals.just_under_limit.percent" in failed.stderr
    assert api.get("/admin/claims/backtest", headers=auth(register(api))).status_code == 403
    unknown = api.get("/admin/claims/backtest", params={"ruleset": "2099-01-01.toml"}, headers=admin)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "ruleset"
    assert api.get("/admin/claims/backtest", params={"ruleset": f"{SHIPPED_VERSION}.toml"}, headers=admin).is_success

    # and nothing was changed by any of it
    after = db(
        Claim.select(Claim.status, Claim.ruleset_version, Claim.updated_at)
        .where(Claim.number == claim["number"])
        .first()
    )
    assert after == before


def test_the_backtest_page_shows_the_changed_decisions_to_an_admin(api, straight_through):
    _, claim = straight_through
    with web_session(api, "admin@insure.test", DEMO_PASSWORD) as web:
        page = web.get("/staff/claims/backtest")
        assert page.status_code == 200 and SHIPPED_VERSION in page.text
        token = page.text.split('name="_csrf_token" value="')[1].split('"')[0]
        r = web.post(
            "/staff/claims/backtest",
            files={"upload": ("candidate.toml", stricter_rules().encode(), "text/plain")},
            data={"_csrf_token": token, "rules": ""},
        )
        assert r.status_code == 200, r.text[-2000:]
        assert claim["number"] in r.text and "candidate-strict" in r.text
        bad = web.post(
            "/staff/claims/backtest",
            files={"upload": ("x.toml", b"version = 3", "text/plain")},
            data={"_csrf_token": token},
        )
        assert bad.status_code == 422 and "version" in bad.text


def _write(tmp_path, text: str):
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_same_invoice_on_two_customers_claims_refers_the_second_with_the_signal_explained(api):
    # given a first customer paid straight through for a hospital invoice
    first, second = register(api), register(api)
    number = f"FP{secrets.token_hex(5).upper()}"
    bill = invoice("600", today().isoformat(), number=number, issuer="Shanghai Ruijin Hospital")
    one = filed(api, first, buy_policy(api, first)["number"], "accidental_medical", invoices=[bill])
    assert settled(api, first, one["number"], ("paid", "referred"))["status"] == "paid"

    # when an unrelated customer claims with the same invoice (number and issuer, any spelling of the number)
    copy = {**bill, "number": number.lower()[:4] + "-" + number[4:]}
    two = filed(api, second, buy_policy(api, second)["number"], "accidental_medical", invoices=[copy])
    claim = settled(api, second, two["number"], ("paid", "referred"))

    # then nothing is paid automatically: an adjuster sees the signal with both claims named
    assert claim["status"] == "referred" and claim["payout"] is None
    seen = api.get(f"/claims/{two['number']}", headers=staff(api, "admin@insure.test")).json()["review"]
    fired = {s["code"]: s for s in seen["signals"] if s["fired"]}
    assert "duplicate_invoice" in fired and one["number"] in fired["duplicate_invoice"]["explanation"]
    assert seen["fraud_score"] >= 30 and any("invoice" in reason for reason in seen["referral_reasons"])
    # and the first claim, assessed before the second existed, stays as it was
    assert api.get(f"/claims/{one['number']}", headers=auth(first)).json()["status"] == "paid"
