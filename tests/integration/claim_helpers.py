"""Filing claims in integration tests: ONE place that knows what a complete claim request is (the form of the
benefit claimed, its invoices, its documents), so every test files claims the way a real claimant does.

Use ``filed(...)`` for a claim that should go through the workflow (it answers the claim as JSON after filing it
and giving what it needs); ``file_claim(...)`` for the raw response (to test refusals).
"""

from __future__ import annotations

import httpx

from tests.integration.helpers import auth, today

DESCRIPTION = "Slipped on wet stairs at the office and hurt an ankle"


def claim_body(
    policy_number: str,
    coverage: str = "accidental_medical",
    amount: str = "800",
    *,
    loss_date: str | None = None,
    description: str = DESCRIPTION,
    **extra: object,
) -> dict:
    """The JSON body of POST /api/v1/claims for this benefit and amount claimed."""
    return {
        "policy_number": policy_number,
        "coverage_code": coverage,
        "loss_date": loss_date or today().isoformat(),
        "description": description,
        "amount": amount,
        **extra,
    }


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
