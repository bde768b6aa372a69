"""Operations and platform guarantees: probes, API docs offline, append-only ledger, configured services."""

from __future__ import annotations

import os
import re

import httpx
import pytest

from insure.db import engine
from insure.ledger.tables import JournalLine

from .helpers import auth, buy_policy, db, register

pytestmark = pytest.mark.integration


def test_health_and_readiness(stack):
    assert httpx.get(stack.base_url + "/health").json() == {"status": "ok"}
    ready = httpx.get(stack.base_url + "/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": "ok", "broker": "ok"}


def test_the_stack_runs_on_the_services_it_was_given(stack):
    expected = "postgres" if os.environ.get("INSURE_TEST_POSTGRES") else "sqlite"
    assert engine().engine_type == expected
    worker_log = (stack.logs / "worker.log").read_text()
    transport = "redis://" if os.environ.get("INSURE_TEST_BROKER") else "filesystem://"
    assert transport in worker_log


def test_openapi_describes_every_route_and_the_docs_page_works_offline(stack):
    spec = httpx.get(stack.base_url + "/schema/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    operations = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    assert len(operations) >= 15
    undocumented = [f"{m.upper()} {p}" for p, m, op in operations if not op.get("summary")]
    assert undocumented == []
    page = httpx.get(stack.base_url + "/schema/swagger")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets
    for url in assets:
        if url.startswith("data:"):
            continue
        assert url.startswith("/static/"), url
        assert httpx.get(stack.base_url + url).status_code == 200


def test_posted_ledger_lines_cannot_be_changed_or_deleted(api):
    customer = register(api)
    buy_policy(api, customer)
    line = db(JournalLine.select(JournalLine.id).first())
    with pytest.raises(Exception, match="append-only"):
        db(JournalLine.update({JournalLine.debit_fen: 1}).where(JournalLine.id == line["id"]))
    with pytest.raises(Exception, match="append-only"):
        db(JournalLine.delete().where(JournalLine.id == line["id"]))
    assert db(JournalLine.count().where(JournalLine.id == line["id"])) == 1


def test_amounts_round_trip_to_the_fen(api):
    customer = register(api)
    policy = buy_policy(api, customer, sum_insured="990000")  # 990,000 × 1.3‰ = 1,287.00
    assert policy["annual_premium"] == "1287.00"
    r = api.get(f"/policies/{policy['number']}", headers=auth(customer))
    assert r.json()["sum_insured"] == "990000.00"


def test_each_message_reaches_one_queue_once(api, stack):
    # a full journey produces payment, document and claim messages on three queues
    customer = register(api)
    buy_policy(api, customer)
    received = re.findall(r"Task ([\w.]+)\[([0-9a-f-]+)\] received", (stack.logs / "worker.log").read_text())
    assert {name for name, _ in received} >= {"payments.sandbox_settle", "documents.render_policy_schedule"}
    ids = [task_id for _, task_id in received]
    assert len(ids) == len(set(ids)), "a message was delivered to more than one queue"
