"""Thin, idempotent platform tasks: outbox relay, reconciler, payments and documents."""

from __future__ import annotations

import logging
from datetime import timedelta

from insure import document_store, outbox
from insure.payments import services as payments
from insure.policies import schedule
from insure.worker import celery_app, run

log = logging.getLogger(__name__)
RENDER_TASKS = document_store.RENDER_TASKS


@celery_app.task(name="outbox.relay")
def relay_outbox() -> int:
    # Rows younger than a second are usually being published by the web process that wrote them.
    return run(outbox.relay_pending(min_age=timedelta(seconds=1)))


@celery_app.task(name="outbox.reconcile")
def reconcile() -> int:
    """Re-enqueue work whose step has not finished in time; safe because every step is idempotent."""
    return run(_reconcile())


async def _reconcile() -> int:
    from claims import services as claims

    work: list[tuple[str, object]] = list(await claims.stuck())
    work += [("payments.sandbox_settle", ref) for ref in await payments.stuck_charges()]
    work += [("documents.render_policy_schedule", pid) for pid in await schedule.missing_schedules()]
    pending = await document_store.stuck_pending()
    work += [(RENDER_TASKS[kind], owner) for kind, owner in pending if kind in RENDER_TASKS]
    for task, arg in work:
        celery_app.send_task(task, args=[arg])
    if work:
        log.info("reconciler re-enqueued %d steps", len(work))
    return len(work)


@celery_app.task(name="payments.sandbox_settle")
def sandbox_settle(gateway_ref: str) -> None:
    run(payments.sandbox_settle(gateway_ref))


@celery_app.task(name="documents.render_policy_schedule")
def render_policy_schedule(policy_id: int) -> None:
    run(schedule.render_schedule(policy_id))


@celery_app.task(name="documents.render_illustration")
def render_illustration(quote_id: int) -> None:
    from products import illustration_doc

    run(illustration_doc.render_illustration(quote_id))


@celery_app.task(name="payments.sandbox_refund")
def sandbox_refund(refund_id: int) -> None:
    run(payments.settle_refund(refund_id))


@celery_app.task(name="policies.billing_scan")
def billing_scan() -> dict[str, int]:
    from insure.policies import premiums

    return run(premiums.scan())


@celery_app.task(name="payments.sandbox_payout")
def sandbox_payout(payout_id: int) -> None:
    run(payments.settle_payout(payout_id))


@celery_app.task(name="policies.reinstatement_notice")
def reinstatement_notice(reinstatement_id: int) -> None:
    from insure.policies import reinstatement

    run(reinstatement.notify(reinstatement_id))
