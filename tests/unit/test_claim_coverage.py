"""Coverage: given a claim and its policy's terms, when assessed, then the customer is paid what the policy
promises — and every step of the calculation is shown."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from claims.coverage import Cover, CoverageFacts, Invoice, assess_coverage, compute_benefit, policy_year_start
from claims.kinds import DAILY, EXPENSE, FIXED

D = Decimal
MEDICAL = Cover(
    "general_medical",
    "medical",
    EXPENSE,
    limit=D("3000000.00"),
    deductible=D("10000"),
    deductible_basis="per_year",
    coinsurance_percent=D("100"),
    coinsurance_percent_without_social_insurance=D("60"),
    waiting_period_days=30,
)
ACCIDENT_MEDICAL = Cover(
    "accidental_medical",
    "medical",
    EXPENSE,
    limit=D("30000.00"),
    deductible=D("100"),
    coinsurance_percent=D("90"),
    accident_product=True,
)
BASE = CoverageFacts(
    cover=ACCIDENT_MEDICAL,
    claimed=D("1200.50"),
    loss_date=date(2026, 3, 10),
    reported_on=date(2026, 3, 12),
    policy_status="in_force",
    cover_start=date(2026, 1, 1),
    cover_end=date(2026, 12, 31),
)


def invoice(billed: str, social: str = "0", number: str = "INV-1", on: date = date(2026, 3, 10)) -> Invoice:
    return Invoice(number, "City Hospital", on, D(billed), D(social))


def steps(facts: CoverageFacts) -> dict[str, Decimal]:
    return dict(compute_benefit(facts).steps)


def test_a_claim_without_invoices_is_billed_its_amount_less_the_deductible_times_co_insurance():
    # (1200.50 − 100) × 90 %
    assert compute_benefit(BASE).payable == D("990.45")
    assert steps(BASE)["billed"] == D("1200.50")
    assert steps(BASE)["social_insurance"] == 0
    assert steps(BASE)["deductible"] == D("100")


def test_invoices_take_off_what_social_insurance_paid_and_use_its_co_insurance_rate():
    # given a 50,000 stay of which social insurance paid 20,000, under medical cover with a 10,000 deductible
    facts = replace(
        BASE,
        cover=MEDICAL,
        loss_date=date(2026, 6, 1),
        invoices=(invoice("30000", "12000"), invoice("20000", "8000", "INV-2")),
    )
    s = steps(facts)
    # then (50,000 − 20,000 − 10,000) × 100 % = 20,000
    assert (s["billed"], s["social_insurance"], s["deductible"]) == (D("50000"), D("20000"), D("10000"))
    assert compute_benefit(facts).payable == D("20000.00")


def test_without_social_insurance_the_lower_co_insurance_applies():
    facts = replace(BASE, cover=MEDICAL, loss_date=date(2026, 6, 1), invoices=(invoice("30000"),))
    benefit = compute_benefit(facts)
    assert benefit.payable == D("12000.00")  # (30,000 − 10,000) × 60 %
    assert any("60" in note for note in benefit.notes)


def test_a_per_year_deductible_already_borne_by_earlier_claims_is_not_taken_again():
    # given earlier claims of the policy year bore 7,000 of the 10,000 annual deductible
    facts = replace(
        BASE,
        cover=MEDICAL,
        loss_date=date(2026, 6, 1),
        invoices=(invoice("20000", "5000"),),
        deductible_used_this_year=D("7000"),
    )
    # then only 3,000 is left to take: (20,000 − 5,000 − 3,000) × 100 %
    assert steps(facts)["deductible"] == D("3000")
    assert compute_benefit(facts).payable == D("12000.00")
    used_up = replace(facts, deductible_used_this_year=D("10000"))
    assert compute_benefit(used_up).payable == D("15000.00")


def test_a_per_claim_deductible_applies_to_every_claim():
    facts = replace(BASE, deductible_used_this_year=D("100"))
    assert compute_benefit(facts).payable == D("990.45")


def test_the_annual_limit_is_shared_by_the_claims_of_the_policy_year():
    # given 29,500 of the 30,000 limit already paid this policy year
    facts = replace(BASE, paid_this_year=D("29500"))
    assert compute_benefit(facts).payable == D("500.00")
    assert steps(facts)["annual_limit_left"] == D("500.00")
    # and once it is used up, nothing is payable and coverage says why
    used = assess_coverage(replace(BASE, paid_this_year=D("30000")))
    assert not used.covered
    assert {c.code for c in used.failed} == {"annual_limit_left", "benefit_payable"}
    assert "used up" in next(c for c in used.failed if c.code == "annual_limit_left").reason


def test_the_per_claim_limit_caps_one_claim():
    facts = replace(BASE, claimed=D("50000"))
    assert compute_benefit(facts).payable == D("30000.00")


def test_fixed_benefits_pay_the_cover_amount_and_daily_benefits_days_times_the_daily_amount():
    death = Cover("accidental_death_disability", "accident_death_disability", FIXED, limit=D("300000.00"))
    assert compute_benefit(replace(BASE, cover=death, claimed=D("300000"))).payable == D("300000.00")
    assert compute_benefit(replace(BASE, cover=death, claimed=D("0"))).payable == D("300000.00")
    assert compute_benefit(replace(BASE, cover=death, claimed=D("90000"))).payable == D("90000.00")  # a grade
    daily = Cover("accident_hospital_allowance", "hospital_allowance", DAILY, limit=D("150.00"))
    stay = replace(BASE, cover=daily, loss_date=date(2026, 3, 1), event_end_date=date(2026, 3, 6))
    assert compute_benefit(stay).payable == D("750.00")  # 5 days × 150


def test_the_waiting_period_refuses_illness_but_not_accidents():
    illness = replace(BASE, cover=MEDICAL, loss_date=date(2026, 1, 20))
    failed = {c.code: c.reason for c in assess_coverage(illness).failed}
    assert "waiting_period_passed" in failed and "2026-01-31" in failed["waiting_period_passed"]
    accident = replace(BASE, cover=replace(ACCIDENT_MEDICAL, waiting_period_days=30), loss_date=date(2026, 1, 2))
    assert assess_coverage(accident).covered


def test_a_loss_outside_the_cover_or_on_a_lapsed_policy_is_not_covered():
    outside = assess_coverage(replace(BASE, loss_date=date(2025, 12, 31), reported_on=date(2026, 1, 2)))
    assert [c.code for c in outside.failed] == ["policy_in_force_on_loss_date"]
    lapsed = assess_coverage(replace(BASE, policy_status="lapsed"))
    assert "lapsed" in lapsed.failed[0].reason


def test_a_clean_claim_is_covered_with_every_check_explained():
    result = assess_coverage(BASE)
    assert result.covered
    assert all(c.passed and c.reason for c in result.checks)


def test_policy_years_run_from_the_cover_start():
    assert policy_year_start(date(2025, 7, 1), date(2026, 6, 30)) == date(2025, 7, 1)
    assert policy_year_start(date(2025, 7, 1), date(2026, 7, 1)) == date(2026, 7, 1)
    assert policy_year_start(date(2024, 2, 29), date(2025, 3, 1)) == date(2025, 2, 28)


@given(
    st.decimals(min_value=0, max_value=10**7, places=2),
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.decimals(min_value=0, max_value=10**5, places=2),
)
def test_payable_is_never_negative_nor_above_the_bill_or_the_limits(billed, social, paid):
    facts = replace(BASE, invoices=(invoice(str(billed), str(min(social, billed))),), paid_this_year=paid)
    payable = compute_benefit(facts).payable
    assert D(0) <= payable <= min(billed, ACCIDENT_MEDICAL.limit)
    assert payable <= max(D(0), ACCIDENT_MEDICAL.limit - paid)
    assert payable == payable.quantize(D("0.01"))
