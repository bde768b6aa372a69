"""Thin, idempotent claim tasks: ids in, one service call each, every attempt counted (``run_counted``)."""

from __future__ import annotations

from claims import assessing, services
from insure.work import run_counted
from insure.worker import celery_app


@celery_app.task(name="claims.assess")
def assess_claim(claim_id: int) -> None:
    run_counted("claims.assess", claim_id, lambda: assessing.run_assessment(claim_id))


@celery_app.task(name="claims.pay")
def pay_claim(claim_id: int) -> None:
    run_counted("claims.pay", claim_id, lambda: services.pay(claim_id))
