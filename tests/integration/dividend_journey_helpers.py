"""Helpers of tests/integration/test_dividend_journey.py: buying, declaring through the staff API, reading accounts,
and recomputing the expected dividends from the pure formulas."""

from __future__ import annotations

import json
import secrets
import subprocess
import tempfile
import unicodedata
from datetime import date
from decimal import Decimal

import httpx

from insure.accounts import dividends
from insure.money import quantize, to_fen
from insure.seed import DEMO_PASSWORD
from products import services as products

from .helpers import GOOD_CARD, apply, auth, register, wait_for

DECLARATIONS = "/admin/dividends"
HUAXIA = {"investment_yield": "0.065", "mortality_ratio": "0.8", "expense_ratio": "0.9", "policyholder_share": "0.8"}
CHANGAN = {"investment_yield": "0.07", "mortality_ratio": "0.8", "expense_ratio": "0.9", "policyholder_share": "0.9"}
OPTIONS = ("cash", "premium_offset", "accumulate", "paid_up_additions")
STATEMENT_EN = "Dividends are not guaranteed"
STATEMENT_ZH = "红利分配是不确定的"


# ------------------------------------------------------------------------------------------------ helpers


def _staff(api: httpx.Client, email: str) -> dict:
    r = api.post("/auth/token", json={"email": email, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _clock(api: httpx.Client) -> date:
    return date.fromisoformat(api.get("/admin/clock", headers=_staff(api, "admin@insure.test")).json()["today"])


def _travel_to(api: httpx.Client, day: date) -> date:
    """Move the private stack's clock to ``day`` (as its admin: the shared stack's admin token is no good here)."""
    days = (day - _clock(api)).days
    assert days >= 0, (day, days)
    if days:
        r = api.post("/admin/clock", json={"days": days}, headers=_staff(api, "admin@insure.test"))
        assert r.status_code == 200, r.text
    return _clock(api)


def _buy(api: httpx.Client, owners: dict, product: str, option: str | None) -> dict:
    customer = register(api)
    q = api.post(
        "/quotes",
        json={
            "product_code": product,
            "birth_date": customer["birth_date"],
            "sex": "female",
            "sum_insured": "200000",
            "policy_term": "whole_life",
            "premium_term": "20",
            "frequency": "annual",
        },
        headers=auth(customer),
    )
    assert q.status_code == 201, q.text
    app = apply(api, customer, q.json()["id"], **({"dividend_option": option} if option else {}))
    assert app["status"] == "accepted", app
    number = app["policy_number"]
    r = api.post(
        f"/policies/{number}/payments",
        json=GOOD_CARD,
        headers={**auth(customer), "Idempotency-Key": secrets.token_hex(8)},
    )
    assert r.status_code == 202, r.text
    policy = wait_for(
        lambda: api.get(f"/policies/{number}", headers=auth(customer)).json(),
        lambda body: body["status"] == "in_force",
        timeout=60,
    )
    assert policy["status"] == "in_force", policy
    owners[number] = customer
    return policy


def _rows(stack, query: str) -> list[dict]:
    """Rows of a query on the private stack's database (this process's settings point at the shared one)."""
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


def _declare(api: httpx.Client, state: dict, insurer: str, year: int, **inputs: str) -> dict:
    """Prepared by the actuary, refused to the same actuary, approved by the chief actuary, posted."""
    actuary, chief = state["actuary"], state["chief"]
    r = api.post(f"{DECLARATIONS}/", json={"insurer_code": insurer, "year": year, **inputs}, headers=actuary)
    assert r.status_code == 202, r.text
    number = r.json()["number"]
    prepared = wait_for(
        lambda: api.get(f"{DECLARATIONS}/{number}", headers=actuary).json(),
        lambda b: b["status"] == "prepared",
        timeout=90,
        every=0.5,
    )
    assert prepared["status"] == "prepared" and prepared["preview"]["problem"] == "", prepared
    own = api.post(f"{DECLARATIONS}/{number}/approve", headers=actuary)
    assert own.status_code == 409 and own.json()["code"] == "preparer_cannot_approve", own.text
    approved = api.post(f"{DECLARATIONS}/{number}/approve", headers=chief)
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    assert api.post(f"{DECLARATIONS}/{number}/post", headers=chief).status_code == 202
    posted = wait_for(
        lambda: api.get(f"{DECLARATIONS}/{number}", headers=chief).json(),
        lambda b: b["status"] == "posted",
        timeout=90,
        every=0.5,
    )
    assert posted["status"] == "posted", posted
    return posted


def _account(api: httpx.Client, customer: dict, number: str) -> dict:
    r = api.get(f"/policies/{number}/account", headers=auth(customer[number]))
    assert r.status_code == 200, r.text
    return r.json()


def _credited(api: httpx.Client, state: dict, year: int) -> dict[str, dict]:
    """Wait for the daily batch run (beat → worker) to credit every policy's dividend of policy year ``year``."""
    customer = state["customer"]

    def fetch() -> dict[str, dict]:
        return {number: _account(api, customer, number) for number in state["numbers"]}

    def done(accounts: dict[str, dict]) -> bool:
        return all(
            any(a["policy_year"] == year and a["status"] == "credited" for a in acc["allocations"])
            for acc in accounts.values()
        )

    accounts = wait_for(fetch, done, timeout=180, every=2)
    assert done(accounts), {n: a["allocations"] for n, a in accounts.items()}
    return accounts


def _allocation(account: dict, year: int) -> dict:
    [found] = [a for a in account["allocations"] if a["policy_year"] == year]
    return found


def _payouts(api: httpx.Client, customer: dict, number: str) -> list[dict]:
    return [
        p
        for p in api.get(f"/policies/{number}/payouts", headers=auth(customer[number])).json()
        if p["reason"] == "dividend"
    ]


def _schedule(api: httpx.Client, customer: dict, number: str) -> list[dict]:
    return api.get(f"/policies/{number}/schedule", headers=auth(customer[number])).json()


def _pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(data)
        fh.flush()
        out = subprocess.run(["pdftotext", "-layout", fh.name, "-"], capture_output=True, check=True).stdout
    return " ".join(unicodedata.normalize("NFKC", out.decode()).split())


def _cny(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


# ----------------------------------------------------------------------- the expected figures, recomputed


def _facts(stack, numbers: list[str]) -> dict[str, dict]:
    listed = ", ".join(f"'{n}'" for n in numbers)
    rows = _rows(
        stack,
        "SELECT id, number, product_code, product_version, insured_birth_date, insured_sex, smoker, effective_date, "
        "policy_term_years, premium_term_years, sum_insured_fen, annual_premium_fen FROM policy "
        f"WHERE number IN ({listed})",
    )
    return {r["number"]: r for r in rows}


def _product_and_terms(row: dict):
    product = products.product(row["product_code"], on=date.fromisoformat(str(row["product_version"])[:10]))
    terms = dividends.policy_terms(
        product,
        birth_date=date.fromisoformat(str(row["insured_birth_date"])[:10]),
        sex=row["insured_sex"] or "male",
        smoker=bool(row["smoker"]) and str(row["smoker"]).lower() not in ("0", "false"),
        effective=date.fromisoformat(str(row["effective_date"])[:10]),
        policy_term_years=int(row["policy_term_years"]) if row["policy_term_years"] is not None else None,
        premium_term_years=int(row["premium_term_years"]),
    )
    return product, terms


def _fund_numbers(stack, declaration: str) -> list[str]:
    """The policies a declaration found eligible (the demo seed's policies of the fund are among them)."""
    rows = _rows(
        stack,
        "SELECT p.number AS number FROM dividend_allocation a JOIN policy p ON p.id = a.policy "
        f"JOIN declaration d ON d.id = a.declaration WHERE d.number = '{declaration}'",
    )
    return [r["number"] for r in rows]


def _expected_dividends(facts: dict[str, dict], year: int, inputs: dict) -> tuple[int, dict[str, int], dict]:
    """(payout, each policy's dividend, each policy's contribution) of a fund of cash-style policies only, for the
    declaration of calendar year ``year``: each policy's own policy year t is the year less its start's."""
    experience = dividends.Experience(
        Decimal(inputs["investment_yield"]), Decimal(inputs["mortality_ratio"]), Decimal(inputs["expense_ratio"])
    )
    found = {}
    for number, row in facts.items():
        product, terms = _product_and_terms(row)
        found[number] = dividends.contribution(
            product,
            terms,
            year - int(str(row["effective_date"])[:4]),
            Decimal(int(row["sum_insured_fen"])) / 100,
            Decimal(int(row["annual_premium_fen"])) / 100,
            experience,
        )
    distributable = max(0, sum(c.interest_fen + c.mortality_fen + c.expense_fen for c in found.values()))
    payout = to_fen(quantize(Decimal(inputs["policyholder_share"]) * Decimal(distributable) / 100))
    by_id = dividends.scale_to_payout(((int(facts[n]["id"]), c.raw_fen) for n, c in found.items()), payout)
    return payout, {n: by_id[int(facts[n]["id"])] for n in facts}, found


# --------------------------------------------------------------------------------------------- the story
