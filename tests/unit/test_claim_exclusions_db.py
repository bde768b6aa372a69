"""Citing an exclusion: given a claim on a product, when an adjuster's denial cites an exclusion, then only the
product's own exclusion codes are accepted (naming the field otherwise) and the claimant reads its wording."""

from __future__ import annotations

import pytest

from claims import exclusions
from insure.errors import ValidationFailed
from insure.i18n import use_locale
from tests.unit.conftest import bare_policy
from tests.unit.test_claim_facts_db import COVER, claim_on


def test_a_denial_cites_one_of_the_products_exclusions_and_the_claimant_reads_its_wording(in_db):
    async def body() -> None:
        policy = await bare_policy(**COVER)  # pa_basic
        claim = await claim_on(policy)
        codes = [e.code for e in await exclusions.exclusions_of(claim)]
        assert "hazardous_sports" in codes and len(codes) == len(set(codes))

        assert await exclusions.parse_cited({"exclusion_code": ""}, "deny", claim) == ""
        assert await exclusions.parse_cited({"exclusion_code": "hazardous_sports"}, "deny", claim) == "hazardous_sports"
        for code, outcome in (("pregnancy", "deny"), ("hazardous_sports", "approve")):
            with pytest.raises(ValidationFailed) as caught:
                await exclusions.parse_cited({"exclusion_code": code}, outcome, claim)
            assert [(e.field, e.code) for e in caught.value.errors] == [("exclusion_code", "exclusion_code_invalid")]

        assert await exclusions.cited(claim) is None
        await exclusions.cite(claim["id"], "hazardous_sports", policy["customer"])
        with use_locale("en"):
            assert await exclusions.cited(claim) == (
                "hazardous_sports",
                "Hazardous sports such as diving, skydiving and rock climbing",
            )
        with use_locale("zh_CN"):
            code, wording = await exclusions.cited(claim)
            assert code == "hazardous_sports" and "潜水" in wording

    in_db(body)
