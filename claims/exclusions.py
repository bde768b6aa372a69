"""Citing a product exclusion in a denial: the code must be one of the claim's product's [[exclusions]] (the
catalog gives each a stable code); the claimant then reads the exclusion's wording with the decision."""

from __future__ import annotations

from claims.exclusion_tables import ClaimExclusion
from insure.errors import N_, FieldError, ValidationFailed
from insure.i18n import get_locale
from insure.policies.tables import Policy
from products import services as products


async def exclusions_of(claim: dict) -> tuple:
    """The exclusions of the product version the claim's policy was issued on."""
    policy = await Policy.select(Policy.product_code, Policy.effective_date).where(Policy.id == claim["policy"]).first()
    return products.product(policy["product_code"], on=policy["effective_date"]).exclusions


async def parse_cited(data: dict, outcome: str, claim: dict) -> str:
    """The exclusion code a denial cites ("" for none); 422 on ``exclusion_code`` when it is not the product's."""
    code = str(data.get("exclusion_code") or "").strip()
    if not code:
        return ""
    codes = [e.code for e in await exclusions_of(claim)]
    if outcome != "deny" or code not in codes:
        raise ValidationFailed(
            [
                FieldError(
                    "exclusion_code",
                    "exclusion_code_invalid",
                    N_("Cite one of the product's exclusions (%(codes)s), and only in a denial."),
                    {"codes": ", ".join(codes)},
                )
            ]
        )
    return code


async def cite(claim_id: int, code: str, user_id: int) -> None:
    await ClaimExclusion.insert(ClaimExclusion(claim=claim_id, code=code, cited_by=user_id))


async def cited(claim: dict) -> tuple[str, str] | None:
    """(code, wording in the reader's language) of the exclusion the latest denial cited, or None."""
    row = (
        await ClaimExclusion.select(ClaimExclusion.code)
        .where(ClaimExclusion.claim == claim["id"])
        .order_by(ClaimExclusion.id, ascending=False)
        .first()
    )
    if row is None:
        return None
    found = next((e for e in await exclusions_of(claim) if e.code == row["code"]), None)
    if found is None:
        return row["code"], row["code"]
    return row["code"], found.zh if get_locale() == "zh_CN" else found.en


__all__ = ["cite", "cited", "exclusions_of", "parse_cited"]
