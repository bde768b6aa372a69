"""Thin, idempotent platform tasks: outbox relay, reconciler, payments, documents and the batch jobs.

Every task that does business work runs it through ``run_counted``: each attempt is counted per business id,
and after the kind's cap the item is parked as needs_attention (``insure.work``) for staff to retry.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from insure import batch, document_store, outbox, work
from insure.payments import payouts
from insure.payments import services as payments
from insure.policies import schedule
from insure.work import run_counted
from insure.worker import after_each_task, celery_app, run

log = logging.getLogger(__name__)
RENDER_TASKS = document_store.RENDER_TASKS


@after_each_task
async def relay_after_task() -> None:
    """Publish the outbox rows a task wrote as soon as it ends (``worker.run`` awaits this after every task)."""
    try:
        await outbox.relay_pending()
    except Exception:  # the beat relay publishes these rows later
        logging.getLogger("insure.worker").warning("outbox relay after task failed", exc_info=True)


@celery_app.task(name="outbox.relay")
def relay_outbox() -> int:
    # Rows younger than a second are usually being published by the web process that wrote them.
    return run(outbox.relay_pending(min_age=timedelta(seconds=1)))


@celery_app.task(name="outbox.reconcile")
def reconcile() -> int:
    """Re-enqueue work whose step has not finished in time; safe because every step is idempotent."""
    return run(_reconcile())


async def stuck_work() -> list[tuple[str, object]]:
    """Work to enqueue again: steps that did not finish in time and failed attempts due for another try,
    without anything parked as needs_attention (only staff start that again)."""
    from claims import services as claims

    found: list[tuple[str, object]] = list(await claims.stuck())
    found += [("payments.sandbox_settle", ref) for ref in await payments.stuck_charges()]
    found += [(payouts.payout_gateway().confirmation_task, pid) for pid in await payouts.stuck_payouts()]
    found += [("documents.render_policy_schedule", pid) for pid in await schedule.missing_schedules()]
    pending = await document_store.stuck_pending()
    found += [(RENDER_TASKS[kind], owner) for kind, owner in pending if kind in RENDER_TASKS]
    found += await work.due_again()
    from insure.accounts import declaration_run  # dividend runs, postings and reversals nobody is advancing

    found += await declaration_run.stalled()
    parked = await work.parked()
    unique: dict[tuple[str, str], tuple[str, object]] = {}
    for task, arg in found:
        if (task, str(arg)) not in parked:
            unique.setdefault((task, str(arg)), (task, arg))
    return list(unique.values())


async def _reconcile() -> int:
    found = await stuck_work()
    for task, arg in found:
        celery_app.send_task(task, args=[arg])
    if found:
        log.info("reconciler re-enqueued %d steps", len(found))
    return len(found)


@celery_app.task(name="payments.sandbox_settle")
def sandbox_settle(gateway_ref: str) -> None:
    run_counted("payments.sandbox_settle", gateway_ref, lambda: payments.sandbox_settle(gateway_ref))


@celery_app.task(name="documents.render_policy_schedule")
def render_policy_schedule(policy_id: int) -> None:
    run_counted("documents.render_policy_schedule", policy_id, lambda: schedule.render_schedule(policy_id))


@celery_app.task(name="documents.render_illustration")
def render_illustration(quote_id: int) -> None:
    from products import illustration_doc

    run_counted("documents.render_illustration", quote_id, lambda: illustration_doc.render_illustration(quote_id))


@celery_app.task(name="payments.sandbox_refund")
def sandbox_refund(refund_id: int) -> None:
    run_counted("payments.sandbox_refund", refund_id, lambda: payments.settle_refund(refund_id))


@celery_app.task(name="policies.billing_scan")
def billing_scan() -> dict[str, int]:
    """Every billing job at once (no longer on the beat schedule: each job has its own task, below); kept for
    messages queued before the upgrade and for an operator's "run everything now"."""
    from insure.policies import premiums

    return run(premiums.scan())


def _register_batch_tasks() -> None:
    """Two thin tasks per batch job (insure.batch): ``batch.<job>`` on the beat schedule starts, resumes or
    skips the day's run; ``batch.<job>.row`` does one row again as counted work (the reconciler after a failure,
    or a staff retry of a parked row)."""
    for job in batch.jobs():

        def run_job(name: str = job.name) -> dict:
            return run(batch.run_scheduled(name))

        def redo_row(row_id: int, name: str = job.name, kind: str = job.kind) -> None:
            run_counted(kind, row_id, lambda: batch.redo_row(name, row_id))

        celery_app.task(name=job.task)(run_job)
        celery_app.task(name=job.kind)(redo_row)


_register_batch_tasks()


@celery_app.task(name="payments.sandbox_payout")
def sandbox_payout(payout_id: int) -> None:
    run_counted("payments.sandbox_payout", payout_id, lambda: payouts.settle_payout(payout_id))


@celery_app.task(name="policies.reinstatement_notice")
def reinstatement_notice(reinstatement_id: int) -> None:
    from insure.policies import reinstatement

    run_counted("policies.reinstatement_notice", reinstatement_id, lambda: reinstatement.notify(reinstatement_id))


@celery_app.task(name="policies.premium_notice")
def premium_notice(instalment_id: int) -> None:
    from insure.policies import premiums

    run_counted(premiums.NOTICE_WORK, instalment_id, lambda: premiums.notify_due(instalment_id))


@celery_app.task(name="policies.renewal_offer_notice")
def renewal_offer_notice(quote_id: str) -> None:
    from insure.policies import renewals

    run_counted(renewals.OFFER_NOTICE_WORK, quote_id, lambda: renewals.notify_offer(quote_id))
