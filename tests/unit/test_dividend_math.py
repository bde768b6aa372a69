"""The dividend arithmetic (insure.accounts.dividends) checked BY HAND for one sample policy.

The sample: 华夏相互 participating whole life (wl_par_huaxia 2026-01-01), a man aged 40 (last birthday) on the
effective date 2026-01-10, non-smoker, sum insured S = 100,000, gross annual premium G = 2,000 for 20 years, on
the pricing basis SULT at i = 5 %. Policy year t = 2 (anniversary 2028-01-10), experience i′ = 6 %, mortality
ratio 0.8, expense ratio 0.9.

The commutation values below were printed once from products.actuarial and are cross-checked here
independently: q from the table's l(x), the reserves by the year-by-year recursion (V + P)(1 + i) = q + p·V',
and A(42) by summing v^(k+1)·(l(42+k) − l(43+k)) / l(42) over the table.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insure.accounts import dividends
from insure.accounts.declaration_inputs import parse_declaration
from insure.errors import ValidationFailed
from products import actuarial
from products.life_pricing import net_premium_per_unit
from products.services import catalog

D = Decimal
# printed once (see the module docstring), then checked below
L40, L41, L42 = D("99338.256265"), D("99285.883105"), D("99229.755584")
P = D("0.009316923298180715578911853410")  # net annual premium per 1 (20 years' premiums, whole life)
V1 = D("0.0092604313035467579233753213213847671206")
V2 = D("0.0189516237159797673927909898815842945538")
Q41 = D("0.0005653121999291905275942904652678518370")
A42 = D("0.1324938987826365005626576920279325067232")  # net single premium per 1 of paid-up cover at 42


@pytest.fixture(scope="module")
def sample():
    product = catalog().get("wl_par_huaxia", date(2026, 6, 1))
    terms = dividends.policy_terms(
        product,
        birth_date=date(1986, 1, 10),
        sex="male",
        smoker=False,
        effective=date(2026, 1, 10),
        policy_term_years=None,
        premium_term_years=20,
    )
    return product, terms


def test_the_printed_values_are_those_of_the_table_and_the_recursion(sample):
    product, terms = sample
    c = actuarial.commutation(terms.basis)
    assert (c.lx[40], c.lx[41], c.lx[42]) == (L40, L41, L42)
    assert net_premium_per_unit(product, terms) == P
    with localcontext() as ctx:
        ctx.prec = 40
        q40, q41 = 1 - L41 / L40, 1 - L42 / L41
        v1 = (P * D("1.05") - q40) / (1 - q40)  # (0 + P)(1 + i) = q + p·V1
        v2 = ((V1 + P) * D("1.05") - q41) / (1 - q41)  # (V1 + P)(1 + i) = q + p·V2
        a42 = sum((c.lx[k] - c.lx[k + 1]) / L42 / D("1.05") ** (k - 41) for k in range(42, len(c.lx) - 1)) + c.lx[
            -1
        ] / L42 / D("1.05") ** (len(c.lx) - 42)
    assert abs(q41 - Q41) < D("1e-30")
    assert abs(v1 - V1) < D("1e-25") and abs(v2 - V2) < D("1e-25")
    assert abs(a42 - A42) < D("1e-12")
    assert dividends.unit_reserve(product, terms, 1) == V1
    assert dividends.unit_reserve(product, terms, 2) == V2
    assert dividends.death_probability(terms, 41) == Q41
    assert dividends.net_single_premium(product, terms, 2) == A42


def test_each_source_of_the_sample_policy_matches_the_hand_calculation(sample):
    product, terms = sample
    experience = dividends.Experience(D("0.06"), D("0.8"), D("0.9"))
    part = dividends.contribution(product, terms, 2, D(100000), D(2000), experience)
    # E = 12 % × 2,000 + 0.5 ‰ × 100,000 + 20 = 240 + 50 + 20 = 310;  E′ = 0.9 × 310 = 279
    assert part.basis["expenses"] == "310.00" and part.basis["expenses_actual"] == "279.00"
    # interest: (S·V1 + G − E)(i′ − i) = (926.0431303546758 + 2,000 − 310) × 0.01 = 26.160431… → 26.16
    assert part.interest_fen == 2616
    # mortality: (q − q′)(S − S·V2) = 0.2 × 0.00056531220 × (100,000 − 1,895.1623716) = 11.0919… → 11.09
    assert part.mortality_fen == 1109
    # expense: (E − E′)(1 + i′) = 31 × 1.06 = 32.86
    assert part.expense_fen == 3286
    # the dividend is the sum of the rounded sources: 26.16 + 11.09 + 32.86 = 70.11
    assert part.raw_fen == 2616 + 1109 + 3286 == 7011


def test_a_bad_year_gives_no_negative_dividend(sample):
    product, terms = sample
    # yield 1 % below the basis and mortality 50 % heavier: interest −26.16, mortality −27.73, expense 0
    poor = dividends.Experience(D("0.04"), D("1.5"), D("1"))
    part = dividends.contribution(product, terms, 2, D(100000), D(2000), poor)
    assert part.interest_fen == -2616 and part.mortality_fen < 0 and part.expense_fen == 0
    assert part.raw_fen == 0


def test_paid_up_addition_bonus_terminal_bonus_interest_and_pro_rata_by_hand():
    # 70.11 buys 70.11 / A(42) = 70.11 / 0.1324938988 = 529.1564… → 529.16 of paid-up cover
    assert dividends.paid_up_addition(7011, A42) == 52916
    # 3,090 of paid-up cover is worth 3,090 × 0.1324938988 = 409.4061… → 409.41
    assert dividends.value_of_cover(309000, A42) == 40941
    # reversionary bonus 3 % on (100,000 + 3,000 already added) = 3,090
    assert dividends.reversionary_bonus(D("0.03"), 10_000_000, 300_000) == 309_000
    # terminal bonus 50 % of 6,090 bonuses = 3,045
    assert dividends.terminal_bonus(D("0.5"), 609_000) == 304_500
    # a year's interest at 2.5 % on 1,000 = 25.00; 73 days' = 25 × 73 / 365 = 5.00
    assert dividends.interest(100_000, D("0.025")) == 2_500
    assert dividends.interest(100_000, D("0.025"), days=73) == 500
    # ended 181 days into a 365-day policy year: 70.11 × 181 / 365 = 34.7669… → 34.77
    assert dividends.pro_rata(7011, date(2027, 1, 10), date(2027, 7, 10), date(2028, 1, 10)) == 3477


def test_scaling_to_the_payout_gives_the_largest_remainders_the_leftover_fen():
    # raw 1, 1, 1 sharing 100 fen: 33 each, 1 fen left, to the smallest id among equal remainders
    assert dividends.scale_to_payout([(3, 1), (1, 1), (2, 1)], 100) == {1: 34, 2: 33, 3: 33}
    # raw 70.11 and 29.89 sharing 50.00: 35.055 and 14.945, floors 35.05 and 14.94, equal remainders: the fen
    # left over goes to the smaller id
    assert dividends.scale_to_payout([(1, 7011), (2, 2989)], 5000) == {1: 3506, 2: 1494}


@given(
    raws=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=60),
    payout=st.integers(min_value=0, max_value=10**12),
)
def test_any_raws_and_payout_sum_exactly_and_each_is_within_one_fen_of_its_share(raws, payout):
    total = sum(raws)
    if total == 0:
        payout = 0
    shares = dividends.scale_to_payout(list(enumerate(raws)), payout)
    assert sum(shares.values()) == payout
    for key, raw in enumerate(raws):
        exact = Decimal(raw * payout) / total if total else Decimal(0)
        assert abs(Decimal(shares[key]) - exact) < 1


BASE = {
    "insurer_code": "huaxia_mutual",
    "year": "2027",
    "investment_yield": "0.05",
    "mortality_ratio": "0.9",
    "expense_ratio": "1",
}


def _parse(**changes: object):
    return parse_declaration({**BASE, **changes}, today=date(2027, 3, 1), insurers=frozenset({"huaxia_mutual"}))


def test_the_70_percent_boundary():
    assert _parse(policyholder_share="0.70").policyholder_share == D("0.70")
    with pytest.raises(ValidationFailed) as refused:
        _parse(policyholder_share="0.6999")
    assert [(e.field, e.code) for e in refused.value.errors] == [("policyholder_share", "share_below_minimum")]
