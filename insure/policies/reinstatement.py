"""Reinstatement (复效) of a lapsed policy: a new health declaration, then the arrears with interest.

Every declaration is kept (a ``Reinstatement`` row). All answers "no": accepted at once, and the customer pays.
Any "yes": referred to an underwriter, who accepts or declines within their authority, with a reason; the
policyholder is told by e-mail and, once accepted, pays without declaring again. An accepted declaration is
good for 30 days; a declined one ends reinstatement for this lapse (the answers cannot be tried again).
"""

from __future__ import annotations

from datetime import timedelta

from insure import clock, mail, outbox
from insure.applications.model import check_may_decide, decision_reason
from insure.auth.tables import User
from insure.db import for_update, transaction
from insure.errors import N_, Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from insure.i18n import gettext, use_locale
from insure.idempotency import check_key, key_reused
from insure.money import from_fen
from insure.payments.tables import Payment
from insure.policies import paying, premiums
from insure.policies.model import REINSTATEMENT, ReinstatementStatus, new_number
from insure.policies.tables import Policy, Reinstatement
from insure.state import transition
from insure.tables_base import json_value
from products import services as products
from products import underwriting

VALID_DAYS = 30  # an accepted declaration must be paid on within this many days, or declared again
ACCEPTED, REFERRED, DECLINED = ReinstatementStatus.ACCEPTED, ReinstatementStatus.REFERRED, ReinstatementStatus.DECLINED
DECISIONS = {"accept": ACCEPTED, "decline": DECLINED}


def questions(policy: dict) -> tuple[underwriting.Question, ...]:
    """The product's health declaration, as on the original application."""
    return underwriting.rules_for(products.quoted_product(policy)).questions


def _loaded(row: dict | None) -> dict | None:
    if row is not None:
        row["answers"] = json_value(row["answers"]) or {}
    return row


async def current(policy: dict) -> dict | None:
    """The latest declaration made since this lapse (None before the first)."""
    if policy["lapsed_on"] is None:
        return None
    since = clock.start_of(policy["lapsed_on"])
    row = (
        await Reinstatement.select()
        .where((Reinstatement.policy == policy["id"]) & (Reinstatement.declared_at >= since))
        .order_by(Reinstatement.id, ascending=False)
        .first()
    )
    return _loaded(row)


def payable(declaration: dict | None) -> bool:
    """Accepted, and within the 30 days that acceptance is good for."""
    if declaration is None or declaration["status"] != ACCEPTED:
        return False
    accepted_on = clock.local(declaration["decided_at"] or declaration["declared_at"]).date()
    return clock.today() <= accepted_on + timedelta(days=VALID_DAYS)


def _blocked_by(declaration: dict | None) -> None:
    if declaration is None:
        return
    if declaration["status"] == REFERRED:
        raise Conflict(
            N_("Your health declaration is with an underwriter; we will e-mail you the decision."),
            code="reinstatement_under_review",
        )
    if declaration["status"] == DECLINED:
        raise Conflict(
            N_("The underwriter declined to reinstate this policy: %(reason)s"),
            code="reinstatement_declined",
            reason=declaration["reason"],
        )


async def declare(user: dict, number: str, answers: object, request_key: str = "") -> dict:
    """Record a new health declaration for a lapsed policy: accepted if every answer is no, else referred."""
    from insure.applications.model import answer_problems

    async with transaction():
        policy = await for_update(Policy.select().where(Policy.number == number)).first()
        if policy is None or policy["customer"] != user["id"]:
            raise NotFound(N_("No such policy."), code="policy_not_found")
        premiums.check_reinstatable(policy)
        _blocked_by(await current(policy))
        clean, errors = answer_problems(tuple(q.code for q in questions(policy)), answers)
        if errors:
            raise ValidationFailed(errors)
        status = REFERRED if any(clean.values()) else ACCEPTED
        yes = ", ".join(code for code, value in clean.items() if value)
        rows = await Reinstatement.insert(
            Reinstatement(
                number=new_number("R"),
                policy=policy["id"],
                answers=clean,
                status=status,
                declared_by=f"user:{user['id']}",
                declared_at=clock.now(),
                request_key=request_key,
                reason=f"answered yes: {yes}" if yes else "",
            )
        ).returning(*Reinstatement.all_columns())
    return _loaded(rows[0])  # type: ignore[return-value]


