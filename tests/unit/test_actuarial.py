"""Actuarial core: the SULT file, published SULT values, exact identities, reserves, m-thly annuities, caching."""

from __future__ import annotations

import csv
import itertools
import subprocess
import sys
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from products.actuarial import (
    TABLES_DIR,
    Basis,
    MortalityTable,
    TableError,
    annuity_due,
    annuity_due_mthly,
    commutation,
    decimal_power,
    endowment_insurance,
    load_table,
    net_premium_reserve,
    pure_endowment,
    survival,
    term_insurance,
    whole_life_insurance,
)

D = Decimal
ROOT = Path(__file__).resolve().parents[2]
SULT = Basis("sult", D("0.05"))
TINY = D("1e-30")  # "exact": agreement to 30 digits on values of order 1


@pytest.fixture(autouse=True)
def wide_test_arithmetic():
    """The tests' own sums and differences run at 60 digits (the engine always uses its own 40-digit context)."""
    with localcontext() as ctx:
        ctx.prec = 60
        yield


def close(a: Decimal, b: Decimal, tolerance: Decimal = TINY) -> bool:
    return abs(a - b) < tolerance


# ------------------------------------------------------------------------------------------------ (a) the file


def makeham_lx(age: int) -> Decimal:
    """ln(lx/l20) = −A(x−20) − B/ln c · (c^x − c^20), recomputed here independently of the generator."""
    with localcontext() as ctx:
        ctx.prec = 50
        a, b, c = D("0.00022"), D("2.7e-6"), D("1.124")
        return 100000 * (-a * (age - 20) - b / c.ln() * (c**age - c**20)).exp()


