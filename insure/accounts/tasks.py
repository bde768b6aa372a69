"""Celery tasks of participating accounts (thin: each runs a service coroutine on the worker's loop).

Each is idempotent: a run, a posting or a reversal resumes where its progress stands and does nothing once the
declaration has moved on, so a message delivered twice or re-sent by the reconciler is harmless."""

from __future__ import annotations

from insure.work import run_counted
from insure.worker import celery_app, run


@celery_app.task(name="dividends.run")
def run_declaration(declaration_id: int) -> None:
    from insure.accounts import declaration_run

    run_counted("dividends.run", declaration_id, lambda: declaration_run.run(declaration_id))


@celery_app.task(name="dividends.post")
def post_declaration(declaration_id: int) -> None:
    from insure.accounts import declaration_posting

    run_counted("dividends.post", declaration_id, lambda: declaration_posting.run_posting(declaration_id))


@celery_app.task(name="dividends.reverse")
def reverse_declaration(declaration_id: int) -> None:
    from insure.accounts import declaration_posting

    run_counted("dividends.reverse", declaration_id, lambda: declaration_posting.run_reversal(declaration_id))


@celery_app.task(name="dividends.credit_due")
def credit_due() -> None:
    """After a posting: an extra pass of the credit job, so the dividends of anniversaries already past are
    credited now rather than at the next business day's run (today's may be done). Crediting is idempotent under
    its row locks, so a pass alongside the day's run or a redelivered message credits nothing twice; a lost
    message only delays the credit to the next daily run."""
    from insure import batch

    run(batch.run_now("credit_dividends"))
