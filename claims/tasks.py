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


@celery_app.task(name="claims.notify")
def notify_claimant(event_id: int) -> None:
    """The claimant's e-mail of one step of the claim (claims.notices; the letter attached to a decision)."""
    from claims import notices

    run_counted("claims.notify", event_id, lambda: notices.send(event_id))


@celery_app.task(name="claims.deadline_warning")
def deadline_warning(deadline_id: int) -> None:
    from claims import notices

    run_counted("claims.deadline_warning", deadline_id, lambda: notices.alert(deadline_id, "warning"))


@celery_app.task(name="claims.deadline_escalation")
def deadline_escalation(deadline_id: int) -> None:
    from claims import notices

    run_counted("claims.deadline_escalation", deadline_id, lambda: notices.alert(deadline_id, "escalation"))
