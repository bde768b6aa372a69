"""Operations and platform guarantees: probes, API docs offline, append-only ledger, configured services."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import httpx
import pytest

from insure.db import engine
from insure.ledger.tables import JournalLine
from products.services import catalog

from .conftest import ROOT, free_port
from .helpers import auth, buy_policy, db, register, today, wait_for

pytestmark = pytest.mark.integration


def test_health_and_readiness(stack):
    assert httpx.get(stack.base_url + "/health").json() == {"status": "ok"}
    ready = httpx.get(stack.base_url + "/ready")
    assert ready.status_code == 200
    assert ready.json() | {"database_engine": "-"} == {
        "status": "ready",
        "database": "ok",
        "broker": "ok",
        "database_engine": "-",
    }
    assert ready.headers["x-frame-options"] == "DENY" and ready.headers["cache-control"] == "no-store"


def test_the_stack_runs_on_the_services_it_was_given(stack):
    expected = "postgres" if os.environ.get("INSURE_TEST_POSTGRES") else "sqlite"
    assert httpx.get(stack.base_url + "/ready").json()["database_engine"] == expected  # what the server uses
    assert engine().engine_type == expected  # and what this test process reads with
    worker_log = (stack.logs / "worker.log").read_text()
    transport = "redis://" if os.environ.get("INSURE_TEST_BROKER") else "insurefs://"  # the embedded broker
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


DEAD_BROKER = {"BROKER_URL": "redis://127.0.0.1:1/0"}  # nothing listens on port 1


def test_readiness_names_the_broker_when_it_is_unreachable(stack):
    port = free_port()
    proc = stack.start("web-dead-broker", "web", "--port", str(port), env=DEAD_BROKER)
    try:
        body = wait_for(
            lambda: _get_json(f"http://127.0.0.1:{port}/ready"), lambda b: b is not None, timeout=30, every=0.3
        )
        assert body["status"] == 503
        assert body["code"] == "not_ready"
        assert [e["field"] for e in body["errors"]] == ["broker"]
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _get_json(url: str) -> dict | None:
    try:
        return httpx.get(url, timeout=5).json()
    except httpx.HTTPError:
        return None


RELAY_SCRIPT = """
import asyncio, json, sys
from insure import outbox
from insure.outbox import OutboxMessage
async def main():
    if sys.argv[1] == "enqueue":
        print(json.dumps(await outbox.enqueue("outbox.reconcile")))
    elif sys.argv[1] == "relay":
        print(json.dumps(await outbox.relay_pending()))
    else:
        row = await OutboxMessage.select().where(OutboxMessage.id == int(sys.argv[2])).first()
        print(json.dumps({"published": row["published_at"] is not None, "attempts": row["attempts"],
                          "error": row["last_error"]}))
asyncio.run(main())
"""


def test_a_broker_outage_keeps_outbox_messages_until_it_returns(tmp_path):
    # an installation of its own (SQLite + embedded broker under tmp_path), so no running relay interferes
    own = {
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/outbox.sqlite3",
        "BROKER_URL": "filesystem://",
    }

    def run(*args: str, env: dict[str, str] | None = None) -> str:
        out = subprocess.run(
            args, cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, **own, **(env or {})}
        )
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout.strip().splitlines()[-1]

    run(sys.executable, "-m", "insure", "migrate")
    # given a message written while the broker is down
    message_id = run(sys.executable, "-c", RELAY_SCRIPT, "enqueue")
    # when the relay runs against the dead broker, nothing is published and the failure is recorded
    assert run(sys.executable, "-c", RELAY_SCRIPT, "relay", env=DEAD_BROKER) == "0"
    state = json.loads(run(sys.executable, "-c", RELAY_SCRIPT, "state", message_id))
    assert state["published"] is False
    assert state["attempts"] == 1
    assert state["error"]
    # then, once the broker is back, the relay publishes it
    assert run(sys.executable, "-c", RELAY_SCRIPT, "relay") == "1"
    assert json.loads(run(sys.executable, "-c", RELAY_SCRIPT, "state", message_id))["published"] is True


def test_staff_accounts_can_be_created_from_the_command_line(stack, api):
    email = "new.adjuster@insure.test"
    out = stack.cli(
        "create-user",
        "--email",
        email,
        "--name",
        "New Adjuster",
        "--role",
        "adjuster",
        env={"INSURE_PASSWORD": "adjusting since 2026"},
    )
    assert "created adjuster" in out.stdout
    token = api.post("/auth/token", json={"email": email, "password": "adjusting since 2026"})
    assert token.status_code == 200
    me = api.get("/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}).json()
    assert me["role"] == "adjuster"
    again = stack.cli(
        "create-user",
        "--email",
        email,
        "--name",
        "Twice",
        "--role",
        "adjuster",
        check=False,
        env={"INSURE_PASSWORD": "adjusting since 2026"},
    )
    assert again.returncode != 0
    assert "email_taken" in again.stderr


def test_a_broken_catalog_file_is_named_by_the_check_and_stops_start_up(stack, tmp_path):
    import shutil

    broken = tmp_path / "catalog"
    shutil.copytree(ROOT / "products" / "catalog", broken)
    toml = broken / "pa_basic" / "2026-01-01.toml"
    toml.write_text(toml.read_text().replace("entry_age_min = 18", 'entry_age_min = "eighteen"'))

    check = stack.cli("products", "check", check=False, env={"CATALOG_DIR": str(broken)})
    assert check.returncode == 1
    assert "pa_basic/2026-01-01.toml: entry_age_min: must be a whole number" in check.stderr

    good = stack.cli("products", "check")
    on_sale = len(catalog().products(today()))  # the catalog's own count on the stack's business date
    assert f"{on_sale} products on sale today from 3 insurers" in good.stdout and on_sale >= 16

    web = subprocess.run(
        [sys.executable, "-m", "insure", "web", "--port", str(free_port())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CATALOG_DIR": str(broken)},
    )
    assert web.returncode != 0
    assert "entry_age_min" in web.stdout + web.stderr
