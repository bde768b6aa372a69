"""The claimant is told of every step of their claim by e-mail, in their language (issue 10, H5): filed, the missing
documents (all in one list), complete, information requested, approved (with the computation), paid, denied (with
the reason, the clause and the decision letter), reopened. Staff get the deadline warnings and escalations.

``queue`` is called by ``claims.services._move`` inside the move's transaction: it puts ``claims.notify(<event
id>)`` in the outbox. The task (``send``) writes the e-mail once per event: a ``ClaimNotice`` row is reserved
under a unique key before sending, so a repeated task (a redelivery, the reconciler) sends nothing twice.
"""

from __future__ import annotations

from typing import Any

from claims import deadlines, letters
from claims.kinds import kind_of, missing_documents
from claims.notice_tables import ClaimNotice
from claims.tables import Claim, ClaimDeadline, ClaimDocument, ClaimEvent, ClaimsStaff
from insure import clock, i18n, mail, outbox
from insure.auth.tables import User
from insure.errors import N_
from insure.payments.payout_model import payout_key
from insure.payments.payouts import payout_for_key
from insure.policies.tables import Policy
from insure.settings import get_settings
from insure.tables_base import json_value
from insure.templating import render
from products import services as products

NOTIFY_TASK = "claims.notify"
WARN_TASK, ESCALATE_TASK = "claims.deadline_warning", "claims.deadline_escalation"

# (from, to) -> the notice the claimant gets; a move not listed (e.g. to a second approval) sends nothing
NOTICE_OF: dict[tuple[str, str], str] = {
    ("submitted", "assessing"): "filed",
    ("assessing", "awaiting_documents"): "documents",
    ("awaiting_documents", "assessing"): "complete",
    ("assessing", "referred"): "referred",
    ("awaiting_documents", "referred"): "referred",
    ("referred", "info_requested"): "info_requested",
    ("assessing", "approved"): "approved",
    ("referred", "approved"): "approved",
    ("awaiting_approval", "approved"): "approved",
    ("approved", "paid"): "paid",
    ("referred", "denied"): "denied",
    ("awaiting_approval", "denied"): "denied",
    ("denied", "referred"): "reopened",
}
SUBJECTS = {
    "filed": N_("We have received your claim %(number)s"),
    "documents": N_("Claim %(number)s: documents we still need"),
    "complete": N_("Claim %(number)s is complete"),
    "referred": N_("Claim %(number)s is with a claims adjuster"),
    "info_requested": N_("Claim %(number)s: we need more information"),
    "approved": N_("Claim %(number)s is approved"),
    "paid": N_("Claim %(number)s is paid"),
    "denied": N_("Claim %(number)s: our decision"),
    "reopened": N_("Claim %(number)s is reopened"),
    "warning": N_("Deadline at risk: claim %(number)s"),
    "escalation": N_("Deadline passed: claim %(number)s"),
}
DEADLINE_LABELS = {
    deadlines.DOCUMENTS_NOTICE: N_("tell the claimant what is missing"),
    deadlines.DECIDE: N_("decide the claim"),
    deadlines.PAY: N_("pay the approved benefit"),
    deadlines.DENIAL_NOTICE: N_("send the reasoned denial notice"),
}


def notice_of(current: str, target: str) -> str | None:
    return NOTICE_OF.get((str(current), str(target)))


async def queue(claim_id: int, current: str, target: str) -> None:
    """In the move's transaction: the claimant's notice of this move goes to the outbox (keyed by its event)."""
    if notice_of(current, target) is None:
        return
    event = (
        await ClaimEvent.select(ClaimEvent.id)
        .where((ClaimEvent.claim == claim_id) & (ClaimEvent.to_status == str(target)))
        .order_by(ClaimEvent.id, ascending=False)
        .first()
    )
    if event is not None:
        await outbox.enqueue(NOTIFY_TASK, event["id"])


async def _reserve(key: str, claim_id: int, kind: str, recipient: str) -> bool:
    """True when this notice is still to send (reserved now, or reserved by an attempt that did not send it)."""
    row = await ClaimNotice.select().where(ClaimNotice.notice_key == key).first()
    if row is None:
        try:
            await ClaimNotice.insert(ClaimNotice(notice_key=key, claim=claim_id, kind=kind, recipient=recipient))
        except Exception:  # a concurrent attempt reserved it first: that one sends it
            if await ClaimNotice.exists().where(ClaimNotice.notice_key == key):
                return False
            raise
        return True
    return row["sent_at"] is None


async def _sent(key: str) -> None:
    await ClaimNotice.update({ClaimNotice.sent_at: clock.now()}).where(ClaimNotice.notice_key == key)


async def sent_at(key: str) -> Any:
    row = await ClaimNotice.select(ClaimNotice.sent_at).where(ClaimNotice.notice_key == key).first()
    return row["sent_at"] if row else None


