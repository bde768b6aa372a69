"""Celery tasks of the annual dividend notice (红利通知书): its e-mail and its PDF (on the documents queue).

Thin and idempotent, each counted per allocation (insure.work). The crediting queues ``accounts.notice_email``
in its transaction; ``documents.render_dividend_notice`` is queued when someone first asks for the PDF.
"""

from __future__ import annotations

from insure import work
from insure.accounts import notice_delivery
from insure.work_rules import WorkStatus
from insure.worker import celery_app, run


@celery_app.task(name=notice_delivery.EMAIL_TASK)
def notice_email(allocation_id: int) -> None:
    run(_send_once(allocation_id))


async def _send_once(allocation_id: int) -> None:
    # The e-mail has no column of its own to mark it sent: the counted work row records a success ("done"), so a
    # redelivered or re-enqueued message for an allocation already e-mailed sends nothing a second time.
    done = await work.find(notice_delivery.EMAIL_TASK, allocation_id)
    if done is not None and done["status"] == WorkStatus.DONE:
        return
    await work.attempt(notice_delivery.EMAIL_TASK, allocation_id, lambda: notice_delivery.send_email(allocation_id))


@celery_app.task(name=notice_delivery.RENDER_TASK)
def render_dividend_notice(allocation_id: int) -> None:
    work.run_counted(notice_delivery.RENDER_TASK, allocation_id, lambda: notice_delivery.render_pdf(allocation_id))
