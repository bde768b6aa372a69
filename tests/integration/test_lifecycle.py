"""The policy after issue: e-delivery of the schedule, and the free-look period (犹豫期)."""

from __future__ import annotations

import email
import re
from datetime import date
from decimal import Decimal
from email import policy as email_policy
from pathlib import Path

import httpx
import pytest

from insure.ledger import entries
from insure.ledger.tables import JournalLine
from insure.seed import DEMO_PASSWORD
from tests.conftest import RUN_DIR

from .helpers import GOOD_CARD, PASSWORD, apply, auth, csrf_token, db, register, today, travel, wait_for, web_session

pytestmark = pytest.mark.integration


def life_policy(api, customer, card=GOOD_CARD, product: str = "endow_par_changan") -> dict:
    """A participating endowment (15 free-look days), bought, paid and e-delivered."""
    q = api.post(
        "/quotes",
        json={
            "product_code": product,
            "channel": "direct" if product == "endow_par_changan" else "platform",
            "birth_date": customer["birth_date"],
            "sex": "female",
            "sum_insured": "100000",
            "policy_term": "10",
            "premium_term": "policy_term",
        },
    ).json()
    app = apply(api, customer, q["id"])
    number = app["policy_number"]
    api.post(f"/policies/{number}/payments", json=card, headers={**auth(customer), "Idempotency-Key": f"fl-{number}"})
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

    # an insurer whose product states a small cost (工本费, 10 CNY in its file) keeps just that
    huaxia = life_policy(api, customer, product="endow_par_huaxia")
    r = api.post(f"/policies/{huaxia['number']}/free-look-cancellation", headers=auth(customer))
    assert r.status_code == 200, r.text
    refunds = wait_for(
        lambda: api.get(f"/policies/{huaxia['number']}/refunds", headers=auth(customer)).json(),
        lambda rs: rs and all(x["status"] == "succeeded" for x in rs),
    )
    assert [Decimal(x["amount"]) for x in refunds] == [Decimal(huaxia["annual_premium"]) - 10]


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


SAVED_CARD_DECLINES_LATER = {**GOOD_CARD, "card_number": "4000 0000 0000 0341"}  # first charge ok, then declined


def monthly_policy(api, customer, card=GOOD_CARD) -> dict:
    q = api.post(
        "/quotes",
        json={
            "product_code": "wl_par_huaxia",
            "birth_date": customer["birth_date"],
            "sex": "female",
            "sum_insured": "200000",
            "policy_term": "whole_life",
            "premium_term": "20",
            "frequency": "monthly",
        },
    ).json()
    number = apply(api, customer, q["id"])["policy_number"]
    api.post(f"/policies/{number}/payments", json=card, headers={**auth(customer), "Idempotency-Key": f"m-{number}"})
    return wait_for(
        lambda: api.get(f"/policies/{number}", headers=auth(customer)).json(), lambda p: p["status"] == "in_force"
    )


def billing_run() -> dict[str, int]:
    """What beat runs every minute: due notices and lapses (run here so the test need not wait for it)."""
    from insure.policies import premiums

    today()  # this process's clock follows the stack's demo clock
    return db(premiums.scan())


def test_premiums_are_collected_automatically_from_the_saved_card(api):
    customer = register(api)
    policy = monthly_policy(api, customer)
    schedule = api.get(f"/policies/{policy['number']}/schedule", headers=auth(customer)).json()
    travel(api, (date.fromisoformat(schedule[1]["due_date"]) - today()).days)  # the second premium is due today
    billing_run()  # (beat may have run it first: the outcome is what counts)
    paid = wait_for(
        lambda: api.get(f"/policies/{policy['number']}/schedule", headers=auth(customer)).json()[1],
        lambda inst: inst["status"] == "paid",
    )
    assert paid["status"] == "paid" and paid["due_date"] == schedule[1]["due_date"]
    payments = api.get(f"/policies/{policy['number']}/payments", headers=auth(customer)).json()
    assert [p["status"] for p in payments] == ["succeeded", "succeeded"]  # the automatic charge, then the first


