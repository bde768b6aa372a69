"""Given a coverage's terms, when a claim is settled, then the customer is paid what the policy promises."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from claims.benefits import CoverTerms, settle

MEDICAL = CoverTerms("accidental_medical", Decimal("30000.00"), Decimal("100"), Decimal("90"))
DEATH = CoverTerms("accidental_death_disability", Decimal("300000.00"), Decimal("0"), Decimal("100"))


def test_reimbursement_takes_off_the_deductible_then_pays_the_insurers_share():
    assert settle(Decimal("1200.50"), MEDICAL).payable == Decimal("990.45")  # (1200.50 − 100) × 90 %


def test_a_claim_below_the_deductible_pays_nothing():
    assert settle(Decimal("80.00"), MEDICAL).payable == Decimal("0.00")


def test_reimbursement_is_capped_at_the_coverage_limit():
    assert settle(Decimal("50000.00"), MEDICAL).payable == Decimal("30000.00")


def test_a_lump_sum_cover_pays_the_claim_up_to_its_limit():
    assert settle(Decimal("300000.00"), DEATH).payable == Decimal("300000.00")
    assert settle(Decimal("400000.00"), DEATH).payable == Decimal("300000.00")


@given(st.decimals(min_value=0, max_value=10**7, places=2))
def test_payable_is_never_negative_nor_above_the_claim_or_the_limit(claimed):
    payable = settle(claimed, MEDICAL).payable
    assert Decimal(0) <= payable <= min(claimed, MEDICAL.limit)
    assert payable == payable.quantize(Decimal("0.01"))
