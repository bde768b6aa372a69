"""Renewal of one-year products (续保): an offer 30 days before expiry, re-rated at the insured's new age on the
product version then in force. Guaranteed-renewable products renew on the same terms whatever the insured's
health; the others need a new application (health declaration, underwriting), which may be declined."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from insure import mail, outbox
from insure.applications.checks import check_not_renewed
from insure.auth.tables import User
from insure.db import for_update, transaction
from insure.errors import N_, Conflict, NotFound, ValidationFailed
from insure.i18n import gettext, use_locale
from insure.money import from_fen
from insure.policies.model import PolicyStatus
from insure.policies.tables import Policy
from insure.tables_base import json_value
from products import services as products
from products import underwriting

OFFER_DAYS = 30
OFFER_NOTICE_WORK = "policies.renewal_offer_notice"  # the e-mail of one renewal offer, by its quote id
RENEWABLE_TYPES = ("medical", "personal_accident", "critical_illness")  # one-year cover; travel is one trip


async def _needs_offer(policy: dict) -> bool:
    """No offer yet, or the offer's quote ran out before the policyholder took it up (it is replaced)."""
    if not policy["renewal_quote_id"]:
        return True
    try:
        await check_not_renewed(policy["number"])
    except Conflict:
        return False  # taken up: the renewal awaits payment, is in force or is being underwritten
    return not products.quote_is_valid(await products.get_quote(policy["renewal_quote_id"]))


def offer_candidates(day: date) -> Any:
    """One-year policies in force whose cover ends within OFFER_DAYS of ``day`` (a query of their ids)."""
    return Policy.select(Policy.id).where(
        (Policy.status == PolicyStatus.IN_FORCE)
        & (Policy.policy_term_years == 1)
        & (Policy.expiry_date <= day + timedelta(days=OFFER_DAYS))
        & (Policy.expiry_date >= day)
    )


async def make_offer(policy_id: int, day: date) -> bool:
    """Billing job ``offer_renewals``, one policy: a one-year policy ending within 30 days gets its renewal priced
    and the policyholder told (the e-mail through the outbox); an offer that expired untaken is replaced by a
    fresh one while the policy is still in force. Returns whether an offer was made."""
    policy = await Policy.select().where(Policy.id == policy_id).first()
    if (
        policy is None
        or policy["status"] != PolicyStatus.IN_FORCE
        or policy["policy_term_years"] != 1
        or not day <= policy["expiry_date"] <= day + timedelta(days=OFFER_DAYS)
    ):
        return False
    try:
        prod = products.product(policy["product_code"])
    except NotFound:  # withdrawn from sale: no renewal offer
        return False
    if prod.type not in RENEWABLE_TYPES or not await _needs_offer(policy):
        return False
    original = await products.get_quote(policy["quote_id"])
    holder = await User.select().where(User.id == policy["customer"]).first()
    data = {
        "product_code": prod.code,
        "channel": policy["channel"] if policy["channel"] in prod.channels else prod.channels[0],
        "birth_date": policy["insured_birth_date"].isoformat(),
        "sum_insured": str(from_fen(policy["sum_insured_fen"])),
        "occupation_class": policy["occupation_class"],
        **{k: v for k, v in original["risk"].items() if v is not None and k not in ("policy_term", "premium_term")},
    }
    try:  # rated at the insured's age on the day the renewed cover starts, within the renewal ages
        quote = await products.create_quote(data, holder, renewal_from=policy["expiry_date"] + timedelta(days=1))
    except ValidationFailed:  # e.g. the insured is past the oldest renewal age: no offer, the cover ends
        return False
    async with transaction():  # the offer and its e-mail (counted work on a worker, OFFER_NOTICE_WORK) together
        await Policy.update({Policy.renewal_quote_id: quote["public_id"]}).where(Policy.id == policy["id"])
        await outbox.enqueue(OFFER_NOTICE_WORK, quote["public_id"])
    return True


