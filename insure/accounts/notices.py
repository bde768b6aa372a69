"""The annual dividend notice (红利通知书): one policy's statement of one declaration (docs/dividends.md).

``build`` is pure: from the policy, the declaration, the policy's allocation and the account's entries it makes
the figures every form of the notice shows (page, PDF, e-mail, API) — the fund's results and the share
distributed, the policy's dividend with its three sources and the values used (the allocation's ``basis``), the
option applied, and the account before and after the credit. "After" is the account as the credit left it (every
entry up to the credit's last one); "before" is after minus this credit's own entries, so later interest,
withdrawals or dividends never change an old notice.

A notice exists once the allocation has reached the account (credited, or settled with an exit); the loaders
below check that the reader is the policyholder (anyone else: 404, as for a policy that does not exist).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal

from insure.accounts import fund_results
from insure.accounts.model import AllocationStatus, Bucket, DividendStyle, EntryKind
from insure.accounts.tables import AccountEntry, Declaration, DividendAllocation
from insure.errors import N_, NotFound
from insure.money import from_fen
from insure.policies import services as policies
from insure.policies.tables import Policy
from insure.tables_base import json_value

# allocations that have a notice: the dividend reached the account (or was paid with the exit)
NOTICE_STATUSES = (AllocationStatus.CREDITED, AllocationStatus.SETTLED)
BUCKETS = tuple(Bucket)
STATEMENT = N_(
    "Dividends are not guaranteed: each year's dividend depends on the participating fund's actual results, "
    "and past dividends do not predict future ones."
)

# words the customer reads (msgids): how a dividend was applied, why an account entry was made, what it moved
OPTION_NAMES = {
    "cash": N_("Paid in cash"),
    "premium_offset": N_("Premium offset"),
    "accumulate": N_("Accumulate at interest"),
    "paid_up_additions": N_("Paid-up additions"),
    "": N_("Not applied yet"),
}
ENTRY_NAMES = {
    EntryKind.DIVIDEND: N_("Dividend credited"),
    EntryKind.INTEREST: N_("Interest on accumulated dividends"),
    EntryKind.CASH_PAID: N_("Dividend paid in cash"),
    EntryKind.PREMIUM_OFFSET: N_("Dividend used to pay a premium"),
    EntryKind.PUA_PURCHASE: N_("Paid-up additions bought"),
    EntryKind.BONUS: N_("Reversionary bonus added"),
    EntryKind.WITHDRAWAL: N_("Withdrawal"),
    EntryKind.EXIT: N_("Account settled as the policy ended"),
    EntryKind.REVERSAL: N_("Correction of a reversed declaration"),
    "option_change": N_("Dividend option changed"),
}
BUCKET_NAMES = {
    Bucket.ACCUMULATED: N_("Accumulated dividends"),
    Bucket.PUA_SUM_INSURED: N_("Paid-up additions (sum insured)"),
    Bucket.BONUS_SUM_INSURED: N_("Reversionary bonuses (sum insured)"),
    Bucket.DIVIDENDS_CREDITED: N_("Dividends credited so far"),
    Bucket.PAID_OUT: N_("Paid out of the account"),
}
FUND_RESULT_NAMES = fund_results.LABELS


def words() -> dict[str, object]:
    """The names a notice's templates look up (msgids, translated where shown)."""
    return {
        "option_names": OPTION_NAMES,
        "bucket_names": BUCKET_NAMES,
        "fund_result_names": FUND_RESULT_NAMES,
    }


@dataclass(frozen=True)
class Fund:
    """The declaration: the fund's year and what was distributed (CNY; rates as decimal fractions)."""

    insurer_code: str
    year: int
    eligible_policies: int
    investment_yield: Decimal
    mortality_ratio: Decimal
    expense_ratio: Decimal
    interest_gain: Decimal
    mortality_gain: Decimal
    expense_gain: Decimal
    distributable: Decimal
    policyholder_share: Decimal
    entitlement: Decimal
    bonus_cost: Decimal
    smoothing_transfer: Decimal
    payout: Decimal
    accumulation_rate: Decimal
    bonus_rate: Decimal
    terminal_bonus_rate: Decimal
    results: dict[str, str]  # the fund's results from the ledger (premiums, benefits, …), as stored


