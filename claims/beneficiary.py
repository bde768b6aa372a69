"""The beneficiary's death claim (issue 10, H1): someone who is not the policyholder claims the death benefit on
the insured's policy, found by its number and the insured's ID number (who may: claims.beneficiary_rules).

The claim is theirs (Claim.claimant): they follow it on "My claims" and its page, and see nothing else of the
policy. The benefit goes to their own bank account, given on the claim form and tokenised at the gateway at once
(BeneficiaryClaim keeps the token and the last 4 digits); the payment step (claims.services.pay) passes it to the
one payout path (``start_payout(..., account=...)``). The policyholder's own claims are unchanged.
"""

from __future__ import annotations

import re
from decimal import Decimal

from claims import filing
from claims.beneficiary_rules import beneficiary_share, insured_matches
from claims.beneficiary_tables import BeneficiaryClaim
from claims.kinds import kind_of
from insure.errors import N_, FieldError, NotFound, ValidationFailed
from insure.payments import payouts
from insure.policies.tables import Policy
from insure.tables_base import json_value
from insure.text_input import TextRefused, clean

ACCOUNT_RE = re.compile(r"[0-9]{12,19}")


def _not_found() -> NotFound:
    return NotFound(N_("No such policy."), code="policy_not_found")


async def policy_for_beneficiary(user: dict, policy_number: str, insured_id_number: str) -> tuple[dict, Decimal]:
    """The policy and the share of its death benefit ``user`` may claim; 404 for anyone else (a wrong number, a
    wrong ID number and a stranger all read the same)."""
    try:
        number = clean(policy_number, "public_id")
        insured_id = clean(insured_id_number, "id_number")
    except TextRefused as exc:
        raise _not_found() from exc
    policy = await Policy.select().where(Policy.number == number).first() if number else None
    if policy is None or user.get("role") != "customer" or not insured_matches(policy, insured_id):
        raise _not_found()
    share = beneficiary_share(user, policy, json_value(policy["beneficiaries"]) or [])
    if share is None:
        raise _not_found()
    return policy, share


def death_coverages(policy_product: object) -> tuple:
    """The coverages a beneficiary claims under: those whose benefit is paid to the beneficiary (death)."""
    return tuple(c for c in policy_product.coverages if kind_of(c).by_beneficiary and kind_of(c).claimable)  # type: ignore[attr-defined]


def _account(data: dict) -> str:
    try:
        digits = re.sub(r"[\s-]", "", clean(data.get("bank_account"), "digits"))
    except TextRefused:
        digits = ""
    if not ACCOUNT_RE.fullmatch(digits):
        message = N_("Enter the 12 to 19 digits of your own bank account: the benefit is paid there.")
        raise ValidationFailed([FieldError("bank_account", "bank_account_invalid", message)])
    return digits


async def file_death_claim(user: dict, data: dict, key: str = "") -> dict:
    """File the beneficiary's death claim: the policy found and the right to claim checked (404 otherwise), the
    account and then the form checked as any claim (422 naming the fields); nothing stored unless all is well."""
    policy, share = await policy_for_beneficiary(
        user, str(data.get("policy_number", "")), str(data.get("insured_id_number", ""))
    )
    digits = _account(data)
    claim_data = {k: v for k, v in data.items() if k not in ("bank_account", "insured_id_number", "policy_number")}

    async def record(claim: dict) -> None:  # in the claim's transaction, once every field is right
        await BeneficiaryClaim.insert(
            BeneficiaryClaim(
                claim=claim["id"],
                beneficiary=user["id"],
                share=str(share),
                account_last4=digits[-4:],
                account_token=await payouts.vault_bank_account(digits),
            )
        )

    return await filing.file_on(user, policy, claim_data, key, share=share, only=_by_beneficiary, on_filed=record)


def _by_beneficiary(coverage: object) -> bool:
    return kind_of(coverage).by_beneficiary


async def payout_account(claim_id: int) -> tuple[str, str] | None:
    """The beneficiary's own account for this claim's benefit (token, last 4 digits), or None: the policy's."""
    row = await BeneficiaryClaim.select().where(BeneficiaryClaim.claim == claim_id).first()
    return (row["account_token"], row["account_last4"]) if row else None
