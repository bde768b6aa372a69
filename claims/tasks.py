"""Thin, idempotent claim tasks: ids in, one service call each, every attempt counted (``run_counted``)."""

from __future__ import annotations

from claims import services
from insure.work import run_counted
from insure.worker import celery_app


@celery_app.task(name="claims.assess")
def assess_claim(claim_id: int) -> None:
    run_counted("claims.assess", claim_id, lambda: services.run_assessment(claim_id))


@celery_app.task(name="claims.pay")
def pay_claim(claim_id: int) -> None:
    run_counted("claims.pay", claim_id, lambda: services.pay(claim_id))


@celery_app.task(name="claims.info_request_notice")
def info_request_notice(event_id: int) -> None:
    """E-mail the claimant an adjuster's request for more information (issue 10, H4)."""
    from claims import actions

    run_counted("claims.info_request_notice", event_id, lambda: actions.notify_information_request(event_id))