@dataclass(frozen=True)
class Notice:
    policy_number: str
    declaration_number: str
    product_code: str
    product_version: str
    style: str
    policy_year: int
    anniversary: date
    status: str
    option_applied: str
    credited_at: datetime | None
    dividend: Decimal  # the cash dividend (after scaling to the payout)
    contribution: Decimal  # the contribution before scaling (the three sources added, never below 0)
    sources: dict[str, Decimal]  # interest, mortality, expense
    bonus_sum: Decimal  # reversionary bonus added to the cover (bonus style)
    settled: Decimal  # a pro-rata part paid with an exit
    basis: dict[str, str]  # the values used: reserve_start, reserve_end, q, q_actual, i, i_actual, premium, …
    fund: Fund
    before: dict[str, Decimal]  # the account's balances before this credit, by bucket
    after: dict[str, Decimal]

    def as_json(self) -> dict:
        """Plain JSON values (amounts and rates as strings), for the API."""

        def plain(value: object) -> object:
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, date | datetime):
                return value.isoformat()
            return value

        return plain(asdict(self))  # type: ignore[return-value]


def _rate(value: object) -> Decimal:
    try:
        return Decimal(str(value or "0"))
    except ArithmeticError:
        return Decimal(0)


def account_around(entries: list[dict], allocation_id: int) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """(before, after) balances by bucket around the credit of ``allocation_id``; ``entries`` oldest first.
    Reversal entries of the allocation are not part of its credit."""
    own = [e for e in entries if e["allocation_id"] == allocation_id and e["kind"] != EntryKind.REVERSAL]
    last = max((e["id"] for e in own), default=None)
    after = dict.fromkeys(BUCKETS, 0)
    for e in entries:
        if last is None or e["id"] <= last:
            after[e["bucket"]] = after.get(e["bucket"], 0) + e["amount_fen"]
    before = dict(after)
    for e in own:
        before[e["bucket"]] -= e["amount_fen"]
    return (
        {str(k): from_fen(v) for k, v in before.items()},
        {str(k): from_fen(v) for k, v in after.items()},
    )


def fund_of(declaration: dict) -> Fund:
    results = json_value(declaration.get("fund_results")) or {}
    return Fund(
        insurer_code=declaration["insurer_code"],
        year=declaration["year"],
        eligible_policies=declaration["eligible_policies"],
        investment_yield=_rate(declaration["investment_yield"]),
        mortality_ratio=_rate(declaration["mortality_ratio"]),
        expense_ratio=_rate(declaration["expense_ratio"]),
        interest_gain=from_fen(declaration["interest_gain_fen"]),
        mortality_gain=from_fen(declaration["mortality_gain_fen"]),
        expense_gain=from_fen(declaration["expense_gain_fen"]),
        distributable=from_fen(declaration["distributable_fen"]),
        policyholder_share=_rate(declaration["policyholder_share"]),
        entitlement=from_fen(declaration["policyholder_entitlement_fen"]),
        bonus_cost=from_fen(declaration["bonus_cost_fen"]),
        smoothing_transfer=from_fen(declaration["smoothing_transfer_fen"]),
        payout=from_fen(declaration["payout_fen"]),
        accumulation_rate=_rate(declaration["accumulation_rate"]),
        bonus_rate=_rate(declaration["bonus_rate"]),
        terminal_bonus_rate=_rate(declaration["terminal_bonus_rate"]),
        results=_results_cny(results) if isinstance(results, dict) else {},
    )


def _results_cny(results: dict) -> dict[str, str]:
    """The run stores its figures in fen under ``<name>_fen`` (insure.accounts.fund_results): the notice names
    them without the suffix, in CNY, as the preview does."""
    return {
        (str(k).removesuffix("_fen")): str(from_fen(int(v))) if str(k).endswith("_fen") else str(v)
        for k, v in results.items()
    }


