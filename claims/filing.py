"""Claims intake (first notice of loss): the claimant's form checked and refused with reasons, the claim recorded
and its assessment queued in one transaction; an Idempotency-Key makes a retry return the first claim."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

from claims.model import ClaimStatus
from claims.tables import Claim, ClaimEvent
from insure import clock, outbox
from insure.db import for_update, transaction
from insure.errors import N_, FieldError, NotFound, ValidationFailed
from insure.idempotency import check_key, replay
from insure.money import MoneyError, parse_amount, to_fen
from insure.policies import services as policies
from insure.policies.model import PolicyStatus, new_number
from insure.policies.tables import Policy
from insure.text_input import TextRefused, clean
from products import services as products

# Insurance Law art. 26: the right to claim on personal insurance (other than life) lapses after 2 years.
CLAIM_WINDOW = timedelta(days=730)


def _parse_claim(
    data: dict[str, str], today: date, coverages: tuple[str, ...]
) -> tuple[date | None, str, object, list[FieldError]]:
    errors: list[FieldError] = []
    if str(data.get("coverage_code", "")) not in coverages:
        errors.append(FieldError("coverage_code", "coverage_invalid", N_("Choose the benefit you are claiming.")))
    loss: date | None = None
    try:
        loss = date.fromisoformat(str(data.get("loss_date", "")).strip())
    except ValueError:
        errors.append(FieldError("loss_date", "loss_date_invalid", N_("Enter the date of the loss as YYYY-MM-DD.")))
    if loss and loss > today:
        errors.append(
            FieldError("loss_date", "loss_date_in_future", N_("The date of the loss cannot be in the future."))
        )
    elif loss and loss < today - CLAIM_WINDOW:
        errors.append(
            FieldError("loss_date", "claim_time_barred", N_("Claims must be made within two years of the loss."))
        )
    try:  # the one text rule: no control or bidi characters, at most the free-text length
        description = clean(data.get("description"), "free_text")
    except TextRefused:
        description = ""
    if not 10 <= len(description) <= 2000:
        errors.append(
            FieldError("description", "description_invalid", N_("Describe what happened in 10 to 2,000 characters."))
        )
    amount = None
    try:
        amount = parse_amount(str(data.get("amount", "")))
    except MoneyError:
        errors.append(FieldError("amount", "amount_invalid", N_("Enter the amount claimed in CNY, e.g. 1200.50.")))
    return loss, description, amount, errors


def cover_period(policy: dict) -> tuple[date, date | None] | None:
    """The policy's period of cover: from its effective date to its expiry date (None: no end), or to the day it
    ended when it was cancelled or surrendered earlier. None while it has no cover yet (not paid, no start)."""
    start = policy.get("effective_date")
    if start is None or policy.get("status") == PolicyStatus.PENDING_PAYMENT:
        return None
    end: date | None = policy.get("expiry_date")
    ended = policy.get("ended_at")
    if ended is not None and policy.get("status") in (PolicyStatus.CANCELLED, PolicyStatus.SURRENDERED):
        ended_on = clock.local(ended).date()
        end = ended_on if end is None else min(end, ended_on)
    return start, end


def _cover_errors(loss: date | None, policy: dict) -> list[FieldError]:
    """A loss before the cover started or after it ended is refused at intake (not referred to an adjuster):
    it is not covered. The message states the period of cover."""
    period = cover_period(policy)
    if loss is None or period is None:
        return []
    start, end = period
    params = {"start": start.isoformat(), "end": end.isoformat() if end else "—"}
    if loss < start:
        message = N_("This loss is not covered: it happened before your cover started (cover %(start)s to %(end)s).")
        return [FieldError("loss_date", "loss_before_cover", message, params)]
    if end is not None and loss > end:
        message = N_("This loss is not covered: it happened after your cover ended (cover %(start)s to %(end)s).")
        return [FieldError("loss_date", "loss_after_cover", message, params)]
    return []


CLAIM_FIELDS = ("coverage_code", "loss_date", "description", "amount")


def _fingerprint(policy_number: str, data: dict[str, str]) -> str:
    request = [policy_number, *(" ".join(str(data.get(k, "")).split()) for k in CLAIM_FIELDS)]
    return hashlib.sha256(json.dumps(request, ensure_ascii=False).encode()).hexdigest()


async def _replay(request_key: str, fingerprint: str) -> dict | None:
    """The claim filed with this key, if the request is the same; 409 if the key came with another request."""
    return await replay(Claim.request_key, Claim.request_hash, request_key, fingerprint)


async def claim_for_key(claimant: dict, key: str) -> dict | None:
    """The claimant's claim filed with this Idempotency-Key (the claim form's one-time token), if any."""
    if not key:
        return None
    return await Claim.select().where(Claim.request_key == f"{claimant['id']}:{key}").first()


async def file_claim(claimant: dict, policy_number: str, data: dict[str, str], key: str = "") -> dict:
    """Record a claim and queue its assessment in the same transaction. With an Idempotency-Key (the API header,
    the claim form's one-time token), a retry of the same request returns the first claim and files nothing."""
    if key:
        check_key(key)
    request_key = f"{claimant['id']}:{key}" if key else ""
    fingerprint = _fingerprint(policy_number, data) if key else ""
    policy = await policies.get_for(claimant, policy_number)
    if previous := await _replay(request_key, fingerprint):
        return previous
    today = clock.today()
    prod = products.product(policy["product_code"], on=policy["effective_date"] or today)
    loss, description, amount, errors = _parse_claim(data, today, tuple(c.code for c in prod.coverages))
    if policy["customer"] != claimant["id"]:
        raise NotFound(N_("No such policy."), code="policy_not_found")
    if policy["status"] == PolicyStatus.PENDING_PAYMENT:
        errors.append(FieldError("policy_number", "policy_not_issued", N_("This policy has not been paid yet.")))
    if not any(e.field == "loss_date" for e in errors):
        errors.extend(_cover_errors(loss, policy))
    if errors:
        raise ValidationFailed(errors)
    async with transaction():
        # a retry sent while the first was being filed waits for the policy's lock, then finds the first claim
        await for_update(Policy.select(Policy.id).where(Policy.id == policy["id"])).first()
        if previous := await _replay(request_key, fingerprint):
            return previous
        rows = await Claim.insert(
            Claim(
                number=new_number("C"),
                policy=policy["id"],
                claimant=claimant["id"],
                coverage_code=str(data["coverage_code"]),
                loss_date=loss,
                reported_on=today,
                description=description,
                amount_fen=to_fen(amount),  # type: ignore[arg-type]
                status=ClaimStatus.SUBMITTED,
                created_at=clock.now(),
                updated_at=clock.now(),
                request_key=request_key,
                request_hash=fingerprint,
            )
        ).returning(*Claim.all_columns())
        claim = rows[0]
        await ClaimEvent.insert(
            ClaimEvent(
                claim=claim["id"],
                from_status="",
                to_status=ClaimStatus.SUBMITTED,
                actor=f"user:{claimant['id']}",
                reason="first notice of loss",
                at=clock.now(),
            )
        )
        await outbox.enqueue("claims.assess", claim["id"])
    return claim