def sult_rows() -> list[tuple[int, Decimal]]:
    with (ROOT / "products" / "tables" / "sult.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["age", "lx"]
    return [(int(age), D(lx)) for age, lx in rows[1:]]


def test_sult_csv_matches_the_makeham_formula():
    # given the generated SULT file
    rows = sult_rows()
    # then it covers ages 0..120 with l20 = 100 000 and l0 above the radix
    assert [age for age, _ in rows] == list(range(121))
    assert rows[20][1] == 100000
    assert rows[0][1] > 100000
    # and every lx equals the formula to 6 decimal places, and to every digit it was written with
    for age, lx in rows:
        exact = makeham_lx(age)
        assert lx.quantize(D("0.000001")) == exact.quantize(D("0.000001")), age
        assert lx == exact.quantize(lx), age
        if lx >= 1:
            assert lx.as_tuple().exponent == -6, age


def test_sult_files_are_what_the_generator_writes():
    # given the generator script, when run with --check, then the committed files are up to date
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_sult.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_sult_table_loads_with_last_age_certain_death():
    # given the SULT table, when loaded, then q at the last age is 1 and p is 0
    table = load_table("sult")
    assert (table.name, table.min_age, table.max_age) == ("sult", 0, 120)
    assert table.l(20) == 100000
    assert table.q(120) == 1
    assert table.p(120) == 0
    assert table.q(40) + table.p(40) == 1
    assert D("0.0004") < table.q(40) < D("0.0006")
    # and the load is cached
    assert load_table("sult") is table


# ------------------------------------------------------------------------------------------ (b) published values


@pytest.mark.parametrize(
    ("age", "annuity", "insurance"),
    [(20, "19.9664", "0.04922"), (40, "18.4578", "0.12106"), (60, "14.9041", "0.29028"), (80, "8.5484", "0.59293")],
)
def test_published_sult_values_at_five_percent(age, annuity, insurance):
    # given the SULT at 5 % (Dickson, Hardy & Waters, AMLCR, SULT appendix)
    c = commutation(SULT)
    # when the whole-life annuity-due and insurance are computed
    # then they round to the published values
    assert annuity_due(c, age).quantize(D("0.0001")) == D(annuity)
    assert whole_life_insurance(c, age).quantize(D("0.00001")) == D(insurance)


def test_term_and_endowment_values_at_five_percent():
    # given the SULT at 5 %, when a 20-year endowment at 40 is split, then the parts add up
    c = commutation(SULT)
    parts = term_insurance(c, 40, 20) + pure_endowment(c, 40, 20)
    assert close(endowment_insurance(c, 40, 20), parts)
    # and the published A_{40:20} (0.38126) and ä_{40:20} (12.9935) are reproduced
    assert endowment_insurance(c, 40, 20).quantize(D("0.00001")) == D("0.38126")
    assert annuity_due(c, 40, 20).quantize(D("0.0001")) == D("12.9935")


# -------------------------------------------------------------------------------------------- (c) identities

interest_rates = st.decimals(min_value=D("0.01"), max_value=D("0.08"), places=4)
mortality_factors = st.decimals(min_value=D(1), max_value=D(2), places=2)


@given(interest=interest_rates, factor=mortality_factors, x=st.integers(0, 120), data=st.data())
@settings(max_examples=150, deadline=None)
def test_insurance_equals_one_minus_d_annuity(interest, factor, x, data):
    # given any basis and an age with lives under it
    c = commutation(Basis("sult", interest, factor))
    assume(c.lx[x] > 0)
    n = data.draw(st.integers(0, 121 - x), label="n")
    # when the whole-life and endowment values are computed, then A = 1 − d·ä to 30 digits
    assert close(whole_life_insurance(c, x), 1 - c.d * annuity_due(c, x))
    assert close(endowment_insurance(c, x, n), 1 - c.d * annuity_due(c, x, n))
    assert close(whole_life_insurance(c, x), term_insurance(c, x, None))


def direct_values(table: MortalityTable, interest: Decimal, factor: Decimal, x: int, n: int):
    """ä_{x:n}, A¹_{x:n}, nEx and npx summed year by year from survival probabilities, without commutation."""
    with localcontext() as ctx:
        ctx.prec = 50
        v = 1 / (1 + interest)
        annuity = insurance = D(0)
        alive = D(1)  # kpx
        for k in range(n):
            age = x + k
            q = D(1) if age == table.max_age else min(D(1), factor * table.q(age))
            annuity += v**k * alive
            insurance += v ** (k + 1) * alive * q
            alive *= 1 - q
        return annuity, insurance, v**n * alive, alive


@given(interest=interest_rates, factor=mortality_factors, x=st.integers(0, 120), data=st.data())
@settings(max_examples=150, deadline=None)
def test_commutation_equals_direct_sums(interest, factor, x, data):
    # given any basis, an age with lives under it and a term that fits the table
    c = commutation(Basis("sult", interest, factor))
    assume(c.lx[x] > 0)
    n = data.draw(st.integers(0, 121 - x), label="n")
    # when the values are summed directly over survival probabilities
    annuity, insurance, endowment, alive = direct_values(load_table("sult"), interest, factor, x, n)
    # then the commutation results agree to 30 digits
    assert close(annuity_due(c, x, n), annuity)
    assert close(term_insurance(c, x, n), insurance)
    assert close(pure_endowment(c, x, n), endowment)
    assert close(endowment_insurance(c, x, n), insurance + endowment)
    assert close(survival(c, x, n), alive)


def test_mortality_factor_multiplies_q_and_caps_it_at_one():
    # given a smoker basis (factor 1.5) on the SULT
    c = commutation(Basis("sult", D("0.05"), D("1.5")))
    table = load_table("sult")
    # then one-year survival is 1 − 1.5·q at ordinary ages
    assert close(survival(c, 50, 1), 1 - D("1.5") * table.q(50))
    # and where 1.5·q would exceed 1 nobody survives the year; later ages cannot be priced
    dead = next(age for age in range(121) if D("1.5") * table.q(age) >= 1)
    assert survival(c, dead, 1) == 0
    with pytest.raises(ValueError, match="no lives"):
        annuity_due(c, dead + 1)


# ---------------------------------------------------------------------------------------------- (d) reserves


@pytest.mark.parametrize(
    ("x", "n", "k", "endowment"),
    [(40, 20, 20, True), (40, 20, 10, True), (30, 25, 25, False), (30, None, 91, False), (50, None, 20, False)],
)
def test_reserve_at_issue_is_zero_for_the_net_premium(x, n, k, endowment):
    # given a policy priced at its net premium (equivalence principle)
    c = commutation(SULT)
    benefit = endowment_insurance(c, x, n) if endowment else term_insurance(c, x, n)
    premium = benefit / annuity_due(c, x, k)
    # when the reserve is taken at issue, then it is zero
    assert close(net_premium_reserve(c, x, 0, n=n, k=k, endowment=endowment, premium=premium), D(0))


def test_endowment_reserve_at_maturity_is_one_and_term_reserve_zero():
    # given a 20-year endowment and a 20-year term policy issued at 40
    c = commutation(SULT)
    # when the reserve is taken at maturity, then it is the maturity payment (1), and nothing for term cover
    assert net_premium_reserve(c, 40, 20, n=20, k=20, endowment=True, premium=D("0.04")) == 1
    assert net_premium_reserve(c, 40, 20, n=20, k=20, endowment=False, premium=D("0.002")) == 0
    # and an endowment running to the end of the table also pays 1 at its (unreachable) maturity
    assert net_premium_reserve(c, 100, 21, n=21, k=5, endowment=True, premium=D("0.1")) == 1


def test_whole_life_reserves_increase_with_duration():
    # given a whole-life policy at 30 with premiums for life at the net premium
    c = commutation(SULT)
    premium = whole_life_insurance(c, 30) / annuity_due(c, 30)
    # when reserves are taken at every duration up to the last age
    reserves = [net_premium_reserve(c, 30, t, n=None, k=91, endowment=False, premium=premium) for t in range(91)]
    # then they start at 0, increase strictly and stay below 1; at t = 90 the reserve is A_120 − P = v − P
    assert close(reserves[0], D(0))
    assert all(a < b for a, b in itertools.pairwise(reserves))
    assert reserves[-1] < 1
    assert close(reserves[-1], c.v - premium)
    # and past the last age there is nothing to reserve
    with pytest.raises(ValueError, match="duration"):
        net_premium_reserve(c, 30, 91, n=None, k=91, endowment=False, premium=premium)


def test_reserve_follows_the_recursion():
    # given a 20-year endowment at 40 with premiums for 10 years
    c = commutation(SULT)
    table = load_table("sult")
    premium = endowment_insurance(c, 40, 20) / annuity_due(c, 40, 10)
    for t in range(20):
        # when a year passes, then (tV + P)(1 + i) = q·1 + p·(t+1)V  (P only while premiums are due)
        paid = premium if t < 10 else D(0)
        this = net_premium_reserve(c, 40, t, n=20, k=10, endowment=True, premium=premium)
        following = net_premium_reserve(c, 40, t + 1, n=20, k=10, endowment=True, premium=premium)
        q = table.q(40 + t)
        assert close((this + paid) * (1 + c.i), q + (1 - q) * following), t


# ---------------------------------------------------------------------------------------- (e) m-thly annuities


@pytest.mark.parametrize(("x", "n"), [(20, None), (40, 20), (65, None), (119, None), (120, 1)])
def test_udd_with_one_payment_a_year_is_the_annual_annuity(x, n):
    # given the SULT at 5 %, when m = 1, then UDD gives exactly ä (and so does Woolhouse)
    c = commutation(SULT)
    assert annuity_due_mthly(c, x, n, 1, "udd") == annuity_due(c, x, n)
    assert annuity_due_mthly(c, x, n, 1, "woolhouse") == annuity_due(c, x, n)


def makeham_mu(age: int) -> Decimal:
    return D("0.00022") + D("2.7e-6") * D("1.124") ** age


@pytest.mark.parametrize("m", [2, 4, 12])
@pytest.mark.parametrize(("x", "n"), [(20, None), (40, None), (40, 10), (40, 20), (60, None), (60, 5), (80, None)])
def test_woolhouse_and_udd_agree_for_typical_ages(x, n, m):
    # given the SULT at 5 % and a typical age
    c = commutation(SULT)
    udd = annuity_due_mthly(c, x, n, m, "udd")
    woolhouse = annuity_due_mthly(c, x, n, m, "woolhouse")
    # then the two-term Woolhouse is within 1e-2 of UDD: it omits −(m²−1)/(12m²)·(δ + μ), up to 0.0066 here
    assert abs(udd - woolhouse) < D("1e-2")
    # and with that third term added back the two agree within 1e-3
    delta = D("1.05").ln()
    endowment = pure_endowment(c, x, n)
    tail = D(0) if n is None else endowment * (delta + makeham_mu(x + n))
    third = D(m * m - 1) / (12 * m * m) * (delta + makeham_mu(x) - tail)
    assert abs(udd - (woolhouse - third)) < D("1e-3")
    # and both lie between ä − 1 (paid too early) and ä
    assert annuity_due(c, x, n) - 1 < udd < annuity_due(c, x, n)


def test_mthly_annuity_uses_the_standard_udd_coefficients():
    # given the SULT at 5 %, when ä^(12)_40 is valued under UDD
    c = commutation(SULT)
    value = annuity_due_mthly(c, 40, None, 12, "udd")
    # then it is α(12)·ä_40 − β(12) with the tabulated α(12) = 1.000197, β(12) = 0.466508 (to the 6 digits given)
    assert abs(value - (D("1.000197") * annuity_due(c, 40) - D("0.466508"))) < D("1e-5")
    assert value.quantize(D("0.0001")) == D("17.9949")


def test_mthly_annuity_rejects_unknown_method_and_bad_m():
    c = commutation(SULT)
    with pytest.raises(ValueError, match="method"):
        annuity_due_mthly(c, 40, None, 12, "exact")
    with pytest.raises(ValueError, match="m"):
        annuity_due_mthly(c, 40, None, 0, "udd")


def test_results_do_not_depend_on_the_callers_decimal_context():
    # given a caller whose Decimal context has only 5 digits
    c = commutation(SULT)
    expected = (annuity_due(c, 40), net_premium_reserve(c, 40, 5, n=20, k=20, endowment=True, premium=D("0.03")))
    with localcontext() as ctx:
        ctx.prec = 5
        # when the same values are asked for, then they are the same 40-digit values
        assert (annuity_due(c, 40), net_premium_reserve(c, 40, 5, n=20, k=20, endowment=True, premium=D("0.03"))) == (
            expected
        )
    assert len(expected[0].as_tuple().digits) == 40


# ------------------------------------------------------------------------------------------------ (f) caching


def test_commutation_is_cached_per_basis():
    # given a basis, when its commutation is asked for twice (even with 0.05 written as 0.050)
    first = commutation(SULT)
    # then the same object comes back
    assert commutation(SULT) is first
    assert commutation(Basis("sult", D("0.050"), D("1.0"))) is first
    # and it holds one value per age for every column
    assert len(first.D) == len(first.N) == len(first.C) == len(first.M) == 121
    assert (first.min_age, first.max_age) == (0, 120)
    assert close(first.d, first.i * first.v)


# --------------------------------------------------------------------------------------------- validation


def test_ages_and_terms_outside_the_table_are_refused():
    c = commutation(SULT)
    # given ages outside 0..120, or a term that runs past 121, then a ValueError names the problem
    with pytest.raises(ValueError, match="outside"):
        annuity_due(c, 121)
    with pytest.raises(ValueError, match="outside"):
        whole_life_insurance(c, -1)
    with pytest.raises(ValueError, match="runs past"):
        term_insurance(c, 100, 22)
    with pytest.raises(ValueError, match="negative"):
        pure_endowment(c, 40, -1)
    # and the longest term, to age 121, is fine: nobody survives it
    assert pure_endowment(c, 100, 21) == 0
    assert annuity_due(c, 100, 21) == annuity_due(c, 100)


def test_floats_are_refused():
    # given a float interest or premium, then it is a TypeError (money and rates are Decimal)
    with pytest.raises(TypeError):
        Basis("sult", 0.05)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        net_premium_reserve(commutation(SULT), 40, 0, n=20, k=20, endowment=True, premium=0.04)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Basis("sult", D("-1"))
    with pytest.raises(ValueError):
        Basis("sult", D("0.05"), D(0))


def test_decimal_power():
    # given Decimal bases, when raised to integer, Decimal and fractional powers, then no float is involved
    assert decimal_power(D("1.05"), 2) == D("1.1025")
    assert decimal_power(D(4), D("0.5")) == 2
    twelfth = decimal_power(D("1.05"), Fraction(1, 12))
    assert close(twelfth**12, D("1.05"), D("1e-38"))
    with pytest.raises(ValueError):
        decimal_power(D(-1), D("0.5"))


def write_table(folder: Path, name: str, text: str) -> None:
    (folder / f"{name}.csv").write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("age,qx\n0,1\n", "row 1: the header"),
        ("age,lx\n0,100\n2,90\n", "row 3: age 2 does not follow age 0"),
        ("age,lx\n0,100\n1,101\n", "row 3: l1 = 101 is greater than l0 = 100"),
        ("age,lx\n0,100\n1,0\n", "row 3: lx must be positive"),
        ("age,lx\n0,100\n1,abc\n", "row 3: lx must be a decimal"),
        ("age,lx\n0,100\nx,90\n", "row 3: age must be a whole number"),
        ("age,lx\n0,100,1\n", "row 2: expected 2 columns"),
        ("age,lx\n", "no rows"),
    ],
)
def test_bad_table_files_name_file_and_row(tmp_path, text, message):
    # given a malformed table file, when loaded, then TableError names the file and the row
    write_table(tmp_path, "bad", text)
    with pytest.raises(TableError, match=message) as error:
        load_table("bad", tmp_path)
    assert str(tmp_path / "bad.csv") in str(error.value)
    assert isinstance(error.value, ValueError)


