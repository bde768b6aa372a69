"""Thin, idempotent claim tasks: ids in, one service call each."""

from __future__ import annotations

from claims import services
from insure.worker import celery_app, run


@celery_app.task(name="claims.assess")
def assess_claim(claim_id: int) -> None:
    run(services.run_assessment(claim_id))


@celery_app.task(name="claims.pay")
def pay_claim(claim_id: int) -> None:
    run(services.pay(claim_id))
