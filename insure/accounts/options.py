"""The dividend option (红利领取方式) of a participating policy: which one is in force, and changing it by an
endorsement (``Endorsement.kind = "dividend_option"``, before / after, who) that takes effect from the next credit:
crediting reads the option at the moment it credits (insure.accounts.crediting)."""

from __future__ import annotations

from insure import clock
from insure.accounts.model import DividendOption, DividendStyle
from insure.db import for_update, transaction
from insure.errors import N_, Conflict, NotFound, ValidationFailed
from insure.policies.model import PolicyStatus
from insure.policies.tables import Endorsement, Policy
from insure.tables_base import json_value
from products import services as products
from products.catalog import Product
from products.catalog_model import Participation

KIND = "dividend_option"  # the endorsement kind of an option change
OPEN = (PolicyStatus.IN_FORCE, PolicyStatus.LAPSED)  # as other endorsements: a lapsed policy may be reinstated


def participation_of(product: Product) -> Participation | None:
    return product.participation


def option_in_force(policy: dict, participation: Participation | None) -> str:
    """The option that applies the policy's next cash dividend: the one chosen (at application or by the last
    change), else the product's default; "" for a product without cash dividends."""
    if participation is None or participation.style != DividendStyle.CASH:
        return ""
    chosen = policy.get("dividend_option") or ""
    if chosen in participation.options:
        return chosen
    return participation.default_option or DividendOption.ACCUMULATE


def offered(participation: Participation | None) -> tuple[str, ...]:
    """The options the policyholder may choose between (none for reversionary bonus products)."""
    if participation is None or participation.style != DividendStyle.CASH:
        return ()
    return tuple(participation.options)


def _not_offered() -> ValidationFailed:
    return ValidationFailed.one(
        "option", "option_not_offered", N_("This product does not offer that way of taking dividends.")
    )


async def change_option(user: dict, number: str, option: str) -> dict:
    """The policyholder changes how the next dividends are applied. 422 ``option_not_offered`` (not an option
    of the product; a reversionary bonus product has none), 409 ``unchanged``, 409 ``not_participating``,
    409 ``policy_ended``, 409 ``not_in_force`` (not paid yet), 404 for another's policy. Returns the
    endorsement (before / after decoded)."""
    option = (option or "").strip()
    if option not in set(DividendOption):
        raise _not_offered()  # not an option at all: refused before anything is looked up
    async with transaction():
        policy = await for_update(Policy.select().where(Policy.number == number)).first()
        if policy is None or policy["customer"] != user["id"]:
            raise NotFound(N_("No such policy."), code="policy_not_found")
        participation = participation_of(products.quoted_product(policy))
        if participation is None:
            raise Conflict(N_("This policy does not take part in the insurer's profits."), code="not_participating")
        if option not in offered(participation):
            raise _not_offered()
        if policy["status"] == PolicyStatus.PENDING_PAYMENT:
            raise Conflict(N_("The policy account opens when the policy comes into force."), code="not_in_force")
        if policy["status"] not in OPEN:
            raise Conflict(N_("This policy has ended; it can no longer be changed."), code="policy_ended")
        current = option_in_force(policy, participation)
        if option == current:
            raise Conflict(N_("Dividends are already applied this way."), code="unchanged")
        await Policy.update({Policy.dividend_option: option}).where(Policy.id == policy["id"])
        rows = await Endorsement.insert(
            Endorsement(
                policy=policy["id"],
                kind=KIND,
                before={"dividend_option": current},
                after={"dividend_option": option},
                actor=f"user:{user['id']}",
                at=clock.now(),
            )
        ).returning(*Endorsement.all_columns())
    return _decoded(rows[0])


def _decoded(row: dict) -> dict:
    return {**row, "before": json_value(row["before"]), "after": json_value(row["after"])}


async def option_history(policy_id: int) -> list[dict]:
    """Every option change of a policy, oldest first."""
    rows = (
        await Endorsement.select()
        .where((Endorsement.policy == policy_id) & (Endorsement.kind == KIND))
        .order_by(Endorsement.id)
    )
    return [_decoded(row) for row in rows]
