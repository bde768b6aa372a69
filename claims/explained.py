"""What the claim page and the API tell about a claim beyond its columns (issue 10, H5): the day the claimant will
hear by, the documents still awaited, the adjuster's open question, the decision letter, the timeline in plain
words and, for staff, the days left on each statutory deadline."""

from __future__ import annotations

from typing import Any

from claims import deadline_jobs, deadlines, documents, letters
from claims.tables import ClaimEvent
from insure import clock
from insure.errors import N_
from insure.policies.tables import Policy
from products import services as products

# each step of the timeline as the claimant reads it (to_status, or (from, to) where the same status means two
# things); a step not listed (an approval waiting for a second person, sent back) shows as "Under review"
STEPS: dict[Any, str] = {
    "submitted": N_("Claim received"),
    ("submitted", "assessing"): N_("Automated checks started"),
    ("awaiting_documents", "assessing"): N_("All documents received: the claim is complete"),
    "awaiting_documents": N_("Documents requested (one list)"),
    "info_requested": N_("More information requested"),
    ("info_requested", "referred"): N_("Information received"),
    ("assessing", "referred"): N_("With a claims adjuster"),
    ("awaiting_documents", "referred"): N_("With a claims adjuster"),
    ("denied", "referred"): N_("Reopened"),
    "approved": N_("Approved"),
    "denied": N_("Denied"),
    "paid": N_("Paid"),
}
UNDER_REVIEW = N_("Under review")


def coverage_of(policy: dict, claim: dict) -> Any:
    """The product coverage the claim is made under (None for a code the product no longer has)."""
    prod = products.quoted_product(policy)
    return next((c for c in prod.coverages if c.code == claim["coverage_code"]), None)


def step_label(from_status: str, to_status: str) -> str:
    return STEPS.get((from_status, to_status)) or STEPS.get(to_status) or UNDER_REVIEW


async def awaited_documents(claim: dict, coverage: Any) -> list[str]:
    """The documents still missing (claims.kinds codes) while the claim waits for them."""
    if claim["status"] != "awaiting_documents":
        return []
    return list(await documents.missing_for(claim))


async def explain(claim: dict, coverage: Any, *, staff: bool) -> dict[str, Any]:
    today = clock.today()
    facts = await deadline_jobs.clock_of(claim)
    events = await ClaimEvent.select().where(ClaimEvent.claim == claim["id"]).order_by(ClaimEvent.id)
    question = next((e["reason"] for e in reversed(events) if e["to_status"] == "info_requested"), "")
    # internal rows (a reserve set, a reassignment: the status stays) are not steps of the claimant's timeline
    timeline = [
        {"at": e["at"], "step": step_label(e["from_status"], e["to_status"])}
        for e in events
        if e["from_status"] != e["to_status"]
    ]
    return {
        "decide_by": deadlines.decide_by(facts, today),
        "letter": await letters.letter_status(claim),
        "awaited": await awaited_documents(claim, coverage),
        "question": question if claim["status"] == "info_requested" else "",
        "timeline": timeline,
        "deadlines": await deadline_jobs.deadlines_of(claim, today) if staff else [],
        "clauses": await _clauses(claim) if claim["status"] == "denied" else [],
    }


async def _clauses(claim: dict) -> list[str]:
    """The clause (and exclusions) a denial cites, in the reader's language."""
    policy = await Policy.select().where(Policy.id == claim["policy"]).first()
    return letters.cited_clauses(claim["denial_code"], products.quoted_product(policy), policy)