async def ready_to_pay(user: dict, number: str) -> dict:
    """The accepted declaration a reinstatement payment rests on, or why there is none."""
    policy = await Policy.select().where(Policy.number == number).first()
    if policy is None or policy["customer"] != user["id"]:
        raise NotFound(N_("No such policy."), code="policy_not_found")
    premiums.check_reinstatable(policy)
    declaration = await current(policy)
    _blocked_by(declaration)
    if not payable(declaration):
        raise ValidationFailed(
            [FieldError("answers", "declaration_required", N_("Answer the health declaration again to reinstate."))]
        )
    return declaration  # type: ignore[return-value]


async def reinstate(
    user: dict, number: str, answers: dict | None, card: dict[str, str], key: str
) -> tuple[dict, dict | None]:
    """Declare (when answers are sent) and, unless referred, charge the arrears: (declaration, payment or None).

    The Idempotency-Key covers both steps: a retry of the same request answers with the same declaration (and
    the same payment) instead of declaring again."""
    check_key(key)
    request_key = f"{user['id']}:{key}"
    declaration = _loaded(await Reinstatement.select().where(Reinstatement.request_key == request_key).first())
    if declaration is not None:
        policy = await Policy.select(Policy.id).where(Policy.number == number).first()
        if policy is None or policy["id"] != declaration["policy"]:
            raise key_reused()
    if declaration is None and answers is None:
        replayed = await _replay_payment(user, number, card, key, request_key)
        if replayed is not None:
            return replayed
    if declaration is None and answers is not None:
        declaration = await declare(user, number, answers, request_key)
    if declaration is None:
        declaration = await ready_to_pay(user, number)
    elif declaration["status"] != ACCEPTED:
        return declaration, None  # referred (or since declined): nothing to charge
    number_, expiry, cvc = (card.get(k, "") for k in ("card_number", "expiry", "cvc"))
    payment = await paying.start(user, number, number_, expiry, cvc, key, purpose="reinstatement")
    return declaration, payment


async def _replay_payment(
    user: dict, number: str, card: dict[str, str], key: str, request_key: str
) -> tuple[dict, dict] | None:
    """A retry of a reinstatement paid with this key (on an earlier accepted declaration): the first answer again,
    even once the gateway has reinstated the policy (which is no longer lapsed then); None for a new request."""
    if not await Payment.exists().where(Payment.idempotency_key == request_key):
        return None
    number_, expiry, cvc = (card.get(k, "") for k in ("card_number", "expiry", "cvc"))
    payment = await paying.start(user, number, number_, expiry, cvc, key, purpose="reinstatement")  # or 409
    declaration = (
        await Reinstatement.select()
        .where((Reinstatement.policy == payment["policy"]) & (Reinstatement.status == ACCEPTED))
        .where(Reinstatement.declared_at <= payment["created_at"])
        .order_by(Reinstatement.id, ascending=False)
        .first()
    )
    return _loaded(declaration), payment  # type: ignore[return-value]


# --- the underwriter's side -----------------------------------------------------------------------------------


async def referred_queue() -> list[dict]:
    """Referred declarations, oldest first, with the policy's facts an underwriter needs in the queue."""
    rows = (
        await Reinstatement.select(
            Reinstatement.all_columns(),
            Reinstatement.policy.number.as_alias("policy_number"),
            Reinstatement.policy.product_code.as_alias("product_code"),
            Reinstatement.policy.insured_name.as_alias("insured_name"),
            Reinstatement.policy.sum_insured_fen.as_alias("sum_insured_fen"),
        )
        .where(Reinstatement.status == REFERRED)
        .order_by(Reinstatement.id)
    )
    return [_loaded(r) for r in rows]  # type: ignore[misc]


