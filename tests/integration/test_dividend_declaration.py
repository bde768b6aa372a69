"""The annual dividend declaration over HTTP, with the real worker, on a private stack (its clock moves a year).

Two participating whole-life policies are bought and the clock moved past their first anniversary; then an
actuary prepares the year's declaration, the same actuary cannot approve it, the chief actuary does, it is
posted (twice: booked once), reversed, and declared again while the worker is SIGKILLed mid-run: every policy
ends with exactly one allocation and the dividends add up to the payout."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

from insure.seed import DEMO_PASSWORD

from .helpers import GOOD_CARD, apply, auth, register, wait_for

pytestmark = pytest.mark.integration

BASE = "/admin/dividends"


def _staff(api, email: str) -> dict:
    r = api.post("/auth/token", json={"email": email, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _buy(api, customer: dict) -> dict:
    q = api.post(
        "/quotes",
        json={
            "product_code": "wl_par_huaxia",
            "birth_date": customer["birth_date"],
            "sex": "female",
            "sum_insured": "100000",
            "policy_term": "whole_life",
            "premium_term": "single",
        },
        headers=auth(customer),
    )
    assert q.status_code == 201, q.text
    app = apply(api, customer, q.json()["id"])
    assert app["status"] == "accepted", app
    number = app["policy_number"]
    r = api.post(
        f"/policies/{number}/payments",
        json=GOOD_CARD,
        headers={**auth(customer), "Idempotency-Key": secrets.token_hex(8)},
    )
    assert r.status_code == 202, r.text
    return wait_for(
        lambda: api.get(f"/policies/{number}", headers=auth(customer)).json(),
        lambda body: body["status"] == "in_force",
    )


def _sql(stack, query: str) -> list:
    """Rows of a query on the private stack's database (this test process's settings point elsewhere)."""
    out = stack.python(
        "import asyncio, json\n"
        "from insure.accounts.tables import Declaration\n"
        "async def main():\n"
        f"    rows = await Declaration.raw({query!r})\n"
        "    print(json.dumps([dict(r) for r in rows], default=str))\n"
        "asyncio.run(main())\n"
    )
    return json.loads(out.strip().splitlines()[-1])


def _trial_balance(stack) -> dict:
    out = stack.python(
        "import asyncio, json\n"
        "from insure.ledger.services import trial_balance\n"
        "print(json.dumps(asyncio.run(trial_balance())))\n"
    )
    return json.loads(out.strip().splitlines()[-1])


def _travel(api, days: int) -> date:
    """Move the private stack's clock (as its admin: a token of the shared stack's admin is no good here)."""
    r = api.post("/admin/clock", json={"days": days}, headers=_staff(api, "admin@insure.test"))
    assert r.status_code == 200, r.text
    return date.fromisoformat(r.json()["today"])


@pytest.fixture(scope="module")
def fund(isolated_stack) -> dict:
    """Two participating policies in force, and the clock past their first anniversary."""
    with httpx.Client(base_url=isolated_stack.base_url + "/api/v1", timeout=15) as api:
        customer = register(api)
        policies = [_buy(api, customer), _buy(api, customer)]
        start = min(p["effective_date"] for p in policies)
        today = _travel(api, 380)
        actuary, chief = _staff(api, "actuary@insure.test"), _staff(api, "chief.actuary@insure.test")
    year = int(start[:4]) + 1
    assert today.year >= year
    return {
        "year": year,
        "policies": [p["number"] for p in policies],
        "actuary": actuary,
        "chief": chief,
    }


def _inputs(year_: int, **changes: object) -> dict:
    return {
        "insurer_code": "huaxia_mutual",
        "year": year_,
        "investment_yield": "0.065",
        "mortality_ratio": "0.8",
        "expense_ratio": "0.9",
        "policyholder_share": "0.8",
        **changes,
    }


def _wait_status(api, headers, number: str, status: str, timeout: float = 90) -> dict:
    body = wait_for(
        lambda: api.get(f"{BASE}/{number}", headers=headers).json(),
        lambda b: b["status"] == status,
        timeout=timeout,
        every=0.5,
    )
    assert body["status"] == status, body
    return body


def test_bad_inputs_each_return_the_problem_and_store_nothing(isolated_api, fund):
    api, actuary, year = isolated_api, fund["actuary"], fund["year"]
    before = api.get(f"{BASE}/", headers=actuary).json()
    cases = [
        ({"investment_yield": "abc"}, 422, ("investment_yield", "not_a_number")),
        ({"mortality_ratio": "-0.5"}, 422, ("mortality_ratio", "must_be_positive")),
        ({"policyholder_share": "0.6999"}, 422, ("policyholder_share", "share_below_minimum")),
        ({"insurer_code": "nobody_life"}, 422, ("insurer_code", "unknown_insurer")),
        ({"smoothing_transfer": "-100"}, 422, ("smoothing_transfer", "smoothing_release_too_large")),
        ({"year": year + 5}, 422, ("year", "year_invalid")),
    ]
    for changes, status, (field, code) in cases:
        r = api.post(f"{BASE}/", json=_inputs(year, **changes), headers=actuary)
        assert r.status_code == status, (changes, r.text)
        assert (field, code) in {(e["field"], e["code"]) for e in r.json()["errors"]}, r.text
    # a year in which no policy completes a policy year
    r = api.post(f"{BASE}/", json=_inputs(2000), headers=actuary)
    assert r.status_code == 409 and r.json()["code"] == "no_eligible_policies", r.text
    assert api.get(f"{BASE}/", headers=actuary).json() == before
    # a customer is not staff
    customer = register(api)
    assert api.get(f"{BASE}/", headers=auth(customer)).status_code == 403


def test_prepared_by_one_actuary_approved_by_another_posted_once_then_reversed(isolated_stack, isolated_api, fund):
    api, actuary, chief, year = isolated_api, fund["actuary"], fund["chief"], fund["year"]
    r = api.post(f"{BASE}/", json=_inputs(year), headers=actuary)
    assert r.status_code == 202, r.text
    number = r.json()["number"]
    assert r.headers["location"].endswith(f"/admin/dividends/{number}")
    assert r.json()["status"] == "computing" and r.json()["progress"]["total"] >= 2

    prepared = _wait_status(api, actuary, number, "prepared")
    preview = prepared["preview"]
    shown = {line["policy_number"] for line in preview["largest"] + preview["smallest"]}
    assert set(fund["policies"]) <= shown
    assert preview["problem"] == "" and prepared["eligible_policies"] >= 2
    payout = prepared["amounts"]["payout"]
    assert float(payout) > 0
    [sums] = _sql(
        isolated_stack,
        "SELECT SUM(a.dividend_fen) AS s, COUNT(*) AS n, COUNT(DISTINCT a.policy) AS p, MAX(d.payout_fen) AS payout "
        f"FROM dividend_allocation a JOIN declaration d ON d.id = a.declaration WHERE d.number = '{number}'",
    )
    assert int(sums["s"]) == int(sums["payout"]) and sums["n"] == sums["p"] == prepared["eligible_policies"]

    again = api.post(f"{BASE}/", json=_inputs(year), headers=chief)
    assert again.status_code == 409 and again.json()["code"] == "year_already_declared"

    own = api.post(f"{BASE}/{number}/approve", headers=actuary)
    assert own.status_code == 409 and own.json()["code"] == "preparer_cannot_approve"
    early = api.post(f"{BASE}/{number}/post", headers=chief)
    assert early.status_code == 409
    approved = api.post(f"{BASE}/{number}/approve", headers=chief)
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text

    before = _trial_balance(isolated_stack)  # the demo seed's declarations are in the books already
    assert api.post(f"{BASE}/{number}/post", headers=chief).status_code == 202
    _wait_status(api, chief, number, "posted")
    # the anniversaries are past: the posting has every dividend credited at once (dividends.credit_due); the
    # demo seed's policies of the fund are in it too, and the 380 days the clock jumped in one go lapsed some of
    # them (a premium more than the grace period overdue), whose dividends are forfeited rather than credited
    mine = ", ".join(f"'{n}'" for n in fund["policies"])
    statuses = (
        "SELECT a.status AS status, a.dividend_fen AS fen, p.number AS number FROM dividend_allocation a "
        f"JOIN declaration d ON d.id = a.declaration JOIN policy p ON p.id = a.policy WHERE d.number = '{number}'"
    )
    rows = wait_for(
        lambda: _sql(isolated_stack, statuses),
        lambda rows: all(r["status"] in ("credited", "forfeited") for r in rows),
        timeout=60,
        every=1,
    )
    assert {r["status"] for r in rows if f"'{r['number']}'" in mine} == {"credited"}
    forfeited = sum(int(r["fen"]) for r in rows if r["status"] == "forfeited")
    books = _trial_balance(isolated_stack)
    # the declaration's expense is its payout less what was forfeited (given back at the lapse); nothing is left
    # declared and not credited
    expense = books["expense:policyholder_dividends"] - before.get("expense:policyholder_dividends", 0)
    assert expense == round(float(payout) * 100) - forfeited
    assert books.get("liability:dividends_declared", 0) == before.get("liability:dividends_declared", 0)
    twice = api.post(f"{BASE}/{number}/post", headers=chief)
    assert twice.status_code == 409 and twice.json()["code"] == "already_posted"
    time.sleep(2)
    assert _trial_balance(isolated_stack) == books

    r = api.post(f"{BASE}/{number}/reverse", json={"reason": "the yield was mistyped"}, headers=chief)
    assert r.status_code == 202, r.text
    _wait_status(api, chief, number, "reversed")
    assert _trial_balance(isolated_stack).get("liability:dividends_declared", 0) == before.get(
        "liability:dividends_declared", 0
    )
    events = api.get(f"{BASE}/{number}/events", headers=chief).json()
    assert [e["to_status"] for e in events] == ["computing", "prepared", "approved", "posted", "reversed"]
    assert events[-1]["reason"] == "the yield was mistyped" and events[2]["actor"] == "chief.actuary@insure.test"
    after = _sql(isolated_stack, statuses)
    # the fund's own policies' dividends are reversed; those forfeited at a lapse stay forfeited (docs/dividends.md)
    assert {r["status"] for r in after if f"'{r['number']}'" in mine} == {"reversed"}
    assert {r["status"] for r in after} <= {"reversed", "forfeited"}


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.extend(int(p) for p in (task / "children").read_text().split())
    return found


def _kill_worker(stack) -> None:
    """SIGKILL the worker and its pool processes: nobody gets to clean up or hand the task back."""
    main = stack.procs["worker"]
    pool = _children(main.pid)
    main.send_signal(signal.SIGKILL)
    main.wait(timeout=15)
    for pid in pool:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_a_worker_killed_mid_run_resumes_and_allocates_every_policy_exactly_once(isolated_stack, isolated_api, fund):
    api, actuary, year = isolated_api, fund["actuary"], fund["year"]
    stack = isolated_stack
    # given a worker that computes one policy per chunk, slowly
    _kill_worker(stack)
    stack.start("worker", "worker", "--concurrency", "1", env={"DIVIDEND_RUN_CHUNK": "1", "DIVIDEND_RUN_PAUSE_S": "3"})
    r = api.post(f"{BASE}/", json=_inputs(year, investment_yield="0.06"), headers=actuary)
    assert r.status_code == 202, r.text
    number = r.json()["number"]
    total = r.json()["progress"]["total"]
    # when it is killed after the first chunk, before the last
    mid = wait_for(
        lambda: api.get(f"{BASE}/{number}", headers=actuary).json(),
        lambda b: b["progress"]["done"] >= 1,
        timeout=60,
        every=0.2,
    )
    assert mid["status"] == "computing" and mid["progress"]["done"] < total, mid
    _kill_worker(stack)
    # and a new worker starts and the reconciler finds the run stalled
    stack.start("worker", "worker", "--concurrency", "2", env={"DIVIDEND_RUN_LEASE_S": "1"})
    time.sleep(2)
    stack.python("from insure.worker import celery_app; celery_app.send_task('outbox.reconcile')")
    # then the run finishes: every policy exactly one allocation, the dividends summing to the payout
    prepared = _wait_status(api, actuary, number, "prepared", timeout=120)
    [sums] = _sql(
        stack,
        "SELECT SUM(a.dividend_fen) AS s, COUNT(*) AS n, COUNT(DISTINCT a.policy) AS p, MAX(d.payout_fen) AS payout "
        f"FROM dividend_allocation a JOIN declaration d ON d.id = a.declaration WHERE d.number = '{number}'",
    )
    assert sums["n"] == sums["p"] == prepared["eligible_policies"] == total
    assert int(sums["s"]) == int(sums["payout"]) > 0


def test_the_cli_declares_with_a_progress_bar_approves_posts_and_reports_problems(isolated_stack, fund):
    stack, year = isolated_stack, str(fund["year"])
    # the declaration left by the previous test holds the year: withdraw it first
    listed = stack.cli("dividends", "list").stdout
    holding = [line.split()[0] for line in listed.splitlines() if " prepared " in line or " computing " in line]
    for number in holding:
        stack.cli("dividends", "withdraw", number, "--as", "actuary@insure.test", "--reason", "redo from the CLI")

    bad = stack.cli(
        "dividends", "declare", "--insurer", "huaxia_mutual", "--year", year, "--yield", "abc",
        "--mortality-ratio", "0.8", "--expense-ratio", "0.9", "--share", "0.5", "--as", "actuary@insure.test",
        check=False,
    )  # fmt: skip
    assert bad.returncode == 1
    assert "investment_yield:" in bad.stderr and "policyholder_share:" in bad.stderr, bad.stderr
    assert "share_below_minimum" in bad.stderr

    done = stack.cli(
        "dividends", "declare", "--insurer", "huaxia_mutual", "--year", year, "--yield", "0.06",
        "--mortality-ratio", "0.8", "--expense-ratio", "0.9", "--share", "0.85", "--as", "actuary@insure.test",
    )  # fmt: skip
    number = done.stdout.split(":")[0].strip()
    assert number.startswith(f"DV-{year}-huaxia_mutual-"), done.stdout
    assert "cash payout" in done.stdout and "eligible policies" in done.stdout
    assert fund["policies"][0] in done.stdout  # among the largest and smallest

    own = stack.cli("dividends", "approve", number, "--as", "actuary@insure.test", check=False)
    assert own.returncode == 1 and "preparer_cannot_approve" in own.stderr
    assert "approved" in stack.cli("dividends", "approve", number, "--as", "chief.actuary@insure.test").stdout
    assert f"{number}: posted" in stack.cli("dividends", "post", number, "--as", "chief.actuary@insure.test").stdout
    twice = stack.cli("dividends", "post", number, "--as", "chief.actuary@insure.test", check=False)
    assert twice.returncode == 1 and "already_posted" in twice.stderr
    assert "posted" in stack.cli("dividends", "preview", number).stdout.splitlines()[0]
