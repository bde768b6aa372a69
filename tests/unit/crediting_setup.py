"""Shared setup of the crediting tests (tests/unit/test_crediting*.py): a participating policy of a real catalog
product, a posted declaration with one policy's declared allocation (written straight into the tables: the
declaration's preparation is built elsewhere, and these tests are about what happens after posting), and the
figures a user would check — account balances, the general ledger, the instalments and the payouts."""

from __future__ import annotations

import secrets
from datetime import date

from insure.accounts.balances import balances
from insure.accounts.model import AllocationStatus, Bucket, DeclarationStatus
from insure.accounts.tables import Declaration, DividendAllocation
from insure.ledger.tables import JournalLine
from insure.payments import payouts
from insure.payments.tables import Payout
from insure.policies.billing import policy_anniversary
from insure.policies.model import InstalmentStatus
from insure.policies.tables import Instalment
from tests.unit.conftest import bare_policy

ACCOUNT = "6222020200112233445"
EFFECTIVE = date(2024, 3, 1)
PRODUCT = {
    "product_code": "wl_par_huaxia",
    "product_version": "2026-01-01",
    "insurer_code": "huaxia_mutual",
}


async def par_policy(option: str = "accumulate", *, monthly: bool = False, bank: bool = True, **values) -> dict:
    """A participating whole-life policy in force since EFFECTIVE, premiums paid up to its 2nd anniversary."""
    token = await payouts.vault_bank_account(ACCOUNT) if bank else ""
    per_year = 12 if monthly else 1
    policy = await bare_policy(
        **{**PRODUCT, **{k: v for k, v in values.items() if k in PRODUCT}},
        insured_sex="male",
        sum_insured_fen=30_000_000,
        annual_premium_fen=1_200_000,
        premium_fen=1_200_000 // per_year,
        payments_per_year=per_year,
        policy_term_years=None,
        premium_term_years=20,
        dividend_option=option,
        bank_account_last4=ACCOUNT[-4:] if bank else "",
        bank_account_token=token,
        **{"effective_date": EFFECTIVE, **{k: v for k, v in values.items() if k not in PRODUCT}},
    )
    return policy


async def instalments(policy: dict, paid_until: date, count: int = 36) -> list[dict]:
    """Monthly instalments from EFFECTIVE: those due before ``paid_until`` paid, the rest due."""
    rows = []
    for n in range(count):
        due = date(EFFECTIVE.year + (EFFECTIVE.month - 1 + n) // 12, (EFFECTIVE.month - 1 + n) % 12 + 1, 1)
        rows.append(
            Instalment(
                inst_key=f"{policy['id']}:{n + 1}",
                policy=policy["id"],
                number=n + 1,
                due_date=due,
                period_start=due,
                period_end=due,
                amount_fen=policy["premium_fen"],
                status=InstalmentStatus.PAID if due < paid_until else InstalmentStatus.DUE,
            )
        )
    await Instalment.insert(*rows)
    return await Instalment.select().where(Instalment.policy == policy["id"]).order_by(Instalment.number)


async def declared(
    policy: dict,
    dividend_fen: int,
    *,
    year: int = 1,
    status: str = DeclarationStatus.POSTED,
    accumulation_rate: str = "0.03",
    bonus_sum_fen: int = 0,
    bonus_cost_fen: int = 0,
) -> dict:
    """A declaration of the policy's insurer (posted by default) and the policy's allocation for policy year
    ``year``, declared (computed while the declaration is not posted): the dividend of the anniversary that ends
    that year."""
    anniversary = policy_anniversary(policy["effective_date"], year)
    tag = secrets.token_hex(4)
    decl = (
        await Declaration.insert(
            Declaration(
                number=f"DV-T-{tag}",
                insurer_code=policy["insurer_code"],
                year=anniversary.year,
                status=status,
                investment_yield="0.055",
                mortality_ratio="0.8",
                expense_ratio="0.9",
                accumulation_rate=accumulation_rate,
                prepared_by=policy["customer"],
            )
        ).returning(Declaration.id)
    )[0]["id"]
    rows = await DividendAllocation.insert(
        DividendAllocation(
            alloc_key=f"{decl}:{policy['id']}",
            declaration=decl,
            policy=policy["id"],
            policy_year=year,
            anniversary=anniversary,
            style="reversionary_bonus" if bonus_sum_fen else "cash",
            interest_fen=dividend_fen,
            raw_fen=dividend_fen,
            dividend_fen=0 if bonus_sum_fen else dividend_fen,
            bonus_sum_fen=bonus_sum_fen,
            bonus_cost_fen=bonus_cost_fen,
            status=AllocationStatus.DECLARED if status == DeclarationStatus.POSTED else AllocationStatus.COMPUTED,
        )
    ).returning(*DividendAllocation.all_columns())
    return rows[0]


async def plain_policy() -> dict:
    """A personal accident policy: no participation, no account."""
    return await bare_policy(product_version="2026-01-01")


async def allocation(allocation_id: int) -> dict:
    return await DividendAllocation.select().where(DividendAllocation.id == allocation_id).first()


async def account(policy: dict) -> dict[str, int]:
    return await balances(policy["id"])


async def gl(code: str) -> int:
    """An account's balance in the general ledger, credit-normal (a liability's balance is positive)."""
    rows = await JournalLine.select(JournalLine.debit_fen, JournalLine.credit_fen).where(
        JournalLine.account.code == code
    )
    return sum(r["credit_fen"] - r["debit_fen"] for r in rows)


async def dividend_payouts(policy: dict) -> list[dict]:
    return await Payout.select().where((Payout.policy == policy["id"]) & (Payout.reason == "dividend"))


async def accumulated(policy: dict) -> int:
    return (await account(policy))[Bucket.ACCUMULATED]
