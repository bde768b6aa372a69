"""Participating accounts: declarations, each policy's allocation, the account's entries (a sub-ledger).

Money is integer fen. ``AccountEntry`` is append-only: a policy account's balances are the sums of its entries by
bucket, and the general ledger's control accounts (``liability:dividends_*``) equal those sums. Rates and ratios
are kept as decimal strings, exactly as staff entered them.
"""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, Date, Integer, Timestamptz, Varchar
from piccolo.table import Table

from insure.auth.tables import User
from insure.policies.tables import Policy
from insure.tables_base import fk, money, timestamp_now


class Declaration(Table):
    """One insurer's participating fund, one year (红利宣告): the experience, the computed surplus, the payout."""

    number = Varchar(length=32, unique=True, index=True)  # "DV-<insurer>-<year>-<n>"
    insurer_code = Varchar(length=40, index=True)
    year = Integer(index=True)  # anniversaries falling in this calendar year are credited from this declaration
    status = Varchar(length=12, default="computing", index=True)  # model.DeclarationStatus
    # the year's actual experience, as entered (decimal strings)
    investment_yield = Varchar(length=12)  # i′, e.g. "0.045"
    mortality_ratio = Varchar(length=12)  # q′ = ratio × q of the pricing table, e.g. "0.85"
    expense_ratio = Varchar(length=12)  # E′ = ratio × the expenses allowed in pricing, e.g. "0.90"
    policyholder_share = Varchar(length=12, default="0.70")  # of the distributable surplus; at least 0.70
    smoothing_transfer_fen = money()  # + into the smoothing reserve, − released from it
    accumulation_rate = Varchar(length=12, default="0.025")  # interest on accumulated dividends for the year
    bonus_rate = Varchar(length=12, default="0")  # reversionary bonus on sum insured + bonuses (bonus products)
    terminal_bonus_rate = Varchar(length=12, default="0")  # terminal bonus on the bonuses, paid at the end
    # computed (by the run)
    eligible_policies = Integer(default=0)
    interest_gain_fen = money()  # the fund's surplus by source: Σ over eligible policies
    mortality_gain_fen = money()
    expense_gain_fen = money()
    distributable_fen = money()  # interest + mortality + expense gains (0 if negative)
    policyholder_entitlement_fen = money()  # share × distributable
    bonus_cost_fen = money()  # value of the reversionary bonuses declared (net single premium of the cover added)
    payout_fen = money()  # cash dividends declared: entitlement − bonus cost − smoothing transfer
    raw_total_fen = money()  # Σ per-policy contribution dividends (cash style) before scaling to the payout
    fund_results = JSON(default="{}")  # premiums, benefits, expenses, investment income, reserves (from the ledger)
    # the run: computing the contributions and posting, in chunks by policy id (resumable)
    run_phase = Varchar(length=12, default="")  # "" | contributions | scaling | posting | reversing | done
    run_done = Integer(default=0)
    run_total = Integer(default=0)
    run_last_id = BigInt(default=0)
    run_started_at = Timestamptz(null=True, default=None)
    run_updated_at = Timestamptz(null=True, default=None)
    prepared_by = fk(User)
    prepared_at = timestamp_now()
    approved_by = fk(User, null=True)
    approved_at = Timestamptz(null=True, default=None)
    posted_by = fk(User, null=True)
    posted_at = Timestamptz(null=True, default=None)
    reversed_by = fk(User, null=True)
    reversed_at = Timestamptz(null=True, default=None)
    reason = Varchar(length=255, default="")  # why it was withdrawn or reversed


class DividendAllocation(Table):
    """One policy's part of one declaration; unique per (declaration, policy): a rerun never credits twice."""

    alloc_key = Varchar(length=48, unique=True, index=True)  # "<declaration id>:<policy id>"
    declaration = fk(Declaration)
    policy = fk(Policy)
    policy_year = Integer()  # t: the policy year that ends on `anniversary`
    anniversary = Date(index=True)  # when it is credited (or at posting, if that is later)
    style = Varchar(length=20)  # model.DividendStyle
    # the contribution by source for the year, each rounded to the fen; raw = max(0, exact sum) rounded
    interest_fen = BigInt(default=0)
    mortality_fen = BigInt(default=0)
    expense_fen = BigInt(default=0)
    raw_fen = BigInt(default=0)
    remainder = BigInt(default=0)  # raw × payout mod raw total: ranks the largest-remainder fen
    dividend_fen = money()  # the cash dividend: raw scaled to the payout, summing to it exactly
    bonus_sum_fen = money()  # reversionary bonus added to the cover (bonus style)
    bonus_cost_fen = money()  # its value: bonus × net single premium at the attained age
    # values used, shown on the notice: reserve per 1 at the start and end of the year, q, premium, expenses
    basis = JSON(default="{}")
    status = Varchar(length=12, default="computed", index=True)  # model.AllocationStatus
    option_applied = Varchar(length=20, default="")  # the option in force when it was credited
    credited_at = Timestamptz(null=True, default=None)
    settled_fen = money()  # a pro-rata part paid when the policy ended before the anniversary


class AccountEntry(Table):
    """One movement in a policy account (append-only); balances are sums by bucket. Signed fen."""

    entry_key = Varchar(length=80, unique=True, index=True)  # idempotency: e.g. "credit:<allocation id>:accumulated"
    policy = fk(Policy)
    kind = Varchar(length=16)  # model.EntryKind
    bucket = Varchar(length=20)  # model.Bucket
    amount_fen = BigInt(default=0)
    declaration_id = Integer(null=True, default=None, index=True)
    allocation_id = Integer(null=True, default=None, index=True)
    on = Date()  # the business date it takes effect
    memo = Varchar(length=255, default="")
    actor = Varchar(length=64, default="system:accounts")
    at = timestamp_now()


class DeclarationEvent(Table):
    """Who did what to a declaration, when (prepared, approved, posted, withdrawn, reversed)."""

    declaration = fk(Declaration)
    from_status = Varchar(length=24)
    to_status = Varchar(length=24)
    actor = Varchar(length=64)
    reason = Varchar(length=255, default="")
    at = timestamp_now()
