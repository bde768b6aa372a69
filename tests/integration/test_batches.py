"""Staff see the progress of the batch jobs (API and page), and the billing run's due notices reach the
policyholder through the outbox and a worker, not from the run itself."""

from __future__ import annotations

from datetime import date

import pytest

from insure import outbox
from insure.policies.tables import Instalment, Policy
from insure.seed import DEMO_PASSWORD

from .helpers import auth, db, register, today, travel, wait_for, web_session
from .test_lifecycle import billing_run, delivered_subject, monthly_policy

pytestmark = pytest.mark.integration

JOBS = {
    "notify_due",
    "lapse",
    "collect",
    "expire_stale_applications",
    "expire_unpaid_policies",
    "offer_renewals",
    "anniversaries",
    "end_of_term",
    "claim_deadlines",  # claims.deadline_jobs (issue 10)
    "credit_dividends",  # insure.accounts.jobs (issue 11)
}


def _admin(api) -> dict[str, str]:
    r = api.post("/auth/token", json={"email": "admin@insure.test", "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}", "Accept-Language": "en"}


def test_the_due_notice_is_queued_once_by_the_billing_run_and_e_mailed_by_a_worker(api):
    customer = register(api)
    policy = monthly_policy(api, customer)
    schedule = api.get(f"/policies/{policy['number']}/schedule", headers=auth(customer)).json()
    # ten days before the second premium falls due (within the 15 days of notice)
    travel(api, (date.fromisoformat(schedule[1]["due_date"]) - today()).days - 10)
    billing_run()
    billing_run()  # an extra pass the same day queues nothing more
    policy_id = db(Policy.select(Policy.id).where(Policy.number == policy["number"]).first())["id"]
    second = db(Instalment.select().where((Instalment.policy == policy_id) & (Instalment.number == 2)).first())
    assert second["notice_queued_at"] is not None
    queued = db(
        outbox.OutboxMessage.select().where(
            (outbox.OutboxMessage.task == "policies.premium_notice")
            & (outbox.OutboxMessage.payload == f"[{second['id']}]")
        )
    )
    assert len(queued) == 1
    sent = wait_for(
        lambda: db(Instalment.select(Instalment.notified_at).where(Instalment.id == second["id"]).first()),
        lambda i: i["notified_at"] is not None,
        timeout=60,
    )
    assert sent["notified_at"] is not None
    assert wait_for(lambda: delivered_subject(schedule[1]["due_date"], policy["number"]), bool, timeout=60)


def test_staff_see_the_latest_runs_of_each_batch_job_with_their_counts(api):
    billing_run()
    admin = _admin(api)
    r = api.get("/admin/batches", headers=admin)
    assert r.status_code == 200, r.text
    runs = r.json()
    assert {run["job"] for run in runs} == JOBS
    for job in JOBS:
        latest = next(run for run in runs if run["job"] == job)  # newest first
        assert latest["business_day"] == today().isoformat() and latest["status"] == "done", latest
        assert latest["seen"] == latest["done"] + latest["skipped"] + latest["failed"]
        assert latest["finished_at"] is not None and latest["label"]
    lapse = api.get("/admin/batches", params={"job": "lapse"}, headers=admin).json()
    assert lapse and {run["job"] for run in lapse} == {"lapse"}
    assert next(run["label"] for run in lapse) == "Lapse after the grace period"
    assert api.get("/admin/batches", params={"job": "no_such_job\u202e"}, headers=admin).json() == []

    customer = register(api)
    assert api.get("/admin/batches", headers=auth(customer)).status_code == 403
    assert api.get("/admin/batches").status_code == 401

    with web_session(api, "admin@insure.test", DEMO_PASSWORD) as web:
        page = web.get("/staff/batches")
        assert page.status_code == 200
        assert "Lapse after the grace period" in page.text and "Renewal offers" in page.text
        assert f">{lapse[0]['last_id']}<" in page.text
        assert 'href="/staff/batches"' in web.get("/staff").text
        chinese = web.get("/staff/batches", headers={"Accept-Language": "zh-CN"})
        assert "批处理作业" in chinese.text and "宽限期满失效" in chinese.text
    with web_session(api, customer["email"]) as web:
        assert web.get("/staff/batches").status_code == 403
