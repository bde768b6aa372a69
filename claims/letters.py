"""The decision letter (理赔决定通知书), one PDF per decision (issue 10, H5): the decision, the rules that decided,
the computation, and for a denial the reason code, the clause or exclusion cited and how to complain or reopen.

One file, two pages: the claimant's language first, the other language on the second page. One file rather than
two because the letter is a legal notice: the Chinese text is the one that counts in China, the English one is
what a foreign claimant reads, and both must travel together (attached to one e-mail, downloaded from one link,
forwarded to a lawyer or a complaints office) without one getting lost. Rendered by the worker that sends the
decision's notice (claims.notices), stored through insure.document_store under ``claim_letter:<claim>:<event>``:
a claim reopened and decided again gets a new letter; the latest is the one served.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from claims.model import REOPEN_WINDOW_DAYS
from claims.tables import Claim, ClaimEvent
from insure import clock, document_store, i18n
from insure.auth.tables import User
from insure.errors import N_, NotFound
from insure.policies.tables import Policy
from insure.tables_base import json_value
from insure.templating import render
from products import services as products

KIND = "claim_letter"
DECISIONS = ("approved", "denied")
# the clause each denial code rests on (msgids; the exclusions of the product are cited in full for excluded_cause)
CLAUSES = {
    "not_in_force": N_(
        "Policy terms, period of cover: only a loss during the period of cover (%(start)s – %(end)s) is covered."
    ),
    "waiting_period": N_(
        "Policy terms, waiting period: a loss in the first %(days)s days after cover starts (%(start)s) is not covered."
    ),
    "excluded_cause": N_("Policy terms, exclusions: the policy does not pay for a loss caused by the following."),
    "not_covered_event": N_("Policy terms, the benefit claimed: it pays only for the events its terms describe."),
    "fraud_suspected": N_(
        "Insurance Law art. 27: no benefit is paid for a loss that did not happen or was exaggerated, or on "
        "documents that were forged or altered."
    ),
    "insufficient_evidence": N_(
        "Insurance Law art. 22: the claimant gives the proof and documents of the loss that can reasonably be "
        "obtained; on what was given, the loss is not proved."
    ),
}


def doc_key(claim_id: int, event_id: int) -> str:
    return f"{KIND}:{claim_id}:{event_id}"


def cited_clauses(code: str, product: Any, policy: dict) -> list[str]:
    """The clause (and, for an excluded cause, each exclusion of the product) a denial cites, in the current
    language."""
    if code not in CLAUSES:
        return []
    zh = i18n.get_locale() == "zh_CN"
    text = i18n.gettext(
        CLAUSES[code],
        start=str(policy.get("effective_date") or ""),
        end=str(policy.get("expiry_date") or "—"),
        days=getattr(product, "waiting_period_days", 0),
    )
    found = [text]
    if code == "excluded_cause":
        found += [e.zh if zh else e.en for e in getattr(product, "exclusions", ())]
    return found


async def latest_decision(claim_id: int) -> dict | None:
    """The claim's latest decision event (approved or denied), while the claim still stands decided."""
    claim = await Claim.select(Claim.status).where(Claim.id == claim_id).first()
    if claim is None or claim["status"] not in ("approved", "paid", "denied"):
        return None
    return (
        await ClaimEvent.select()
        .where((ClaimEvent.claim == claim_id) & ClaimEvent.to_status.is_in(list(DECISIONS)))
        .order_by(ClaimEvent.id, ascending=False)
        .first()
    )


async def _html(claim: dict, event: dict) -> str:
    policy = await Policy.select().where(Policy.id == claim["policy"]).first()
    claimant = await User.select().where(User.id == claim["claimant"]).first()
    prod = products.quoted_product(policy)
    coverage = next((c for c in prod.coverages if c.code == claim["coverage_code"]), None)
    first = claimant["locale"] if claimant["locale"] in i18n.LOCALES else i18n.DEFAULT_LOCALE
    pages = []
    for locale in (first, *(loc for loc in i18n.LOCALES if loc != first)):
        with i18n.use_locale(locale):
            pages.append(
                render(
                    "pdf/_claim_letter_page.html",
                    claim=claim,
                    event=event,
                    policy=policy,
                    claimant=claimant,
                    product=prod,
                    coverage=coverage,
                    outcome=event["to_status"],
                    rules=json_value(claim["assessment"]) or [],
                    calculation=json_value(claim["calculation"]) or [],
                    clauses=cited_clauses(claim["denial_code"], prod, policy) if event["to_status"] == "denied" else [],
                    reopen_days=REOPEN_WINDOW_DAYS,
                    generated_at=clock.now(),
                )
            )
    return render("pdf/claim_letter.html", pages=[Markup(p) for p in pages])


async def ensure(claim_id: int, event_id: int) -> Path:
    """The letter of this decision, rendered and stored once (a second call finds it ready); its path."""
    key = doc_key(claim_id, event_id)
    if not await document_store.is_ready(key):
        claim = await Claim.select().where(Claim.id == claim_id).first()
        event = await ClaimEvent.select().where(ClaimEvent.id == event_id).first()
        await document_store.store_pdf(
            doc_key=key,
            kind=KIND,
            owner_type="claim",
            owner_id=claim_id,
            relative=f"claims/{claim['number']}/decision-{event_id}.pdf",
            html=await _html(claim, event),
        )
    return await document_store.ready_path(key)


async def letter_path(claim: dict) -> Path:
    """The latest decision's letter: 404 ``letter_not_found`` before any decision, 409 while it is rendered."""
    event = await latest_decision(claim["id"])
    if event is None:
        raise NotFound(N_("This claim has no decision letter yet."), code="letter_not_found")
    return await document_store.ready_path(doc_key(claim["id"], event["id"]))


async def letter_status(claim: dict) -> str | None:
    """None before a decision; ``pending`` while the worker renders it; ``ready``."""
    event = await latest_decision(claim["id"])
    if event is None:
        return None
    return "ready" if await document_store.is_ready(doc_key(claim["id"], event["id"])) else "pending"
