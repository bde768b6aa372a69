"""The policy schedule (电子保单): rendered to PDF by a worker, stored, and served when ready."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from insure import clock, document_store, i18n, mail
from insure.auth.tables import User
from insure.money import from_fen
from insure.policies.model import PolicyStatus
from insure.policies.tables import Policy
from insure.settings import get_settings
from insure.tables_base import json_value
from insure.templating import render
from products import services as products

KIND = "policy_schedule"


def doc_key(policy_id: int) -> str:
    return f"{KIND}:{policy_id}"


async def render_schedule(policy_id: int) -> None:
    """Render the schedule once, then deliver it by e-mail once; both steps are safe to repeat."""
    if not await document_store.is_ready(doc_key(policy_id)):
        await _render(policy_id)
    await _deliver(policy_id)


async def _deliver(policy_id: int) -> None:
    """E-delivery: the schedule goes to the policyholder, and delivery starts the free-look period."""
    policy = await Policy.select().where(Policy.id == policy_id).first()
    if policy is None or policy["delivered_at"] is not None or not await document_store.is_ready(doc_key(policy_id)):
        return
    holder = await User.select(User.email, User.name, User.locale).where(User.id == policy["customer"]).first()
    pdf = (await document_store.ready_path(doc_key(policy_id))).read_bytes()
    prod = products.quoted_product(policy)
    with i18n.use_locale(holder["locale"]):
        body = render(
            "mail/policy_delivery.txt", policy=policy, holder=holder, product=prod, public_url=get_settings().public_url
        )
        subject = i18n.gettext("Your policy %(number)s", number=policy["number"])
    mail.send(holder["email"], subject, body, [(f"{policy['number']}.pdf", pdf, "application/pdf")])
    await Policy.update({Policy.delivered_at: clock.now()}).where(
        (Policy.id == policy_id) & Policy.delivered_at.is_null()
    )


async def _render(policy_id: int) -> None:
    policy = await Policy.select().where(Policy.id == policy_id).first()
    if policy is None or policy["status"] == PolicyStatus.PENDING_PAYMENT:
        return
    holder = (
        await User.select(User.name, User.email, User.mobile, User.locale).where(User.id == policy["customer"]).first()
    )
    prod = products.quoted_product(policy)
    for key in ("beneficiaries", "exclusions"):
        policy[key] = json_value(policy[key]) or []
    from insure.policies import premiums

    instalments = await premiums.schedule_of(policy_id)
    with i18n.use_locale(holder["locale"]):
        html = render(
            "pdf/policy_schedule.html",
            policy=policy,
            holder=holder,
            product=prod,
            sum_insured=from_fen(policy["sum_insured_fen"]),
            premium=from_fen(policy["premium_fen"]),
            generated_at=clock.now(),
            instalments=instalments[:12],
            instalment_count=len(instalments),
        )
    await document_store.store_pdf(
        doc_key=doc_key(policy_id),
        kind=KIND,
        owner_type="policy",
        owner_id=policy_id,
        relative=f"policies/{policy['number']}/{KIND}.pdf",
        html=html,
    )


async def schedule_for(policy: dict) -> dict | None:
    return await document_store.find(doc_key(policy["id"]))


async def ready_path(policy: dict) -> Path:
    return await document_store.ready_path(doc_key(policy["id"]))


async def missing_schedules(older_than: timedelta = timedelta(minutes=2), limit: int = 500) -> list[int]:
    """Policies issued a while ago that still have no ready schedule (for the reconciler), in one anti-join; a
    rendering parked as needs_attention is left for staff (insure.work)."""
    rows = await Policy.raw(
        "SELECT p.id FROM policy p WHERE p.status = 'in_force' AND p.issued_at < {} AND NOT EXISTS ("
        " SELECT 1 FROM document d WHERE d.owner_type = 'policy' AND d.owner_id = p.id"
        " AND d.kind = {} AND d.status = 'ready') AND NOT EXISTS ("
        " SELECT 1 FROM work_attempt w WHERE w.work_key = {} || CAST(p.id AS VARCHAR(20))"
        " AND w.status = 'needs_attention') ORDER BY p.id LIMIT {}",
        clock.now() - older_than,
        KIND,
        "documents.render_policy_schedule:",
        limit,
    )
    return [r["id"] for r in rows]