def build(policy: dict, declaration: dict, allocation: dict, entries: list[dict]) -> Notice:
    """The notice's figures (pure: no database)."""
    before, after = account_around(entries, allocation["id"])
    basis = json_value(allocation.get("basis")) or {}
    return Notice(
        policy_number=policy["number"],
        declaration_number=declaration["number"],
        product_code=policy["product_code"],
        product_version=policy["product_version"],
        style=allocation["style"] or DividendStyle.CASH,
        policy_year=allocation["policy_year"],
        anniversary=allocation["anniversary"],
        status=allocation["status"],
        option_applied=allocation["option_applied"] or "",
        credited_at=allocation["credited_at"],
        dividend=from_fen(allocation["dividend_fen"]),
        contribution=from_fen(allocation["raw_fen"]),
        sources={
            "interest": from_fen(allocation["interest_fen"]),
            "mortality": from_fen(allocation["mortality_fen"]),
            "expense": from_fen(allocation["expense_fen"]),
        },
        bonus_sum=from_fen(allocation["bonus_sum_fen"]),
        settled=from_fen(allocation["settled_fen"]),
        basis={str(k): str(v) for k, v in basis.items()} if isinstance(basis, dict) else {},
        fund=fund_of(declaration),
        before=before,
        after=after,
    )


# ------------------------------------------------------------------------------------------------ loading


async def owned_policy(user: dict, number: str) -> dict:
    """The policy if ``user`` holds it; anyone else gets 404 (their numbers reveal nothing)."""
    policy = await policies.get_for(user, number)
    if policy["customer"] != user["id"]:
        raise NotFound(N_("No such policy."), code="policy_not_found")
    return policy


async def _entries(policy_id: int) -> list[dict]:
    return (
        await AccountEntry.select()
        .where(AccountEntry.policy == policy_id)
        .order_by(AccountEntry.id)  # ids order the credits as they were written (dates may tie)
    )


async def _allocations(policy_id: int, declaration_number: str | None = None) -> list[tuple[dict, dict]]:
    query = DividendAllocation.select().where(
        (DividendAllocation.policy == policy_id) & DividendAllocation.status.is_in([str(s) for s in NOTICE_STATUSES])
    )
    allocations = await query.order_by(DividendAllocation.policy_year)
    if not allocations:
        return []
    declarations = {
        d["id"]: d
        for d in await Declaration.select().where(Declaration.id.is_in([a["declaration"] for a in allocations]))
    }
    found = [(declarations[a["declaration"]], a) for a in allocations if a["declaration"] in declarations]
    if declaration_number is not None:
        found = [(d, a) for d, a in found if d["number"] == declaration_number]
    return found


async def notices_for_policy(policy: dict) -> list[Notice]:
    """Every notice of the policy, oldest policy year first."""
    entries = await _entries(policy["id"])
    return [build(policy, d, a, entries) for d, a in await _allocations(policy["id"])]


async def list_for(user: dict, number: str) -> list[Notice]:
    return await notices_for_policy(await owned_policy(user, number))


async def notice_for(user: dict, number: str, declaration_number: str) -> tuple[dict, Notice, int]:
    """(policy, notice, allocation id) for the policyholder; 404 ``notice_not_found`` when there is none."""
    policy = await owned_policy(user, number)
    found = await _allocations(policy["id"], declaration_number)
    if not found:
        raise NotFound(N_("There is no dividend notice for this declaration."), code="notice_not_found")
    declaration, allocation = found[0]
    return policy, build(policy, declaration, allocation, await _entries(policy["id"])), allocation["id"]


async def notice_of_allocation(allocation_id: int) -> tuple[dict, Notice] | None:
    """For the workers (e-mail, PDF): the policy and its notice; None when the allocation has none (yet)."""
    allocation = await DividendAllocation.select().where(DividendAllocation.id == allocation_id).first()
    if allocation is None or allocation["status"] not in NOTICE_STATUSES:
        return None
    policy = await Policy.select().where(Policy.id == allocation["policy"]).first()
    declaration = await Declaration.select().where(Declaration.id == allocation["declaration"]).first()
    if policy is None or declaration is None:
        return None
    return policy, build(policy, declaration, allocation, await _entries(policy["id"]))
