"""What the account page and API read: one participating policy's account (values today, the option, the
history of every entry and option change, the dividend of each declaration), for whoever may see it.

The policyholder sees their own; admins and actuaries may read any (staff pages); anyone else gets 404, so
another customer's policy numbers reveal nothing.
"""

from __future__ import annotations

from datetime import date

from insure import clock
from insure.accounts import options
from insure.accounts.balances import history
from insure.accounts.model import AllocationStatus, Bucket
from insure.accounts.tables import DividendAllocation
from insure.accounts.values import account_values
from insure.errors import N_, Conflict, NotFound
from insure.money import from_fen
from insure.policies.tables import Policy
from products import services as products
from products.catalog import Product

STAFF_READERS = frozenset({"admin", "actuary"})
# An allocation in a declaration not yet posted is the actuaries' preview: not the policyholder's business.
SHOWN = [s for s in AllocationStatus if s != AllocationStatus.COMPUTED]
OPTION_CHANGE = "option_change"  # the history's kind of an option change (the entries' kinds are EntryKind)


def can_view(user: dict, policy: dict) -> bool:
    return policy["customer"] == user["id"] or user.get("role") in STAFF_READERS


async def policy_for(user: dict, number: str) -> dict:
    """The policy if this user may see its account, else 404."""
    policy = await Policy.select().where(Policy.number == number).first()
    if policy is None or not can_view(user, policy):
        raise NotFound(N_("No such policy."), code="policy_not_found")
    return policy


async def participating_for(user: dict, number: str) -> tuple[dict, Product]:
    """(policy, product) of a participating policy this user may see; 404 for others, 409 ``not_participating``."""
    policy = await policy_for(user, number)
    product = products.quoted_product(policy)
    if options.participation_of(product) is None:
        raise Conflict(N_("This policy does not take part in the insurer's profits."), code="not_participating")
    if policy["effective_date"] is None:  # bought, not paid: no cover yet, nothing to value
        raise Conflict(N_("The policy account opens when the policy comes into force."), code="not_in_force")
    return policy, product


async def account_for(user: dict, number: str, on: date | None = None) -> dict:
    """The account of a participating policy: {"policy", "product", "values" (AccountValues), "option",
    "options", "style", "history", "allocations"}. 404 for others, 409 ``not_participating`` or ``not_in_force``
    (not paid yet)."""
    policy, product = await participating_for(user, number)
    participation = product.participation
    assert participation is not None
    return {
        "policy": policy,
        "product": product,
        "style": participation.style,
        "values": await account_values(policy, on or clock.today()),
        "option": options.option_in_force(policy, participation),
        "options": list(options.offered(participation)),
        "history": await merged_history(policy["id"]),
        "allocations": await allocations(policy["id"]),
    }


async def merged_history(policy_id: int) -> list[dict]:
    """Every account entry and option change, oldest first; each {kind, amount, amount_fen, bucket, on, memo}
    (an option change: amount 0, bucket "", and its ``before`` / ``after`` options)."""
    rows = [
        {
            "kind": e["kind"],
            "amount": from_fen(e["amount_fen"]),
            "amount_fen": e["amount_fen"],
            "bucket": e["bucket"],
            "on": e["on"],
            "at": e["at"],
            "memo": e["memo"],
            "allocation_id": e["allocation_id"],
        }
        for e in await history(policy_id)
    ]
    for change in await options.option_history(policy_id):
        before = (change["before"] or {}).get("dividend_option", "")
        after = (change["after"] or {}).get("dividend_option", "")
        rows.append(
            {
                "kind": OPTION_CHANGE,
                "amount": from_fen(0),
                "amount_fen": 0,
                "bucket": "",
                "on": clock.local(change["at"]).date(),
                "at": change["at"],
                "memo": f"{before} → {after}",
                "allocation_id": None,
                "before": before,
                "after": after,
            }
        )
    return sorted(rows, key=lambda r: (r["on"], r["at"]))


def balances_over_time(history: list[dict]) -> list[dict]:
    """The account after each day it moved (for a chart of the account over the years): [{"on", bucket: the
    balance in fen after that day's entries, …}], oldest first; option changes move nothing and are skipped."""
    running = dict.fromkeys((str(b) for b in Bucket), 0)
    points: list[dict] = []
    for line in history:
        if not line["bucket"]:
            continue
        running[line["bucket"]] = running.get(line["bucket"], 0) + line["amount_fen"]
        if points and points[-1]["on"] == line["on"]:
            points[-1] = {"on": line["on"], **running}
        else:
            points.append({"on": line["on"], **running})
    return points


async def allocations(policy_id: int) -> list[dict]:
    """The policy's dividend of each posted declaration, oldest first: year, dividend, its sources, status."""
    rows = (
        await DividendAllocation.select(
            DividendAllocation.all_columns(),
            DividendAllocation.declaration.year.as_alias("year"),
            DividendAllocation.declaration.number.as_alias("declaration_number"),
        )
        .where((DividendAllocation.policy == policy_id) & DividendAllocation.status.is_in(SHOWN))
        .order_by(DividendAllocation.anniversary)
    )
    return [
        {
            "id": r["id"],
            "year": r["year"],
            "declaration": r["declaration_number"],
            "policy_year": r["policy_year"],
            "anniversary": r["anniversary"],
            "dividend": from_fen(r["dividend_fen"]),
            "sources": {
                "interest": from_fen(r["interest_fen"]),
                "mortality": from_fen(r["mortality_fen"]),
                "expense": from_fen(r["expense_fen"]),
            },
            "bonus_sum_insured": from_fen(r["bonus_sum_fen"]),
            "status": r["status"],
            "option_applied": r["option_applied"],
            "credited_at": r["credited_at"],
        }
        for r in rows
    ]
