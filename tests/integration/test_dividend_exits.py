"""Issue 11 (H4) over HTTP against the real stack: the dividend option chosen at application and shown on the
policy, and a participating policy's account paid out with its surrender, part by part, in one transfer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from insure.accounts.balances import balances
from insure.accounts.tables import AccountEntry
from insure.ledger import entries
from insure.ledger import services as ledger
from insure.ledger.tables import JournalEntry, JournalLine
from insure.policies.tables import Policy

from .helpers import GOOD_CARD, application_body, apply, auth, db, register, travel, wait_for, web_session


def _quote(api, customer, product: str = "endow_par_changan") -> str:
    r = api.post(
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
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_the_option_is_asked_for_checked_kept_on_the_policy_and_shown(api):
    customer = register(api)
    quote = _quote(api, customer)
    wrong = api.post(
        "/applications", json=application_body(api, quote, dividend_option="lottery"), headers=auth(customer)
    )
    assert wrong.status_code == 422, wrong.text
    assert [(e["field"], e["code"]) for e in wrong.json()["errors"]] == [("dividend_option", "option_not_offered")]

    app = apply(api, customer, quote, dividend_option="accumulate")
    assert app["dividend_option"] == "accumulate"
    policy = api.get(f"/policies/{app['policy_number']}", headers=auth(customer)).json()
    assert policy["dividend_option"] == "accumulate"

    # none chosen: the product's default; the form offers the options with the default preselected
    default = apply(api, customer, _quote(api, customer))
    got = api.get(f"/policies/{default['policy_number']}", headers=auth(customer)).json()["dividend_option"]
    assert got in ("cash", "premium_offset", "accumulate", "paid_up_additions")

    with web_session(api, customer["email"]) as web:
        form = web.get(f"/quotes/{_quote(api, customer)}/apply").text
        assert 'name="dividend_option"' in form and "earns interest at the declared rate" in form
        page = web.get(f"/policies/{app['policy_number']}").text
        assert "Dividend option" in page and "accumulate at interest" in page
        zh = web.get(f"/policies/{app['policy_number']}?lang=zh_CN").text
        assert "红利领取方式" in zh and "累积生息" in zh


def _give_the_account(policy_number: str, fen: int) -> int:
    """Dividends held in the account, as a credited dividend leaves them (entry + control account)."""
    row = db(Policy.select(Policy.id).where(Policy.number == policy_number).first())
    pid = row["id"]
    db(
        AccountEntry.insert(
            AccountEntry(
                entry_key=f"test-dividend:{pid}",
                policy=pid,
                kind="dividend",
                bucket="accumulated",
                amount_fen=fen,
                on=date.today(),
            )
        )
    )
    db(
        ledger.post(
            f"test-dividend:{pid}",
            "a dividend credited (test)",
            "policy",
            pid,
            entries.transfer(entries.POLICYHOLDER_DIVIDENDS, entries.DIVIDENDS_ACCUMULATED, fen),
        )
    )
    return pid


def test_a_surrender_pays_the_account_with_the_guaranteed_value_in_one_transfer(api):
    customer = register(api)
    app = apply(api, customer, _quote(api, customer), dividend_option="accumulate")
    number = app["policy_number"]
    api.post(
        f"/policies/{number}/payments", json=GOOD_CARD, headers={**auth(customer), "Idempotency-Key": f"a{number}"}
    )
    wait_for(
        lambda: api.get(f"/policies/{number}", headers=auth(customer)).json(),
        lambda p: p["delivered_at"] is not None,
        timeout=60,
    )
    travel(api, 360)
    r = api.post(
        f"/policies/{number}/payments", json=GOOD_CARD, headers={**auth(customer), "Idempotency-Key": f"b{number}"}
    )
    assert r.status_code == 202, r.text
    wait_for(
        lambda: api.get(f"/policies/{number}/schedule", headers=auth(customer)).json()[1]["status"],
        lambda status: status == "paid",
    )
    travel(api, 10)
    pid = _give_the_account(number, 10_000)  # 100.00 CNY held

    quote = api.get(f"/policies/{number}/surrender-value", headers=auth(customer)).json()
    parts = {p["code"]: Decimal(p["amount"]) for p in quote["parts"]}
    assert parts["accumulated"] == Decimal("100.00")
    assert parts["guaranteed"] > 0 and parts["interest"] > 0  # the days' interest since the last anniversary
    assert sum(parts.values()) == Decimal(quote["cash_value"])

    with web_session(api, customer["email"]) as web:
        page = web.get(f"/policies/{number}/surrender").text
        assert "Dividends held in the account" in page and "Total surrender value" in page

    done = api.post(f"/policies/{number}/surrender", headers=auth(customer))
    assert done.status_code == 200, done.text
    assert done.json()["cash_value"] == quote["cash_value"]
    payouts = wait_for(
        lambda: api.get(f"/policies/{number}/payouts", headers=auth(customer)).json(),
        lambda ps: ps and ps[0]["status"] == "succeeded",
    )
    assert [(p["reason"], p["amount"]) for p in payouts] == [("surrender", quote["cash_value"])]

    # the account is empty and its control account released; surrender values keep the guaranteed part
    held = db(balances(pid))
    assert held["accumulated"] == 0
    assert held["paid_out"] == round((Decimal(quote["cash_value"]) - parts["guaranteed"]) * 100)
    exit_entry = db(JournalEntry.select(JournalEntry.id).where(JournalEntry.idempotency_key == f"account_exit:{pid}"))
    lines = db(
        JournalLine.select(
            JournalLine.account.code.as_alias("code"), JournalLine.debit_fen, JournalLine.credit_fen
        ).where(JournalLine.entry == exit_entry[0]["id"])
    )
    net = {line["code"]: line["debit_fen"] - line["credit_fen"] for line in lines}
    assert net[entries.DIVIDENDS_ACCUMULATED] == 10_000
    account_part = round((Decimal(quote["cash_value"]) - parts["guaranteed"]) * 100)
    assert net[entries.SURRENDER_VALUES] == -account_part
