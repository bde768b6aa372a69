"""Signals that need other rows: given claims in the database, when a claim's facts are gathered, then the same
invoice on another customer's claim and a bank account shared with an unrelated claimant are found (and a
claim's own history never counts against it)."""

from __future__ import annotations

import secrets
from datetime import date

from claims import facts
from claims.invoices import number_key
from claims.rules import REFER, evaluate
from claims.ruleset import current
from claims.tables import Claim, ClaimInvoice
from tests.unit.conftest import bare_policy

COVER = {"effective_date": date(2026, 1, 1), "expiry_date": date(2026, 12, 31), "sum_insured_fen": 10_000_000}


async def claim_on(policy: dict, amount_fen: int = 80_000, **values) -> dict:
    row = {
        "number": f"CTEST{secrets.token_hex(5)}".upper(),
        "policy": policy["id"],
        "claimant": policy["customer"],
        "coverage_code": "accidental_medical",
        "loss_date": date(2026, 6, 10),
        "reported_on": date(2026, 6, 12),
        "description": "Fell on the stairs",
        "amount_fen": amount_fen,
        "status": "referred",
        **values,
    }
    return (await Claim.insert(Claim(**row)).returning(*Claim.all_columns()))[0]


async def invoice(claim: dict, number: str, issuer: str = "City Hospital") -> None:
    """An invoice row as intake stores it (claims.filing: the number without case, spaces or dashes)."""
    await ClaimInvoice.insert(
        ClaimInvoice(
            claim=claim["id"], number=number_key(number), issuer=issuer, issued_on=date(2026, 6, 10), amount_fen=80_000
        )
    )


def test_the_same_invoice_on_two_customers_claims_is_flagged_on_the_later_one(in_db):
    async def body() -> None:
        first = await claim_on(await bare_policy(**COVER))
        second = await claim_on(await bare_policy(**COVER))
        await invoice(first, "HOSP-2026-0042")
        await invoice(second, "hosp 2026-0042 ", "city  hospital")  # the same invoice, typed differently
        other_issuer = await claim_on(await bare_policy(**COVER))
        await invoice(other_issuer, "HOSP-2026-0042", "Another Clinic")

        later = await facts.gather(second["id"])
        assert later is not None
        assert [d[2] for d in later.signals.duplicate_invoices] == [first["number"]]
        result = evaluate(later, current())
        assert result.outcome == REFER
        assert any("duplicate_invoice" in reason and first["number"] in reason for reason in result.reasons)

        earlier = await facts.gather(first["id"])
        assert earlier is not None and earlier.signals.duplicate_invoices == ()
        elsewhere = await facts.gather(other_issuer["id"])
        assert elsewhere is not None and elsewhere.signals.duplicate_invoices == ()  # another issuer's number

    in_db(body)


def test_a_bank_account_shared_with_an_unrelated_claimant_is_flagged(in_db):
    async def body() -> None:
        token = f"tok_{secrets.token_hex(8)}"
        stranger = await bare_policy(bank_account_token=token, **COVER)
        await claim_on(stranger)
        mine = await bare_policy(bank_account_token=token, **COVER)
        claim = await claim_on(mine)
        found = await facts.gather(claim["id"])
        assert found is not None
        assert found.signals.bank_account_sharers == (stranger["customer"],)
        result = evaluate(found, current())
        assert "shared_bank_account" in [s.code for s in result.scored.fired]

        # the same customer's second policy on the same account is not "unrelated"
        again = await claim_on(mine)
        own = await facts.gather(again["id"])
        assert own is not None and own.signals.bank_account_sharers == (stranger["customer"],)

    in_db(body)


def test_the_annual_limit_and_the_insureds_frequency_come_from_the_earlier_claims(in_db):
    async def body() -> None:
        policy = await bare_policy(**COVER)
        await claim_on(policy, status="paid", approved_fen=2_000_000, loss_date=date(2026, 2, 1))
        await claim_on(policy, status="denied", approved_fen=0, loss_date=date(2026, 3, 1))
        claim = await claim_on(policy)
        found = await facts.gather(claim["id"])
        assert found is not None
        assert found.coverage.paid_this_year == 20_000  # only the paid claim counts against the limit
        assert len(found.signals.insured_claims) == 2  # both count as the insured's claims

    in_db(body)
