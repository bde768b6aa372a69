"""The automated assessment step (worker): gather the facts, evaluate them with the rule set in force, then
approve and pay straight through, or refer to an adjuster chosen by kind, authority and workload — with every
reason recorded on the claim (assessment, calculation, signals, fraud score, rule set version, referral reasons).
"""

from __future__ import annotations

import json
from decimal import Decimal

from claims import documents
from claims import facts as claim_facts
from claims.assignment import Adjuster, Assignment, choose
from claims.model import UNLIMITED_ROLES, ClaimStatus
from claims.rules import APPROVE, Evaluation, evaluate
from claims.ruleset import current
from claims.services import _move
from claims.tables import Claim, ClaimsStaff
from insure import outbox
from insure.auth.tables import User
from insure.db import for_update, transaction
from insure.events import ClaimApproved, publish
from insure.money import to_fen

# claims an adjuster is working on: their workload
OPEN_STATUSES = (ClaimStatus.REFERRED, ClaimStatus.AWAITING_APPROVAL, ClaimStatus.INFO_REQUESTED)


async def run_assessment(claim_id: int) -> str | None:
    """Worker step ``claims.assess``: approve (and queue payment) or refer to an adjuster. Idempotent: a claim no
    longer submitted or assessing is left alone."""
    async with transaction():
        claim = await for_update(Claim.select().where(Claim.id == claim_id)).first()
        if claim is None or claim["status"] not in (ClaimStatus.SUBMITTED, ClaimStatus.ASSESSING):
            return None
        if claim["status"] == ClaimStatus.SUBMITTED:
            await _move(claim_id, ClaimStatus.SUBMITTED, ClaimStatus.ASSESSING, "automated assessment started")
        found = await claim_facts.gather(claim_id)
        if found is None:  # input the rules cannot use: fail, so the step is retried and parked for staff
            raise LookupError(f"claim {claim_id}: coverage {claim['coverage_code']!r} is not in the policy's product")
        if not await documents.check_complete(claim_id):  # documents missing: requested, all together (art. 22)
            return "awaiting_documents"
        result = evaluate(found, current())
        recorded = {
            "assessment": json.dumps(result.assessment_record()),
            "calculation": json.dumps(result.calculation_record()),
            "signals": json.dumps(result.signals_record()),
            "fraud_score": result.scored.score,
            "ruleset_version": result.ruleset_version,
        }
        payable_fen = to_fen(result.payable)
        if result.outcome == APPROVE:
            await _move(
                claim_id,
                ClaimStatus.ASSESSING,
                ClaimStatus.APPROVED,
                f"approved straight through (rules {result.ruleset_version}, score {result.scored.score})",
                approved_fen=payable_fen,
                referral_reasons="[]",
                **recorded,
            )
            await publish(ClaimApproved(claim_id, claim["policy"], payable_fen))
            await outbox.enqueue("claims.pay", claim_id)
        else:
            assignment = await assign(found.kind, payable_fen)
            await _move(
                claim_id,
                ClaimStatus.ASSESSING,
                ClaimStatus.REFERRED,
                _short(result),
                assigned_to=assignment.adjuster_id,
                referral_reasons=json.dumps(list(result.reasons) + list(assignment.reasons)),
                **recorded,
            )
    return result.outcome


def _short(result: Evaluation) -> str:
    codes = [c.code for c in result.coverage.failed] + [s.code for s in result.scored.fired]
    if not result.within_limit:
        codes.append("above_automatic_limit")
    return f"referred: {', '.join(codes) or 'fraud score'}"[:255]


async def adjusters() -> list[Adjuster]:
    """The active adjusters with their skills, authority and open claims."""
    users = await User.select(User.id, User.name, User.role, User.authority_fen).where(
        (User.role == "adjuster") & (User.is_active.eq(True))
    )
    if not users:
        return []
    staff = {r["user"]: r for r in await ClaimsStaff.select(ClaimsStaff.user, ClaimsStaff.skills, ClaimsStaff.manager)}
    load: dict[int, int] = {u["id"]: 0 for u in users}
    for row in await Claim.select(Claim.assigned_to).where(Claim.status.is_in(list(OPEN_STATUSES))):
        if row["assigned_to"] in load:
            load[row["assigned_to"]] += 1
    found = []
    for u in users:
        skills = staff.get(u["id"], {}).get("skills") or []
        if isinstance(skills, str):
            skills = json.loads(skills)
        found.append(
            Adjuster(
                u["id"],
                u["name"],
                tuple(skills),
                u["authority_fen"],
                u["role"] in UNLIMITED_ROLES,
                load[u["id"]],
                bool(staff.get(u["id"], {}).get("manager")),
            )
        )
    return found


async def assign(kind: str, payable_fen: int) -> Assignment:
    return choose(await adjusters(), kind, payable_fen)


async def payable_now(claim_id: int) -> Decimal | None:
    """What the claim's benefit pays if decided now (the adjuster's ceiling), or None."""
    found = await claim_facts.gather(claim_id)
    if found is None:
        return None
    return evaluate(found, current()).payable