async def notify_offer(quote_id: str) -> bool | None:
    """Worker: e-mail the policyholder the renewal offer made on this quote (one message per offer; an offer that
    was replaced or taken up meanwhile is not sent). Counted work: a message that keeps failing is parked for
    staff instead of being lost or retried for ever. A duplicate delivery of the task may send it twice, which
    a reminder can afford."""
    policy = await Policy.select().where(Policy.renewal_quote_id == quote_id).first()
    if policy is None or policy["status"] != PolicyStatus.IN_FORCE:
        return None
    quote = await products.get_quote(quote_id)
    holder = await User.select().where(User.id == policy["customer"]).first()
    with use_locale(holder["locale"]):
        mail.send(
            holder["email"],
            gettext("Renew policy %(number)s", number=policy["number"]),
            gettext(
                "Dear %(name)s, policy %(number)s ends on %(date)s. Renewal for another year costs %(amount)s "
                "CNY (priced at the insured's new age). Renew it on the policy page.",
                name=holder["name"],
                number=policy["number"],
                date=policy["expiry_date"].isoformat(),
                amount=str(from_fen(quote["annual_premium_fen"])),
            ),
        )
    return True


async def offer_for(policy: dict) -> dict:
    """The renewal offer's quote, if the policy can be renewed on it now; otherwise 409 saying why."""
    if policy["status"] != PolicyStatus.IN_FORCE:
        raise Conflict(N_("Only a policy in force can be renewed."), code="not_renewable")
    if not policy["renewal_quote_id"]:
        raise Conflict(N_("There is no renewal offer for this policy yet."), code="no_renewal_offer")
    await check_not_renewed(policy["number"])
    quote = await products.get_quote(policy["renewal_quote_id"])
    if not products.quote_is_valid(quote):
        raise Conflict(N_("This quote has expired; please get a new quote."), code="quote_expired")
    return quote


async def renew(holder: dict, number: str, data: dict) -> dict:
    """Accept the renewal offer. Guaranteed renewable: a new policy on the same terms, awaiting payment.
    Otherwise: a new application for the renewal quote (health declaration, underwriting)."""
    from insure.applications import services as applications
    from insure.policies import services as policies

    policy = await Policy.select().where(Policy.number == number).first()
    if policy is None or policy["customer"] != holder["id"]:
        raise NotFound(N_("No such policy."), code="policy_not_found")
    quote = await offer_for(policy)
    prod = products.quoted_product(quote)
    if not prod.guaranteed_renewable:
        # the application carries renewal_of, so however underwriting goes the new cover starts at the old expiry
        app = await applications.submit(holder, {**data, "quote_id": quote["public_id"], "renewal_of": number})
        return {"application": app}
    loading = Decimal(policy["loading"] or "0")  # a guaranteed renewal keeps the terms agreed at underwriting
    terms = {
        "number": "",
        "renewal_of": number,
        "customer": holder["id"],
        "relation": policy["relation"],
        "insured_name": policy["insured_name"],
        "insured_id_number": policy["insured_id_number"],
        "insured_birth_date": policy["insured_birth_date"],
        "insured_sex": policy["insured_sex"],
        "smoker": "true" if policy["smoker"] else "false",
        "dividend_option": policy["dividend_option"],
        "occupation_class": policy["occupation_class"],
        "beneficiaries": json_value(policy["beneficiaries"]) or [],
        "exclusions": json_value(policy["exclusions"]) or [],
        "loading": str(loading),
        "address": policy["address"],
        "bank_account_last4": policy["bank_account_last4"],
        "bank_account_token": policy["bank_account_token"],
        "annual_premium_fen": underwriting.loaded_fen(quote["annual_premium_fen"], loading),
        "premium_per_payment_fen": underwriting.loaded_fen(
            quote["premium_per_payment_fen"] or quote["annual_premium_fen"], loading
        ),
    }
    async with transaction():
        await for_update(Policy.select(Policy.id).where(Policy.id == policy["id"])).first()
        await check_not_renewed(number)  # again, under the lock: two clicks make one renewal
        renewal = await policies.create_from_application(terms, quote, f"user:{holder['id']}")
    return {"policy": renewal}