async def for_review(number: str) -> tuple[dict, dict]:
    """(declaration, policy) for an underwriter; 404 when there is no such request."""
    row = _loaded(await Reinstatement.select().where(Reinstatement.number == number).first())
    if row is None:
        raise NotFound(N_("No such reinstatement request."), code="reinstatement_not_found")
    policy = await Policy.select().where(Policy.id == row["policy"]).first()
    return row, policy  # type: ignore[return-value]


async def decide(underwriter: dict, number: str, data: dict) -> dict:
    """Accept or decline a referred reinstatement within the underwriter's authority; audited on the row."""
    outcome = str(data.get("outcome", ""))
    errors: list[FieldError] = []
    if outcome not in DECISIONS:
        errors.append(FieldError("outcome", "outcome_invalid", N_("Choose a decision.")))
    reason = decision_reason(data, errors)
    if errors:
        raise ValidationFailed(errors)
    async with transaction():
        row = await for_update(Reinstatement.select().where(Reinstatement.number == number)).first()
        if row is None:
            raise NotFound(N_("No such reinstatement request."), code="reinstatement_not_found")
        policy = await for_update(Policy.select().where(Policy.id == row["policy"])).first()
        if row["status"] != REFERRED:
            raise Conflict(N_("Only a referred request waits for an underwriter's decision."), code="not_referred")
        own = Forbidden(N_("You cannot decide on your own policy."), code="own_policy")
        check_may_decide(underwriter, policy["customer"], from_fen(policy["sum_insured_fen"]), own)
        if outcome == "accept":  # a decline stays possible after the window closed, so no request is left open
            premiums.check_reinstatable(policy)
        await transition(
            Reinstatement,
            row["id"],
            REFERRED,
            DECISIONS[outcome],
            machine=REINSTATEMENT,
            actor=f"underwriter:{underwriter['id']}",
            reason=reason,
            values={
                Reinstatement.decided_by: f"underwriter:{underwriter['id']}",
                Reinstatement.decided_at: clock.now(),
                Reinstatement.reason: reason,
            },
        )
        await outbox.enqueue("policies.reinstatement_notice", row["id"])
    return _loaded(await Reinstatement.select().where(Reinstatement.id == row["id"]).first())  # type: ignore[return-value]


async def notify(reinstatement_id: int) -> None:
    """Worker: tell the policyholder the underwriter's decision (once)."""
    row = await Reinstatement.select().where(Reinstatement.id == reinstatement_id).first()
    if row is None or row["notified_at"] is not None or row["status"] == REFERRED:
        return
    policy = await Policy.select(Policy.number, Policy.customer).where(Policy.id == row["policy"]).first()
    holder = await User.select(User.email, User.name, User.locale).where(User.id == policy["customer"]).first()
    with use_locale(holder["locale"]):
        if row["status"] == ACCEPTED:
            subject = gettext("Policy %(number)s can be reinstated", number=policy["number"])
            body = gettext(
                "Dear %(name)s, the underwriter accepted your health declaration for policy %(number)s. Pay the "
                "arrears on the policy page within %(days)s days to bring the policy back into force.",
                name=holder["name"],
                number=policy["number"],
                days=VALID_DAYS,
            )
        else:
            subject = gettext("Policy %(number)s cannot be reinstated", number=policy["number"])
            body = gettext(
                "Dear %(name)s, the underwriter declined to reinstate policy %(number)s: %(reason)s",
                name=holder["name"],
                number=policy["number"],
                reason=row["reason"],
            )
    mail.send(holder["email"], subject, body)
    await Reinstatement.update({Reinstatement.notified_at: clock.now()}).where(Reinstatement.id == reinstatement_id)
