"""How a participating policy's account reacts when the policy ends by an event raised elsewhere
(``insure.events``): a lapse forfeits the dividend declared and not yet credited; a paid death claim settles the
account — the claim itself paid the additions' and bonuses' cover and the terminal bonus (claims.coverage
cover_limit), the dividends held in the account go to the policyholder in one more transfer.

The surrender and the maturity call ``exits`` directly (they need the total before paying it).
"""

from __future__ import annotations

from claims.tables import Claim
from insure.accounts import exits
from insure.events import PayoutConfirmed, PolicyLapsed, handles
from insure.payments import payouts
from insure.payments.payout_model import key_subject
from insure.policies.tables import Policy
from products import services as products

# the payout of a death claim's account money: booked like the claim (claims paid), under its own key
DEATH_ACCOUNT_KEY = "death_account"


@handles(PolicyLapsed)
async def forfeit_on_lapse(event: PolicyLapsed) -> None:
    """A lapsed policy gets no dividend for the year it lapsed in (docs/dividends.md)."""
    await exits.forfeit_declared(event.policy_id, "system:accounts")


@handles(PayoutConfirmed)
async def settle_account_on_death(event: PayoutConfirmed) -> None:
    """The benefit of a death claim is paid: the account is settled and its money paid to the policyholder."""
    purpose, claim_id = key_subject(event.payout_key)
    if purpose != "claim" or claim_id is None:
        return
    claim = await Claim.select(Claim.policy, Claim.coverage_code).where(Claim.id == claim_id).first()
    if claim is None:
        return
    policy = await Policy.select().where(Policy.id == claim["policy"]).first()
    if policy is None or not exits.participating(policy):
        return
    product = products.quoted_product(policy)
    coverage = next((c for c in product.coverages if c.code == claim["coverage_code"]), None)
    if getattr(coverage, "benefit", "") != "death":
        return
    quote = await exits.exit_quote(policy, "death")
    await exits.settle(policy, quote, "system:accounts")
    cash = quote.accumulated_fen + quote.interest_fen + quote.pro_rata_fen
    await payouts.start_payout(policy, cash, "claim", key=f"{DEATH_ACCOUNT_KEY}:{policy['id']}")