def test_a_monthly_policy_misses_a_premium_lapses_after_grace_and_is_reinstated_with_interest(api):
    customer, other = register(api), register(api)
    policy = monthly_policy(api, customer, card=SAVED_CARD_DECLINES_LATER)
    second = monthly_policy(
        api, other, card=SAVED_CARD_DECLINES_LATER
    )  # lapses alongside; its reinstatement is declined
    schedule = api.get(f"/policies/{policy['number']}/schedule", headers=auth(customer)).json()
    assert len(schedule) == 20 * 12 and schedule[0]["status"] == "paid"
    assert {i["amount"] for i in schedule} == {policy_premium(api, customer, policy)}

    # a premium falls due a month after the cover started; a due notice goes out, and the automatic
    # collection from the saved card is declined
    travel(api, (date.fromisoformat(schedule[1]["due_date"]) - today()).days)
    billing_run()
    declined = wait_for(
        lambda: api.get(f"/policies/{policy['number']}/payments", headers=auth(customer)).json()[0],
        lambda p: p["status"] != "pending",
    )
    assert (declined["status"], declined["failure_code"]) == ("failed", "card_declined")
    # in the customer's language, e-mailed by a worker (the billing run queues it through the outbox)
    assert wait_for(lambda: delivered_subject(schedule[1]["due_date"], policy["number"]), bool, timeout=60)
    # still in force during the 60 days of grace …
    travel(api, 55)
    billing_run()
    assert api.get(f"/policies/{policy['number']}", headers=auth(customer)).json()["status"] == "in_force"
    # … and lapsed the day after grace ends
    travel(api, 10)
    billing_run()
    lapsed = api.get(f"/policies/{policy['number']}", headers=auth(customer)).json()
    assert lapsed["status"] == "lapsed"
    plain = api.post(
        f"/policies/{policy['number']}/payments",
        json=GOOD_CARD,
        headers={**auth(customer), "Idempotency-Key": f"late-{policy['number']}"},
    )
    assert plain.status_code == 409 and plain.json()["code"] == "use_reinstatement"

    # (the last automatic attempt, declined, has been answered by the gateway)
    wait_for(
        lambda: api.get(f"/policies/{policy['number']}/payments", headers=auth(customer)).json(),
        lambda ps: all(p["status"] != "pending" for p in ps),
    )
    # reinstatement: every unpaid premium with 5 % simple interest, and a new health declaration
    owed = api.get(f"/policies/{policy['number']}/reinstatement", headers=auth(customer)).json()
    with httpx.Client(base_url=str(api.base_url).removesuffix("/api/v1/"), headers={"Accept-Language": "en"}) as web:
        login = web.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', login.text).group(1)
        web.post("/login", data={"email": customer["email"], "password": PASSWORD, "_csrf_token": token})
        assert "Reinstate" in web.get(f"/policies/{policy['number']}").text
        form = web.get(f"/policies/{policy['number']}/reinstate")
        assert form.status_code == 200 and f"{float(owed['total']):,.2f}" in form.text
    assert len(owed["instalments"]) >= 3 and float(owed["interest"]) > 0
    assert float(owed["total"]) == pytest.approx(float(owed["premiums"]) + float(owed["interest"]))
    questions = api.get("/products/wl_par_huaxia/questionnaire").json()
    # a "yes" on the new declaration goes to an underwriter; nothing is charged meanwhile
    sick = {q["code"]: q["code"] == "hospitalised" for q in questions}
    referred = api.post(
        f"/policies/{policy['number']}/reinstatement",
        json={**GOOD_CARD, "answers": sick},
        headers={**auth(customer), "Idempotency-Key": "r-sick-1"},
    )
    assert referred.status_code == 202, referred.text
    assert referred.json()["declaration"]["status"] == "referred" and referred.json()["payment"] is None
    request_number = referred.json()["declaration"]["number"]
    retried = api.post(  # a retry of the same request (same key) answers the same, declaring nothing new
        f"/policies/{policy['number']}/reinstatement",
        json={**GOOD_CARD, "answers": sick},
        headers={**auth(customer), "Idempotency-Key": "r-sick-1"},
    )
    assert retried.status_code == 202 and retried.json()["declaration"]["number"] == request_number
    again = api.post(
        f"/policies/{policy['number']}/reinstatement",
        json={**GOOD_CARD, "answers": {q["code"]: False for q in questions}},
        headers={**auth(customer), "Idempotency-Key": "r-sick-2"},
    )
    assert again.status_code == 409 and again.json()["code"] == "reinstatement_under_review"
    assert api.get(f"/policies/{policy['number']}", headers=auth(customer)).json()["status"] == "lapsed"
    # the underwriter sees it in the queue with the answers, and accepts it with a reason
    staff = staff_auth(api, "underwriter@insure.test")
    queue = api.get("/reinstatements", headers=staff).json()
    mine = next(r for r in queue if r["number"] == request_number)
    assert mine["policy_number"] == policy["number"] and mine["answers"]["hospitalised"] is True
    assert api.get("/reinstatements", headers=auth(customer)).status_code == 403
    no_reason = api.post(
        f"/reinstatements/{request_number}/decision", json={"outcome": "accept", "reason": ""}, headers=staff
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    with web_session(api, customer["email"]) as web:
        waiting = web.get(f"/policies/{policy['number']}/reinstate").text
        assert "is with an underwriter" in waiting and "card_number" not in waiting
    with web_session(api, "underwriter@insure.test", DEMO_PASSWORD) as web:
        assert request_number in web.get("/underwriting").text
        review = web.get(f"/underwriting/reinstatements/{request_number}")
        assert review.status_code == 200 and "admitted to hospital" in review.text
        done = web.post(
            f"/underwriting/reinstatements/{request_number}",
            data={
                "outcome": "accept",
                "reason": "appendicitis in 2025, fully recovered",
                "_csrf_token": csrf_token(review.text),
            },
        )
        assert done.status_code in (302, 303) and done.headers["location"] == "/underwriting"
    decided = api.get(f"/reinstatements/{request_number}", headers=staff).json()
    assert decided["status"] == "accepted" and decided["decided_by"].startswith("underwriter:")
    assert decided["reason"] == "appendicitis in 2025, fully recovered"
    twice = api.post(
        f"/reinstatements/{request_number}/decision",
        json={"outcome": "decline", "reason": "changed my mind"},
        headers=staff,
    )
    assert twice.status_code == 409 and twice.json()["code"] == "not_referred"
    # the policyholder is told by e-mail (in their language: reinstated / 复效)
    assert wait_for(
        lambda: any(delivered_subject(policy["number"], w) for w in ("can be reinstated", "可以复效")), bool
    )
    # on the other lapsed policy the underwriter declines: it stays lapsed, and declaring again does not help
    assert api.get(f"/policies/{second['number']}", headers=auth(other)).json()["status"] == "lapsed"
    charges_before = api.get(f"/policies/{second['number']}/payments", headers=auth(other)).json()
    other_request = api.post(
        f"/policies/{second['number']}/reinstatement",
        json={**GOOD_CARD, "answers": sick},
        headers={**auth(other), "Idempotency-Key": "r2-sick-1"},
    ).json()["declaration"]["number"]
    declined = api.post(
        f"/reinstatements/{other_request}/decision",
        json={"outcome": "decline", "reason": "heart surgery planned next month"},
        headers=staff,
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    retry = api.post(
        f"/policies/{second['number']}/reinstatement",
        json={**GOOD_CARD, "answers": {q["code"]: False for q in questions}},
        headers={**auth(other), "Idempotency-Key": "r2-healthy-1"},
    )
    assert retry.status_code == 409 and retry.json()["code"] == "reinstatement_declined"
    assert "heart surgery planned next month" in retry.json()["detail"]
    assert len(api.get(f"/policies/{second['number']}/payments", headers=auth(other)).json()) == len(charges_before)
    assert api.get(f"/policies/{second['number']}", headers=auth(other)).json()["status"] == "lapsed"
    # the customer now pays the arrears without declaring again
    with web_session(api, customer["email"]) as web:
        assert "Your health declaration was accepted" in web.get(f"/policies/{policy['number']}/reinstate").text
    r = api.post(
        f"/policies/{policy['number']}/reinstatement",
        json=GOOD_CARD,
        headers={**auth(customer), "Idempotency-Key": f"r-{policy['number']}"},
    )
    assert r.status_code == 202, r.text
    assert r.json()["declaration"]["number"] == request_number
    assert r.json()["payment"]["amount"] == owed["total"]
    replay = api.post(
        f"/policies/{policy['number']}/reinstatement",
        json=GOOD_CARD,
        headers={**auth(customer), "Idempotency-Key": f"r-{policy['number']}"},
    )
    assert replay.status_code == 202 and replay.json()["payment"]["id"] == r.json()["payment"]["id"]
    back = wait_for(
        lambda: api.get(f"/policies/{policy['number']}", headers=auth(customer)).json(),
        lambda p: p["status"] == "in_force",
    )
    assert back["status"] == "in_force"
    # a retry that arrives after the gateway reinstated the policy still gets the first answer, not "not lapsed"
    late = api.post(
        f"/policies/{policy['number']}/reinstatement",
        json=GOOD_CARD,
        headers={**auth(customer), "Idempotency-Key": f"r-{policy['number']}"},
    )
    assert late.status_code == 202, late.text
    assert late.json()["payment"]["id"] == r.json()["payment"]["id"]
    assert late.json()["declaration"]["number"] == request_number
    reused = api.post(  # the same key with another card is another request: refused, nothing charged
        f"/policies/{policy['number']}/reinstatement",
        json={**GOOD_CARD, "card_number": "5555 5555 5555 4444"},
        headers={**auth(customer), "Idempotency-Key": f"r-{policy['number']}"},
    )
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    paid = [
        i
        for i in api.get(f"/policies/{policy['number']}/schedule", headers=auth(customer)).json()
        if i["status"] == "paid"
    ]
    assert len(paid) == 1 + len(owed["instalments"])
    interest = db(
        JournalLine.select(JournalLine.credit_fen).where(JournalLine.account.code == entries.REINSTATEMENT_INTEREST)
    )
    assert sum(row["credit_fen"] for row in interest) >= round(float(owed["interest"]) * 100)


def staff_auth(api, email: str) -> dict[str, str]:
    token = api.post("/auth/token", json={"email": email, "password": DEMO_PASSWORD}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def policy_premium(api, customer, policy) -> str:
    payments = api.get(f"/policies/{policy['number']}/payments", headers=auth(customer)).json()
    return payments[0]["amount"]


def mail_subjects() -> list[str]:
    """The subject of every e-mail the stack has written (files under its mail folder)."""
    folder = Path(RUN_DIR, "mail")
    return [
        email.message_from_bytes(p.read_bytes(), policy=email_policy.default)["Subject"] for p in folder.glob("*.eml")
    ]


def delivered_subject(*texts: str) -> bool:
    return any(all(text in subject for text in texts) for subject in mail_subjects())


def test_surrender_pays_the_guaranteed_cash_value_and_an_endowment_matures(api):
    customer = register(api)
    policy = life_policy(api, customer)  # 10-year participating endowment, annual premium
    legacy = life_policy(api, customer)  # the same, issued before bank accounts were tokenised (see below)
    inside = api.post(f"/policies/{policy['number']}/surrender", headers=auth(customer))
    assert inside.status_code == 409 and inside.json()["code"] == "use_free_look"
    # pay the second year's premium when it falls due, then surrender in the third year
    travel(api, 360)
    r = api.post(
        f"/policies/{policy['number']}/payments",
        json=GOOD_CARD,
        headers={**auth(customer), "Idempotency-Key": f"y2-{policy['number']}"},
    )
    assert r.status_code == 202, r.text
    wait_for(
        lambda: api.get(f"/policies/{policy['number']}/schedule", headers=auth(customer)).json()[1]["status"],
        lambda status: status == "paid",
    )
    travel(api, 10)
    quote_value = api.get(f"/policies/{policy['number']}/surrender-value", headers=auth(customer)).json()
    assert quote_value["completed_policy_years"] == 1 and float(quote_value["cash_value"]) > 0
    done = api.post(f"/policies/{policy['number']}/surrender", headers=auth(customer))
    assert done.status_code == 200, done.text
    assert done.json()["policy"]["status"] == "surrendered"
    assert done.json()["cash_value"] == quote_value["cash_value"]
    again = api.post(f"/policies/{policy['number']}/surrender", headers=auth(customer))
    assert again.status_code == 409 and again.json()["code"] == "not_surrenderable"
    # the cash value goes to the bank account through the gateway, and is booked when the gateway confirms
    payouts = wait_for(
        lambda: api.get(f"/policies/{policy['number']}/payouts", headers=auth(customer)).json(),
        lambda ps: ps and ps[0]["status"] == "succeeded",
    )
    assert [(p["reason"], p["amount"]) for p in payouts] == [("surrender", quote_value["cash_value"])]
    paid = db(JournalLine.select(JournalLine.debit_fen).where(JournalLine.account.code == entries.SURRENDER_VALUES))
    assert round(float(quote_value["cash_value"]) * 100) in [row["debit_fen"] for row in paid]

    # a policy with no account at the gateway (issued before tokenisation): the cash value is held, not lost …
    from insure.policies.tables import Policy

    db(Policy.update({Policy.bank_account_token: ""}).where(Policy.number == legacy["number"]))
    held = api.post(f"/policies/{legacy['number']}/surrender", headers=auth(customer))
    assert held.status_code == 200, held.text
    url = f"/policies/{legacy['number']}"
    assert [p["status"] for p in api.get(f"{url}/payouts", headers=auth(customer)).json()] == ["on_hold"]
    # … and sent as soon as the customer gives an account, although the policy has ended
    ended = api.post(
        f"{url}/endorsements", json={"kind": "address", "address": "广州市天河区 1 号"}, headers=auth(customer)
    )
    assert ended.status_code == 409 and ended.json()["code"] == "policy_ended"
    account = {"kind": "bank_account", "bank_account": "6217 0000 1111 2222 333"}
    assert api.post(f"{url}/endorsements", json=account, headers=auth(customer)).status_code == 201
    sent = wait_for(
        lambda: api.get(f"{url}/payouts", headers=auth(customer)).json(),
        lambda ps: ps and ps[0]["status"] == "succeeded",
    )
    assert [(p["reason"], p["amount"], p["status"]) for p in sent] == [
        ("surrender", held.json()["cash_value"], "succeeded")
    ]

    # a one-year accident policy cannot be surrendered for a cash value
    other = register(api)
    from .helpers import buy_policy

    accident = buy_policy(api, other)
    no_value = api.get(f"/policies/{accident['number']}/surrender-value", headers=auth(other))
    assert no_value.status_code == 409 and no_value.json()["code"] == "no_cash_value"
    # and when its year is over the billing run expires it
    travel(api, 366)
    billing_run()
    assert api.get(f"/policies/{accident['number']}", headers=auth(other)).json()["status"] == "expired"


def test_endorsements_change_the_policy_and_keep_every_version(api):
    customer = register(api)
    from .helpers import buy_policy

    policy = buy_policy(api, customer)
    url = f"/policies/{policy['number']}/endorsements"
    assert (
        api.post(
            url, json={"kind": "address", "address": "广州市天河区体育西路 100 号"}, headers=auth(customer)
        ).status_code
        == 201
    )
    heirs = {
        "kind": "beneficiaries",
        "beneficiaries": [
            {"name": "李雷", "relation": "spouse", "share": "70"},
            {"name": "李小雷", "relation": "child", "share": "30"},
        ],
    }
    assert api.post(url, json=heirs, headers=auth(customer)).status_code == 201
    bad = api.post(url, json={**heirs, "beneficiaries": heirs["beneficiaries"][:1]}, headers=auth(customer))
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "shares_not_100"
    history = api.get(url, headers=auth(customer)).json()
    assert [h["kind"] for h in history] == ["address", "beneficiaries"]
    assert history[1]["before"] == {"beneficiaries": []} and history[1]["after"]["beneficiaries"][0]["share"] == "70"
    assert all(h["actor"].startswith("user:") and h["at"] for h in history)
    other = register(api)
    assert (
        api.post(url, json={"kind": "address", "address": "somewhere else 1"}, headers=auth(other)).status_code == 404
    )