async def send(event_id: int) -> str | None:
    """Worker: the claimant's e-mail for one step of the claim, once. Returns the kind sent (None: nothing)."""
    event = await ClaimEvent.select().where(ClaimEvent.id == event_id).first()
    if event is None:
        return None
    kind = notice_of(event["from_status"], event["to_status"])
    if kind is None:
        return None
    claim = await Claim.select().where(Claim.id == event["claim"]).first()
    claimant = await User.select().where(User.id == claim["claimant"]).first()
    key = f"event:{event_id}"
    if not await _reserve(key, claim["id"], kind, claimant["email"]):
        return None
    attachments: list[tuple[str, bytes, str]] = []
    if kind in ("approved", "denied"):  # the decision letter goes with the notice
        path = await letters.ensure(claim["id"], event_id)
        attachments.append((f"{claim['number']}-decision.pdf", path.read_bytes(), "application/pdf"))
    with i18n.use_locale(claimant["locale"]):  # the clause cited is worded in the claimant's language too
        context = await _context(kind, claim, event)
        body = render(f"mail/claim_{kind}.txt", claimant=claimant, claim=claim, event=event, **context)
        subject = i18n.gettext(SUBJECTS[kind], number=claim["number"])
    mail.send(claimant["email"], subject, body, attachments)
    await _sent(key)
    return kind


async def _context(kind: str, claim: dict, event: dict) -> dict[str, Any]:
    policy = await Policy.select().where(Policy.id == claim["policy"]).first()
    prod = products.quoted_product(policy)
    coverage = next((c for c in prod.coverages if c.code == claim["coverage_code"]), None)
    ctx: dict[str, Any] = {
        "policy": policy,
        "product": prod,
        "coverage": coverage,
        "url": f"{get_settings().public_url}/claims/{claim['number']}",
        "calculation": json_value(claim["calculation"]) or [],
        "missing": [],
        "clauses": [],
        "payout": None,
        "decide_by": None,
    }
    if kind == "documents":
        present = {
            d["doc_type"]
            for d in await ClaimDocument.select(ClaimDocument.doc_type).where(
                (ClaimDocument.claim == claim["id"]) & (ClaimDocument.uploaded_at <= event["at"])
            )
        }
        ctx["missing"] = list(missing_documents(kind_of(coverage), present))
    if kind in ("filed", "complete", "referred", "reopened"):
        from claims import deadline_jobs

        ctx["decide_by"] = deadlines.decide_by(await deadline_jobs.clock_of(claim), clock.today())
    if kind == "paid":
        ctx["payout"] = await payout_for_key(payout_key("claim", claim["id"]))
    if kind == "denied":
        ctx["clauses"] = letters.cited_clauses(claim["denial_code"], prod, policy)
    return ctx


# --- the deadline warnings and escalations to staff (queued by claims.deadline_jobs) ---


async def _managers() -> list[dict]:
    """The claims managers (ClaimsStaff.manager), or the administrators when there is none."""
    ids = [r["user"] for r in await ClaimsStaff.select(ClaimsStaff.user).where(ClaimsStaff.manager.eq(True))]
    query = User.select().where(User.is_active.eq(True))
    people = await query.where(User.id.is_in(ids)) if ids else []
    return people or await User.select().where((User.role == "admin") & User.is_active.eq(True))


async def alert(deadline_id: int, which: str) -> int:
    """Worker: e-mail a deadline's warning (the assigned adjuster; the managers when nobody is assigned) or its
    escalation (the managers), once per recipient. Returns how many e-mails were sent now."""
    deadline = await ClaimDeadline.select().where(ClaimDeadline.id == deadline_id).first()
    if deadline is None:
        return 0
    claim = await Claim.select().where(Claim.id == deadline["claim"]).first()
    people: list[dict] = []
    if which == "warning" and claim["assigned_to"] is not None:
        people = await User.select().where(User.id == claim["assigned_to"])
    if not people:
        people = await _managers()
    sent = 0
    for person in people:
        key = f"{which}:{deadline_id}:{person['id']}"
        if not await _reserve(key, claim["id"], which, person["email"]):
            continue
        with i18n.use_locale(person["locale"]):
            body = render(
                "mail/claim_deadline.txt",
                person=person,
                claim=claim,
                deadline=deadline,
                which=which,
                task=i18n.gettext(DEADLINE_LABELS.get(deadline["kind"], deadline["kind"])),
                days_left=(deadline["due_on"] - clock.today()).days,
                url=f"{get_settings().public_url}/claims/{claim['number']}",
            )
            subject = i18n.gettext(SUBJECTS[which], number=claim["number"])
        mail.send(person["email"], subject, body)
        await _sent(key)
        sent += 1
    return sent