def test_missing_table_bad_name_and_sidecar_mismatch(tmp_path):
    with pytest.raises(TableError, match="no such"):
        load_table("nothing", tmp_path)
    with pytest.raises(TableError, match="table name"):
        load_table("../sult", tmp_path)
    # given a table whose sidecar promises omega 3 but whose CSV stops at 2, then it is refused
    write_table(tmp_path, "short", "age,lx\n0,100\n1,60\n2,20\n")
    (tmp_path / "short.toml").write_text('name = "short"\nomega = 3\n', encoding="utf-8")
    with pytest.raises(TableError, match="omega = 3"):
        load_table("short", tmp_path)


def test_a_product_table_from_another_folder(tmp_path):
    # given a tiny table 0..2 (l = 100, 60, 20) in its own folder, at 0 % interest
    write_table(tmp_path, "tiny", "age,lx\n0,100\n1,60\n2,20\n")
    c = commutation(Basis("tiny", D(0)), tmp_path)
    # then ä_0 = 1 + 0.6 + 0.2, A_0 = 1 (everybody dies by 3), and q_2 = 1
    assert annuity_due(c, 0) == D("1.8")
    assert whole_life_insurance(c, 0) == 1
    assert load_table("tiny", tmp_path).q(2) == 1
    # and at i = 0 UDD's coefficients are their limits α = 1, β = (m−1)/(2m): the same as Woolhouse
    assert annuity_due_mthly(c, 0, 2, 4, "udd") == annuity_due_mthly(c, 0, 2, 4, "woolhouse")
    assert TABLES_DIR.name == "tables"
