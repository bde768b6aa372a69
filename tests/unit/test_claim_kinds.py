"""Every benefit a product file can name has a claim kind: its event date, how it pays and its documents."""

from __future__ import annotations

from datetime import date

from claims.kinds import DOCUMENT_TYPES, FIXED, KINDS, claimable, kind_of, missing_documents
from products import catalog
from products.catalog_model import BENEFIT_KINDS


def test_every_benefit_kind_of_the_catalog_has_a_claim_kind_with_known_documents() -> None:
    assert set(KINDS) == set(BENEFIT_KINDS)
    for kind in KINDS.values():
        assert set(kind.required_documents) <= set(DOCUMENT_TYPES), kind.code
        assert kind.claimable == bool(kind.required_documents), kind.code


def test_products_name_the_kind_of_each_coverage_and_maturity_is_never_claimed() -> None:
    seen = set()
    loaded = catalog.load_catalog()
    for product in loaded.products(date(2100, 1, 1)):
        for coverage in product.coverages:
            seen.add(coverage.benefit)
            assert kind_of(coverage).code == coverage.benefit
        assert all(kind_of(c).claimable for c in claimable(product.coverages))
    assert "maturity" in seen and "medical" in seen and "death" in seen


def test_missing_documents_keep_the_checklist_order() -> None:
    death = KINDS["death"]
    assert death.pays == FIXED and death.by_beneficiary
    assert missing_documents(death, {"death_certificate"}) == ("claimant_id", "insured_id", "relationship_proof")
    assert missing_documents(death, set(death.required_documents)) == ()
