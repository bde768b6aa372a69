"""Filing claims in integration tests: ONE place that knows what a complete claim request is (the form of the
benefit claimed, its invoices, its documents), so every test files claims the way a real claimant does.

Use ``filed(...)`` for a claim that should go through the workflow (it answers the claim as JSON after filing it
and giving what it needs); ``file_claim(...)`` for the raw response (to test refusals).
"""

from __future__ import annotations

import secrets
from datetime import date
from functools import cache

import httpx

from claims.kinds import DAILY, EXPENSE, kind_of
from products.services import catalog
from tests.integration.helpers import auth, today

DESCRIPTION = "Slipped on wet stairs at the office and hurt an ankle"
ISSUER = "Beijing Chaoyang Hospital"


@cache
def benefit_kinds() -> dict[str, str]:
    """How each coverage code of the catalog pays (claims.kinds: fixed, expense, daily)."""
    found: dict[str, str] = {}
    for product in catalog().products(date.max):  # the latest version of every product
        for coverage in product.coverages:
            found[coverage.code] = kind_of(coverage).pays
    return found


def invoice(amount: str, day: str, **fields: object) -> dict:
    """One invoice of this amount, with a number no other claim has (a shared number is a fraud signal)."""
    return {
        "number": f"FP{secrets.token_hex(6).upper()}",
        "issuer": ISSUER,
        "date": day,
        "amount": amount,
        "social_insurance": "0",
        **fields,
    }


def claim_body(
    policy_number: str,
    coverage: str = "accidental_medical",
    amount: str = "800",
    *,
    loss_date: str | None = None,
    description: str = DESCRIPTION,
    **extra: object,
) -> dict:
    """The JSON body of POST /api/v1/claims for this benefit, as its kind asks (claims.kinds): an expense benefit
    claims ``amount`` as one invoice of that amount (unless ``invoices`` are given); a lump sum claims the cover's
    limit and a daily benefit its nights in hospital (``discharge_date``, by default the day of admission: one
    night), so ``amount`` is not sent for them."""
    loss = loss_date or today().isoformat()
    body: dict = {
        "policy_number": policy_number,
        "coverage_code": coverage,
        "loss_date": loss,
        "description": description,
    }
    pays = benefit_kinds().get(coverage, EXPENSE)
    if pays == EXPENSE and "invoices" not in extra:
        body["invoices"] = [invoice(amount, loss)]
    elif pays == DAILY and "discharge_date" not in extra:
        body["discharge_date"] = loss
    return {**body, **extra}


def file_claim(
    api: httpx.Client,
    customer: dict,
    policy_number: str,
    coverage: str = "accidental_medical",
    amount: str = "800",
    *,
    headers: dict | None = None,
    **body: object,
) -> httpx.Response:
    """POST the claim; the raw response."""
    return api.post(
        "/claims",
        json=claim_body(policy_number, coverage, amount, **body),  # type: ignore[arg-type]
        headers={**auth(customer), **(headers or {})},
    )


def filed(
    api: httpx.Client,
    customer: dict,
    policy_number: str,
    coverage: str = "accidental_medical",
    amount: str = "800",
    **body: object,
) -> dict:
    """File the claim and give it everything it needs to be assessed; the claim as the API answers it."""
    r = file_claim(api, customer, policy_number, coverage, amount, **body)  # type: ignore[arg-type]
    assert r.status_code == 201, r.text
    return r.json()


def form_fields(body: dict) -> dict[str, str]:
    """The claim form's fields (the page at /policies/{number}/claims/new?coverage=...) for a claim_body(): its
    invoices as ``invoices[i].<field>`` inputs."""
    fields = {k: str(v) for k, v in body.items() if k not in ("policy_number", "invoices")}
    for i, item in enumerate(body.get("invoices", [])):
        fields.update({f"invoices[{i}].{k}": str(v) for k, v in item.items()})
    return fields
