"""Claims intake (first notice of loss): the claimant's form checked and refused with reasons, the claim recorded
and its assessment queued in one transaction; an Idempotency-Key makes a retry return the first claim.

The form follows the benefit claimed (claims.kinds, claims.invoices): a lump sum claims the cover's limit (nobody
types an amount), an expense benefit its itemised invoices (stored as ClaimInvoice rows; the amount claimed is the
total billed), a daily benefit the days from admission (the loss date) to discharge (Claim.event_end_date) × the
limit per day."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from claims.coverage import HUNDRED, cover_limit
from claims.invoices import INVOICE_FIELDS, Claimed, Invoice, claimed_for, number_key
from claims.kinds import ClaimKind, claimable, kind_of
from claims.model import ClaimStatus
from claims.tables import Claim, ClaimEvent, ClaimInvoice
from insure import clock, outbox
from insure.accounts import exits
from insure.db import for_update, transaction
from insure.errors import N_, FieldError, NotFound, ValidationFailed
from insure.idempotency import check_key, replay
from insure.money import from_fen, quantize, to_fen
from insure.policies import services as policies
from insure.policies.model import PolicyStatus, new_number
from insure.policies.tables import Policy
from insure.text_input import TextRefused, clean
from products import services as products

# Insurance Law art. 26: the right to claim on personal insurance (other than life) lapses after 2 years.
CLAIM_WINDOW = timedelta(days=730)


def _parse_claim(
    data: dict, today: date, coverages: dict[str, object], sum_insured: Decimal, account_cover: Decimal = Decimal(0)
) -> tuple[date | None, str, Claimed, list[FieldError]]:
    """The claim as its kind of benefit asks for it (claims.invoices.claimed_for): every field's refusal at once."""
    errors: list[FieldError] = []
    coverage = coverages.get(str(data.get("coverage_code", "")))
    if coverage is None:
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
    claimed = Claimed(None)
    if coverage is not None:
        limit = cover_limit(sum_insured, coverage, account_cover)
        claimed, more = claimed_for(kind_of(coverage), data, loss, today, limit)
        errors.extend(more)
    return loss, description, claimed, errors


def claim_kind(policy: dict, coverage_code: str) -> ClaimKind:
    """The kind of benefit a claim under this coverage of the policy's product is (claims.kinds)."""
    prod = products.quoted_product(policy)
    return kind_of(next((c for c in prod.coverages if c.code == coverage_code), None))


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


CLAIM_FIELDS = ("coverage_code", "loss_date", "description", "amount", "discharge_date")


def _fingerprint(policy_number: str, data: dict) -> str:
    def norm(value: object) -> str:
        return " ".join(str(value if value is not None else "").split())

    invoices = data.get("invoices") or []
    listed = [
        [norm(item.get(k)) for k in INVOICE_FIELDS] if isinstance(item, dict) else norm(item)
        for item in (invoices if isinstance(invoices, list | tuple) else [invoices])
    ]
    request = [policy_number, *(norm(data.get(k)) for k in CLAIM_FIELDS), listed]
    return hashlib.sha256(json.dumps(request, ensure_ascii=False).encode()).hexdigest()


async def _replay(request_key: str, fingerprint: str) -> dict | None:
    """The claim filed with this key, if the request is the same; 409 if the key came with another request."""
    return await replay(Claim.request_key, Claim.request_hash, request_key, fingerprint)


async def claim_for_key(claimant: dict, key: str) -> dict | None:
    """The claimant's claim filed with this Idempotency-Key (the claim form's one-time token), if any."""
    if not key:
        return None
    return await Claim.select().where(Claim.request_key == f"{claimant['id']}:{key}").first()


async def _record_invoices(claim_id: int, invoices: tuple[Invoice, ...]) -> None:
    if invoices:
        await ClaimInvoice.insert(
            *(
                ClaimInvoice(
                    claim=claim_id,
                    number=number_key(i.number),  # stored as compared: "fp-001 7" is FP0017
                    issuer=i.issuer,
                    issued_on=i.issued_on,
                    amount_fen=to_fen(i.amount),
                    social_insurance_fen=to_fen(i.social_insurance),
                    created_at=clock.now(),
                )
                for i in invoices
            )
        )


async def invoices_of(claim_id: int) -> list[dict]:
    """The claim's itemised invoices, in the order given."""
    return await ClaimInvoice.select().where(ClaimInvoice.claim == claim_id).order_by(ClaimInvoice.id)


async def file_claim(claimant: dict, policy_number: str, data: dict, key: str = "") -> dict:
    """Record a claim and queue its assessment in the same transaction. With an Idempotency-Key (the API header,
    the claim form's one-time token), a retry of the same request returns the first claim and files nothing."""
    if key:
        check_key(key)
    policy = await policies.get_for(claimant, policy_number)
    if policy["customer"] != claimant["id"]:
        raise NotFound(N_("No such policy."), code="policy_not_found")
    return await file_on(claimant, policy, data, key)


async def file_on(
    claimant: dict,
    policy: dict,
    data: dict,
    key: str = "",
    *,
    share: Decimal = HUNDRED,
    only: Callable[[object], bool] | None = None,
    on_filed: Callable[[dict], Awaitable[None]] | None = None,
) -> dict:
    """File ``claimant``'s claim on ``policy`` (whose right to claim the caller has checked): the policyholder's
    own claim, or a beneficiary's (claims.beneficiary: ``share`` of a lump sum, ``only`` the coverages they may
    claim, ``on_filed`` records more in the same transaction)."""
    if key:
        check_key(key)
    request_key = f"{claimant['id']}:{key}" if key else ""
    fingerprint = _fingerprint(policy["number"], data) if key else ""
    if previous := await _replay(request_key, fingerprint):
        return previous
    today = clock.today()
    prod = products.product(policy["product_code"], on=policy["effective_date"] or today)
    coverages = {c.code: c for c in claimable(prod.coverages) if only is None or only(c)}
    claimed_cover = coverages.get(str(data.get("coverage_code", "")))
    extra = await exits.extra_cover(policy, claimed_cover, today) if claimed_cover is not None else Decimal(0)
    loss, description, claimed, errors = _parse_claim(
        data, today, coverages, from_fen(policy["sum_insured_fen"]), extra
    )
    if claimed.amount is not None and share != HUNDRED:
        claimed = replace(claimed, amount=quantize(claimed.amount * share / HUNDRED))
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
                amount_fen=to_fen(claimed.amount),  # type: ignore[arg-type]
                event_end_date=claimed.discharge,
                status=ClaimStatus.SUBMITTED,
                created_at=clock.now(),
                updated_at=clock.now(),
                request_key=request_key,
                request_hash=fingerprint,
            )
        ).returning(*Claim.all_columns())
        claim = rows[0]
        await _record_invoices(claim["id"], claimed.invoices)
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
        if on_filed is not None:
            await on_filed(claim)
        await outbox.enqueue("claims.assess", claim["id"])
    return claim
