"""`make run` opens on participating accounts several years old: the demo seed (run by the stack's boot as
`insure run` runs it) leaves the demo customer a policy with dividends credited over the years and notices that
open, the actuaries a declaration waiting for the chief actuary's approval, control accounts that agree with the
policy accounts, and seeding again adds nothing."""

from __future__ import annotations

from datetime import date

import pytest

from insure.accounts.balances import balances_many
from insure.accounts.model import AllocationStatus, DeclarationStatus
from insure.accounts.seed_accounts import CHANGAN, HUAXIA, SALES
from insure.accounts.tables import AccountEntry, Declaration, DividendAllocation
from insure.auth.tables import User
from insure.ledger import services as ledger
from insure.ledger.entries import DIVIDENDS_ACCUMULATED
from insure.payments.tables import Payout
from insure.policies.tables import Instalment, Policy
from insure.seed import DEMO_CUSTOMER, DEMO_PASSWORD

from .helpers import db, web_session

pytestmark = pytest.mark.integration

PARTICIPATING = sorted({s.product for s in SALES})


def _user(email: str) -> dict:
    return db(User.select().where(User.email == email).first())


def _demo_policies() -> list[dict]:
    return db(
        Policy.select()
        .where(
            Policy.product_code.is_in(PARTICIPATING) & (Policy.customer.is_in([_user(s.customer)["id"] for s in SALES]))
        )
        .order_by(Policy.id)
    )


def test_the_demo_customer_has_an_account_years_old_with_dividends_credited_and_notices_that_open(api):
    customer = _user(DEMO_CUSTOMER.email)
    mine = [p for p in _demo_policies() if p["customer"] == customer["id"]]
    assert {p["product_code"] for p in mine} >= {"wl_par_changan", "endow_par_huaxia", "wl_bonus_changan"}
    oldest = mine[0]
    # several policy years old (its status is left alone: other tests of this shared stack move the demo clock
    # years ahead, and a jump longer than the grace period lapses an annual-premium policy before it is collected)
    assert oldest["anniversaries_announced"] >= 3
    credited = db(
        DividendAllocation.select(DividendAllocation.declaration.number.as_alias("declaration"))
        .where((DividendAllocation.policy == oldest["id"]) & (DividendAllocation.status == AllocationStatus.CREDITED))
        .order_by(DividendAllocation.id)
    )
    assert len(credited) >= 2
    with web_session(api, DEMO_CUSTOMER.email, DEMO_PASSWORD) as web:
        account = web.get(f"/policies/{oldest['number']}/account")
        assert account.status_code == 200, account.text
        assert credited[0]["declaration"] in account.text  # the notices are listed on the account page
        notice = web.get(f"/policies/{oldest['number']}/dividend-notices/{credited[-1]['declaration']}")
        assert notice.status_code == 200, notice.text
        assert "not guaranteed" in notice.text


def test_every_option_and_a_bonus_product_did_its_work_over_the_years(stack):
    policies = _demo_policies()
    assert {p["dividend_option"] for p in policies} >= {"cash", "premium_offset", "accumulate", "paid_up_additions"}
    kinds = {
        e["kind"]
        for e in db(
            AccountEntry.select(AccountEntry.kind).where(AccountEntry.policy.is_in([p["id"] for p in policies]))
        )
    }
    assert kinds >= {"dividend", "interest", "pua_purchase", "bonus", "premium_offset", "cash_paid", "withdrawal"}
    # the billing jobs collected every annual premium that fell due while the seed walked through the years
    # (read up to the day the stack was seeded: later tests of this shared stack move its clock ahead)
    unpaid = db(
        Instalment.select(Instalment.id).where(
            Instalment.policy.is_in([p["id"] for p in policies])
            & (Instalment.due_date <= date.today())
            & (Instalment.status == "due")
        )
    )
    assert unpaid == []


def test_the_actuaries_find_a_declaration_waiting_for_the_chief_actuarys_approval(api):
    declarations = db(  # the demo funds only: other tests of this shared stack declare funds of their own
        Declaration.select()
        .where(Declaration.insurer_code.is_in([CHANGAN, HUAXIA]))
        .order_by(Declaration.year, Declaration.insurer_code)
    )
    posted = {(d["insurer_code"], d["year"]) for d in declarations if d["status"] == DeclarationStatus.POSTED}
    assert {insurer for insurer, _ in posted} == {CHANGAN, HUAXIA} and len(posted) >= 4
    actuary = _user("actuary@insure.test")["id"]
    waiting = [d for d in declarations if d["status"] == DeclarationStatus.PREPARED and d["prepared_by"] == actuary]
    assert len(waiting) == 1 and waiting[0]["insurer_code"] == CHANGAN
    assert waiting[0]["prepared_by"] == _user("actuary@insure.test")["id"]
    with web_session(api, "chief.actuary@insure.test", DEMO_PASSWORD) as web:
        page = web.get("/staff/dividends")
        assert page.status_code == 200 and waiting[0]["number"] in page.text


def test_the_control_account_equals_the_accumulated_dividends_of_every_account(stack):
    ids = [p["id"] for p in db(Policy.select(Policy.id))]
    held = sum(b["accumulated"] for b in db(balances_many(ids)).values())
    assert held > 0
    # dividends paid out in cash stay in the control account until the gateway confirms the payout
    in_flight = sum(
        p["amount_fen"]
        for p in db(
            Payout.select(Payout.amount_fen).where((Payout.reason == "dividend") & (Payout.status == "pending"))
        )
    )
    # a liability: its credit balance (the trial balance is debit minus credit)
    assert -db(ledger.trial_balance()).get(DIVIDENDS_ACCUMULATED, 0) == held + in_flight


def test_seeding_again_adds_nothing(stack):
    def counts() -> tuple[int, ...]:
        return (
            len(_demo_policies()),
            db(Declaration.count()),
            db(DividendAllocation.count()),
            db(AccountEntry.count()),
        )

    before = counts()
    done = stack.cli("seed")
    assert "demo participating accounts already there" in done.stdout, done.stdout
    assert counts() == before
