"""Gathering a claim's facts from the database, for the live assessment and the backtest alike.

Only what was on record BEFORE the claim counts as its history (claims with a lower id): a backtest then sees
each historic claim as the assessment saw it, and the first of two claims sharing an invoice is not blamed for the
second. The decision itself is pure (claims.rules.evaluate).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from claims.coverage import ZERO, Cover, CoverageFacts, Invoice, cover_limit, policy_year_start
from claims.invoices import number_key
from claims.kinds import kind_of
from claims.rules import ClaimFacts
from claims.signals import SignalFacts
from claims.tables import Claim, ClaimDocument, ClaimInvoice
from insure.accounts import exits
from insure.money import from_fen
from insure.policies.tables import Policy, PolicyEvent
from products import services as products

HUNDRED = Decimal(100)
# claims whose benefit counts against the annual limit and the per-year deductible
SETTLED = ("approved", "paid")


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


def cover_of(policy: dict, coverage: object, product: object, account_cover: Decimal = ZERO) -> Cover:
    """The coverage's terms for this policy; ``account_cover`` is a participating policy's extra death cover."""
    kind = kind_of(coverage)
    return Cover(
        code=coverage.code,  # type: ignore[attr-defined]
        kind=kind.code,
        pays=kind.pays,
        limit=cover_limit(from_fen(policy["sum_insured_fen"]), coverage, account_cover),
        deductible=coverage.deductible,  # type: ignore[attr-defined]
        deductible_basis=getattr(coverage, "deductible_basis", "per_claim"),
        coinsurance_percent=coverage.coinsurance_percent,  # type: ignore[attr-defined]
        coinsurance_percent_without_social_insurance=coverage.coinsurance_percent_without_social_insurance,  # type: ignore[attr-defined]
        waiting_period_days=product.waiting_period_days,  # type: ignore[attr-defined]
        accident_product=product.type == "personal_accident",  # type: ignore[attr-defined]
    )


def _deductible_borne(claim: dict, cover: Cover) -> Decimal:
    """The deductible an earlier claim bore: its recorded calculation, else what its amount could have borne."""
    for step in _json(claim["calculation"]) or []:  # type: ignore[union-attr]
        if step.get("step") == "deductible":
            return Decimal(step["amount"])
    return min(cover.deductible, from_fen(claim["amount_fen"]))


async def _invoices(claim_id: int) -> tuple[Invoice, ...]:
    rows = await ClaimInvoice.select().where(ClaimInvoice.claim == claim_id).order_by(ClaimInvoice.id)
    return tuple(
        Invoice(
            r["number"], r["issuer"], r["issued_on"], from_fen(r["amount_fen"]), from_fen(r["social_insurance_fen"])
        )
        for r in rows
    )


def _issuer_key(issuer: str) -> str:
    return " ".join(issuer.split()).casefold()


async def _duplicate_invoices(claim_id: int, invoices: tuple[Invoice, ...]) -> tuple[tuple[str, str, str], ...]:
    """Invoices of this claim given on an earlier claim of anyone: the same number (stored as ``number_key``:
    without case, spaces or dashes) from the same issuer (without case or extra spaces)."""
    if not invoices:
        return ()
    keys = sorted({number_key(i.number) for i in invoices})
    rows = await ClaimInvoice.select(
        ClaimInvoice.number, ClaimInvoice.issuer, ClaimInvoice.claim.number.as_alias("claim_number")
    ).where(ClaimInvoice.number.is_in(keys) & (ClaimInvoice.claim < claim_id))
    mine = {(number_key(i.number), _issuer_key(i.issuer)) for i in invoices}
    return tuple(
        (r["number"], r["issuer"], r["claim_number"])
        for r in rows
        if (number_key(r["number"]), _issuer_key(r["issuer"])) in mine
    )


async def _duplicate_documents(claim_id: int) -> tuple[tuple[str, str], ...]:
    hashes = [
        r["sha256"] for r in await ClaimDocument.select(ClaimDocument.sha256).where(ClaimDocument.claim == claim_id)
    ]
    if not hashes:
        return ()
    rows = await ClaimDocument.select(ClaimDocument.sha256, ClaimDocument.claim.number.as_alias("claim_number")).where(
        ClaimDocument.sha256.is_in(sorted(set(hashes))) & (ClaimDocument.claim < claim_id)
    )
    return tuple(sorted({(r["sha256"], r["claim_number"]) for r in rows}))


async def _reinstated_on(policy_id: int, before: date) -> date | None:
    rows = await PolicyEvent.select(PolicyEvent.at).where(
        (PolicyEvent.policy == policy_id)
        & (PolicyEvent.from_status == "lapsed")
        & (PolicyEvent.to_status == "in_force")
    )
    days = [r["at"].date() for r in rows if r["at"].date() <= before]
    return max(days) if days else None


async def _bank_account_sharers(claim: dict, policy: dict) -> tuple[int, ...]:
    """Claimants (not this one, not on a policy of the same insured) whose policies pay into the same account."""
    token = policy["bank_account_token"]
    if not token:
        return ()
    rows = await Claim.select(Claim.claimant, Claim.policy.insured_id_number.as_alias("insured")).where(
        (Claim.policy.bank_account_token == token) & (Claim.id < claim["id"])
    )
    return tuple(
        sorted(
            {
                r["claimant"]
                for r in rows
                if r["claimant"] != claim["claimant"] and r["insured"] != policy["insured_id_number"]
            }
        )
    )


async def gather(claim_id: int) -> ClaimFacts | None:
    """The facts of one claim as recorded; None when the claim (or its coverage in the product) is gone."""
    claim = await Claim.select().where(Claim.id == claim_id).first()
    if claim is None:
        return None
    policy = await Policy.select().where(Policy.id == claim["policy"]).first()
    product = products.product(policy["product_code"], on=policy["effective_date"])
    coverage = next((c for c in product.coverages if c.code == claim["coverage_code"]), None)
    if coverage is None:
        return None
    cover = cover_of(policy, coverage, product, await exits.extra_cover(policy, coverage, claim["loss_date"]))
    start = policy["effective_date"]
    end = policy["expiry_date"] or date.max
    invoices = await _invoices(claim_id)
    year_start = policy_year_start(start, claim["loss_date"])
    earlier = await Claim.select(Claim.approved_fen, Claim.amount_fen, Claim.calculation, Claim.loss_date).where(
        (Claim.policy == policy["id"])
        & (Claim.coverage_code == claim["coverage_code"])
        & (Claim.id < claim_id)
        & Claim.status.is_in(list(SETTLED))
    )
    this_year = [c for c in earlier if policy_year_start(start, c["loss_date"]) == year_start]
    paid = sum((from_fen(c["approved_fen"]) for c in this_year), ZERO)
    used = sum((_deductible_borne(c, cover) for c in this_year), ZERO) if cover.deductible_basis == "per_year" else ZERO
    coverage_facts = CoverageFacts(
        cover=cover,
        claimed=from_fen(claim["amount_fen"]),
        loss_date=claim["loss_date"],
        reported_on=claim["reported_on"],
        policy_status=policy["status"],
        cover_start=start,
        cover_end=end,
        event_end_date=claim["event_end_date"],
        invoices=invoices,
        paid_this_year=paid,
        deductible_used_this_year=min(used, cover.deductible),
    )
    insured = await Claim.select(Claim.number, Claim.reported_on).where(
        (Claim.policy.insured_id_number == policy["insured_id_number"]) & (Claim.id < claim_id)
    )
    issued = policy["issued_at"].date() if policy["issued_at"] else start
    signal_facts = SignalFacts(
        claim_number=claim["number"],
        reported_on=claim["reported_on"],
        loss_date=claim["loss_date"],
        event_end_date=claim["event_end_date"],
        issued_on=issued,
        cover_start=start,
        reinstated_on=await _reinstated_on(policy["id"], claim["reported_on"]),
        amount=from_fen(claim["amount_fen"]),
        straight_through_limit=product.straight_through_limit,
        invoices=invoices,
        insured_claims=tuple((r["number"], r["reported_on"]) for r in insured),
        duplicate_invoices=await _duplicate_invoices(claim_id, invoices),
        duplicate_documents=await _duplicate_documents(claim_id),
        bank_account_sharers=await _bank_account_sharers(claim, policy),
    )
    return ClaimFacts(
        claim_id=claim_id,
        number=claim["number"],
        kind=cover.kind,
        insurer_code=policy["insurer_code"],
        product_code=policy["product_code"],
        straight_through_limit=product.straight_through_limit,
        coverage=coverage_facts,
        signals=signal_facts,
    )
