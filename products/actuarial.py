"""Life contingencies (pure, exact): mortality tables, commutation functions, annuities, insurances, reserves.

Conventions, shared by every function here:

- All values are Decimal, computed in a local context of 40 significant digits (rounding half-even) and returned
  unrounded; callers round money once, at the edge. A float anywhere in the inputs is a TypeError.
- A table lists integer ages min_age..max_age (= omega); q at max_age is 1, so nobody reaches max_age + 1.
- Results are per unit sum insured / per unit of annual payment, benefits at the end of the year of death,
  annuities payable in advance. n=None means "to the end of the table" (whole life): the term runs to
  max_age + 1 − x. Ages outside the table, or a term that runs past max_age + 1, are a ValueError.
- A basis (table, interest i, mortality factor f) is turned into commutation columns once, by `commutation(basis)`
  (cached); after that a premium is a couple of tuple lookups and Decimal operations.

Commutation columns (v = 1/(1+i), d = i/(1+i), lx and dx = lx − l(x+1) of the basis):

    Dx = v^x·lx    Nx = Σ_{y≥x} Dy    Cx = v^(x+1)·dx    Mx = Σ_{y≥x} Cy

    ä_{x:n} = (Nx − N(x+n))/Dx      A¹_{x:n} = (Mx − M(x+n))/Dx      nEx = D(x+n)/Dx
    A_{x:n} = A¹_{x:n} + nEx        A_x = Mx/Dx                       tpx = l(x+t)/lx

with D, N, M taken as 0 at age max_age + 1. With a mortality factor f ≠ 1 the basis uses
q'x = min(1, f·qx) (and q' = 1 at max_age whatever f is), and l'x = l(min_age)·Π_{y<x} (1 − q'y); ages the basis
leaves with no lives (l'x = 0, possible when f·q reaches 1 before max_age) cannot start an annuity or a reserve.
"""

from __future__ import annotations

import csv
import functools
import re
import tomllib
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from fractions import Fraction
from pathlib import Path

__all__ = [
    "PRECISION",
    "TABLES_DIR",
    "Basis",
    "Commutation",
    "MortalityTable",
    "TableError",
    "annuity_due",
    "annuity_due_mthly",
    "commutation",
    "decimal_power",
    "endowment_insurance",
    "load_table",
    "net_premium_reserve",
    "pure_endowment",
    "survival",
    "term_insurance",
    "whole_life_insurance",
]

PRECISION = 40
TABLES_DIR = Path(__file__).resolve().parent / "tables"
METHODS = ("udd", "woolhouse")

_CONTEXT = Context(prec=PRECISION, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])
_WIDE = Context(prec=PRECISION + 10, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])
_ZERO = Decimal(0)
_ONE = Decimal(1)
_TABLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


class TableError(ValueError):
    """A mortality table file that cannot be used; the message names the file and, where it applies, the row."""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _decimal(value: object, what: str) -> Decimal:
    """A Decimal (ints are accepted and converted); floats and everything else are a TypeError."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{what} must be finite, got {value}")
        return value
    if _is_int(value):
        return Decimal(value)
    raise TypeError(f"{what} must be a Decimal, got {type(value).__name__} {value!r}")


def decimal_power(base: Decimal, exponent: int | Decimal | Fraction) -> Decimal:
    """base ** exponent in Decimal at 40 significant digits, never through float.

    Integer exponents use Decimal's correctly rounded integer power; other exponents need base > 0 and are
    computed as exp(exponent · ln base) with 10 guard digits, then rounded to 40 digits.
    """
    base = _decimal(base, "base")
    if isinstance(exponent, float) or not isinstance(exponent, int | Fraction | Decimal):
        raise TypeError(f"exponent must be an int, a Fraction or a Decimal, got {exponent!r}")
    if isinstance(exponent, Decimal) and not exponent.is_finite():
        raise ValueError(f"exponent must be finite, got {exponent}")
    if not isinstance(exponent, int) and exponent == int(exponent):
        exponent = int(exponent)
    if isinstance(exponent, int):
        with localcontext(_CONTEXT):
            if base == 0 and exponent < 0:
                raise ValueError("0 cannot be raised to a negative power")
            return base**exponent
    if base <= 0:
        raise ValueError(f"a non-integer power needs a positive base, got {base}")
    with localcontext(_WIDE):
        log = base.ln()
        if isinstance(exponent, Fraction):
            power = (log * exponent.numerator / exponent.denominator).exp()
        else:
            power = (log * exponent).exp()
    with localcontext(_CONTEXT):
        return +power


# ----------------------------------------------------------------------------------------------- mortality tables


@dataclass(frozen=True)
class MortalityTable:
    """Survivors lx at integer ages min_age..max_age; lx[age − min_age]. q(max_age) = 1."""

    name: str
    min_age: int
    max_age: int
    lx: tuple[Decimal, ...]

    def __post_init__(self) -> None:
        if not (_is_int(self.min_age) and _is_int(self.max_age)) or not 0 <= self.min_age <= self.max_age:
            raise TableError(f"table {self.name!r}: ages must be integers with 0 <= min_age <= max_age")
        object.__setattr__(self, "lx", tuple(self.lx))
        if len(self.lx) != self.max_age - self.min_age + 1:
            raise TableError(f"table {self.name!r}: {len(self.lx)} lx values for ages {self.min_age}..{self.max_age}")
        previous: Decimal | None = None
        for age, lx in enumerate(self.lx, start=self.min_age):
            if not isinstance(lx, Decimal) or not lx.is_finite() or lx <= 0:
                raise TableError(f"table {self.name!r}: l{age} must be a positive Decimal, got {lx!r}")
            if previous is not None and lx > previous:
                raise TableError(f"table {self.name!r}: l{age} = {lx} is greater than l{age - 1} = {previous}")
            previous = lx

    def _index(self, x: int) -> int:
        if not _is_int(x):
            raise TypeError(f"age must be an int, got {x!r}")
        if not self.min_age <= x <= self.max_age:
            raise ValueError(f"age {x} is outside table {self.name!r} (ages {self.min_age}..{self.max_age})")
        return x - self.min_age

    def l(self, x: int) -> Decimal:  # noqa: E743 — the actuarial name
        """Survivors at age x."""
        return self.lx[self._index(x)]

    def q(self, x: int) -> Decimal:
        """Probability that a life aged x dies within a year; 1 at max_age."""
        i = self._index(x)
        if x == self.max_age:
            return _ONE
        with localcontext(_CONTEXT):
            return 1 - self.lx[i + 1] / self.lx[i]

    def p(self, x: int) -> Decimal:
        """Probability that a life aged x survives a year; 0 at max_age."""
        i = self._index(x)
        if x == self.max_age:
            return _ZERO
        with localcontext(_CONTEXT):
            return self.lx[i + 1] / self.lx[i]


@functools.cache
def load_table(name: str, root: Path | None = None) -> MortalityTable:
    """Read `<root or products/tables>/<name>.csv` (columns age,lx), checked; cached per (name, root).

    If the sidecar `<name>.toml` is present, its `omega` (and `min_age`) must agree with the CSV.
    """
    if not isinstance(name, str) or not _TABLE_NAME.fullmatch(name):
        raise TableError(f"table name must be letters, digits, '_' or '-', got {name!r}")
    folder = TABLES_DIR if root is None else Path(root)
    path = folder / f"{name}.csv"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TableError(f"{path}: no such mortality table file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TableError(f"{path}: cannot be read: {exc}") from None

    reader = csv.reader(text.splitlines())
    ages: list[int] = []
    values: list[Decimal] = []
    header_seen = False
    for row in reader:
        line = reader.line_num
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if not header_seen:
            if cells != ["age", "lx"]:
                raise TableError(f"{path}: row {line}: the header must be 'age,lx', got {','.join(row)!r}")
            header_seen = True
            continue
        if len(cells) != 2:
            raise TableError(f"{path}: row {line}: expected 2 columns (age,lx), got {len(cells)}")
        age_text, lx_text = cells
        if not age_text.isdigit():
            raise TableError(f"{path}: row {line}: age must be a whole number, got {age_text!r}")
        age = int(age_text)
        try:
            lx = Decimal(lx_text)
        except InvalidOperation:
            raise TableError(f"{path}: row {line}: lx must be a decimal number, got {lx_text!r}") from None
        if not lx.is_finite() or lx <= 0:
            raise TableError(f"{path}: row {line}: lx must be positive, got {lx_text!r}")
        if ages and age != ages[-1] + 1:
            raise TableError(f"{path}: row {line}: age {age} does not follow age {ages[-1]} (ages must be contiguous)")
        if values and lx > values[-1]:
            raise TableError(f"{path}: row {line}: l{age} = {lx} is greater than l{ages[-1]} = {values[-1]}")
        ages.append(age)
        values.append(lx)
    if not header_seen or not ages:
        raise TableError(f"{path}: no rows (expected a header 'age,lx' and one row per age)")

    sidecar = path.with_suffix(".toml")
    if sidecar.exists():
        try:
            meta = tomllib.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise TableError(f"{sidecar}: cannot be read: {exc}") from None
        for key, actual in (("omega", ages[-1]), ("min_age", ages[0])):
            if key in meta and meta[key] != actual:
                raise TableError(f"{sidecar}: {key} = {meta[key]!r} but {path.name} has {actual}")

    return MortalityTable(name=name, min_age=ages[0], max_age=ages[-1], lx=tuple(values))


# ------------------------------------------------------------------------------------------ basis, commutation


@dataclass(frozen=True)
class Basis:
    """A pricing basis: table name, annual effective interest, and a factor on every q (capped at 1)."""

    table: str
    interest: Decimal
    mortality_factor: Decimal = _ONE

    def __post_init__(self) -> None:
        interest = _decimal(self.interest, "interest")
        factor = _decimal(self.mortality_factor, "mortality_factor")
        if interest <= -1:
            raise ValueError(f"interest must be greater than -1, got {interest}")
        if factor <= 0:
            raise ValueError(f"mortality_factor must be positive, got {factor}")
        object.__setattr__(self, "interest", interest)
        object.__setattr__(self, "mortality_factor", factor)


@dataclass(frozen=True)
class Commutation:
    """Commutation columns of a basis, index = age − min_age; `lx` are the basis' survivors (after the factor)."""

    basis: Basis
    min_age: int
    max_age: int
    i: Decimal
    v: Decimal
    d: Decimal
    lx: tuple[Decimal, ...]
    D: tuple[Decimal, ...]
    N: tuple[Decimal, ...]
    C: tuple[Decimal, ...]
    M: tuple[Decimal, ...]


def commutation(basis: Basis, root: Path | None = None) -> Commutation:
    """The commutation columns of `basis` (table read from `root`, default products/tables); built once, cached."""
    return _commutation(basis, None if root is None else Path(root))


@functools.cache
def _commutation(basis: Basis, root: Path | None) -> Commutation:
    table = load_table(basis.table, root)
    factor = basis.mortality_factor
    with localcontext(_CONTEXT):
        if factor == 1:
            lx = table.lx
        else:
            survivors = [table.lx[0]]
            for age in range(table.min_age, table.max_age):
                q = min(_ONE, factor * table.q(age))
                survivors.append(survivors[-1] * (1 - q))
            lx = tuple(survivors)
        i = basis.interest
        v = 1 / (1 + i)
        d = i / (1 + i)
        size = len(lx)
        D = tuple(v**age * lx[k] for k, age in enumerate(range(table.min_age, table.max_age + 1)))
        C = tuple(
            v ** (age + 1) * (lx[k] - (lx[k + 1] if k + 1 < size else _ZERO))
            for k, age in enumerate(range(table.min_age, table.max_age + 1))
        )
        N = _tail_sums(D)
        M = _tail_sums(C)
    return Commutation(
        basis=basis, min_age=table.min_age, max_age=table.max_age, i=i, v=v, d=d, lx=lx, D=D, N=N, C=C, M=M
    )


def _tail_sums(column: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    """S[k] = Σ_{j≥k} column[j], summed from the oldest age so small tail values keep their digits."""
    sums: list[Decimal] = []
    total = _ZERO
    for value in reversed(column):
        total += value
        sums.append(total)
    return tuple(reversed(sums))


# ----------------------------------------------------------------------------------------- validation helpers


def _start(c: Commutation, x: int) -> int:
    """Index of issue age x, which must be in the table and have lives under the basis."""
    if not _is_int(x):
        raise TypeError(f"age must be an int, got {x!r}")
    if not c.min_age <= x <= c.max_age:
        raise ValueError(f"age {x} is outside table {c.basis.table!r} (ages {c.min_age}..{c.max_age})")
    k = x - c.min_age
    if c.D[k] == 0:
        raise ValueError(f"no lives at age {x} under {c.basis} (mortality factor reaches q = 1 earlier)")
    return k


def _term(c: Commutation, x: int, n: int | None, what: str = "term") -> int:
    """The term in years; None means to the end of the table (max_age + 1 − x)."""
    if n is None:
        return c.max_age + 1 - x
    if not _is_int(n):
        raise TypeError(f"{what} must be an int or None, got {n!r}")
    if n < 0:
        raise ValueError(f"{what} must not be negative, got {n}")
    if x + n > c.max_age + 1:
        raise ValueError(
            f"age {x} + {what} {n} = {x + n} runs past the end of table {c.basis.table!r} "
            f"(last age {c.max_age}, so at most {c.max_age + 1 - x} years)"
        )
    return n


def _at(column: tuple[Decimal, ...], c: Commutation, k: int) -> Decimal:
    """column[k], or 0 one past the last age (nobody is alive at max_age + 1)."""
    return column[k] if k < len(column) else _ZERO


# --------------------------------------------------------------------------------- annuities and insurances


def annuity_due(c: Commutation, x: int, n: int | None = None) -> Decimal:
    """ä_{x:n} = (Nx − N(x+n)) / Dx; whole life ä_x if n is None."""
    k = _start(c, x)
    n = _term(c, x, n)
    with localcontext(_CONTEXT):
        return (c.N[k] - _at(c.N, c, k + n)) / c.D[k]


def term_insurance(c: Commutation, x: int, n: int | None) -> Decimal:
    """A¹_{x:n} = (Mx − M(x+n)) / Dx, benefit 1 at the end of the year of death within n years."""
    k = _start(c, x)
    n = _term(c, x, n)
    with localcontext(_CONTEXT):
        return (c.M[k] - _at(c.M, c, k + n)) / c.D[k]


def pure_endowment(c: Commutation, x: int, n: int | None) -> Decimal:
    """nEx = D(x+n) / Dx, 1 paid at time n if alive (0 for n = None: nobody survives the table)."""
    k = _start(c, x)
    n = _term(c, x, n)
    with localcontext(_CONTEXT):
        return _at(c.D, c, k + n) / c.D[k]


def endowment_insurance(c: Commutation, x: int, n: int | None) -> Decimal:
    """A_{x:n} = (Mx − M(x+n) + D(x+n)) / Dx: 1 at the end of the year of death within n years, or at time n."""
    k = _start(c, x)
    n = _term(c, x, n)
    with localcontext(_CONTEXT):
        return (c.M[k] - _at(c.M, c, k + n) + _at(c.D, c, k + n)) / c.D[k]


def whole_life_insurance(c: Commutation, x: int) -> Decimal:
    """A_x = Mx / Dx."""
    k = _start(c, x)
    with localcontext(_CONTEXT):
        return c.M[k] / c.D[k]


def survival(c: Commutation, x: int, t: int) -> Decimal:
    """tpx = l(x+t) / lx under the basis (0 when x + t = max_age + 1)."""
    k = _start(c, x)
    t = _term(c, x, t, "duration")
    with localcontext(_CONTEXT):
        return _at(c.lx, c, k + t) / c.lx[k]


@functools.cache
def _nominal_rates(i: Decimal, m: int) -> tuple[Decimal, Decimal]:
    """(i^(m), d^(m)) = (m((1+i)^(1/m) − 1), m(1 − (1+i)^(−1/m))), via exp/ln of Decimal."""
    if m == 1:
        with localcontext(_CONTEXT):
            return i, i / (1 + i)
    root = decimal_power(1 + i, Fraction(1, m))
    with localcontext(_WIDE):
        im = m * (root - 1)
        dm = m * (1 - 1 / root)
    with localcontext(_CONTEXT):
        return +im, +dm


@functools.cache
def _udd_coefficients(i: Decimal, m: int) -> tuple[Decimal, Decimal]:
    """α(m) = i·d / (i^(m)·d^(m)), β(m) = (i − i^(m)) / (i^(m)·d^(m)); limits 1 and (m−1)/(2m) at i = 0."""
    with localcontext(_CONTEXT):
        if m == 1:
            return _ONE, _ZERO
        if i == 0:
            return _ONE, Decimal(m - 1) / (2 * m)
        im, dm = _nominal_rates(i, m)
        d = i / (1 + i)
        return i * d / (im * dm), (i - im) / (im * dm)


def annuity_due_mthly(c: Commutation, x: int, n: int | None, m: int, method: str) -> Decimal:
    """ä^(m)_{x:n}: 1 a year paid in m instalments of 1/m in advance, for n years or for life.

    method "udd":       α(m)·ä_{x:n} − β(m)·(1 − nEx)   (uniform distribution of deaths, exact i^(m), d^(m))
    method "woolhouse": ä_{x:n} − (m−1)/(2m)·(1 − nEx)   (two-term Woolhouse)
    """
    if not _is_int(m) or m < 1:
        raise ValueError(f"m (payments a year) must be a positive int, got {m!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    annuity = annuity_due(c, x, n)
    endowment = pure_endowment(c, x, n)
    with localcontext(_CONTEXT):
        if method == "udd":
            alpha, beta = _udd_coefficients(c.i, m)
            return alpha * annuity - beta * (1 - endowment)
        return annuity - Decimal(m - 1) / (2 * m) * (1 - endowment)


# ------------------------------------------------------------------------------------------------- reserves


def net_premium_reserve(
    c: Commutation, x: int, t: int, *, n: int | None, k: int, endowment: bool, premium: Decimal
) -> Decimal:
    """Prospective net premium reserve tV per unit sum insured, at the start of policy year t+1, before its premium.

    Policy issued at age x: 1 at the end of the year of death within n years (whole life if n is None), plus 1 at
    maturity if `endowment`; net annual premium `premium` (per unit) payable in advance for k years.

        tV = A¹_{x+t:n−t} (+ n−t E x+t if endowment) − premium · ä_{x+t:k−t}   (premium part 0 once t ≥ k)

    At t = n the policy has run out: tV = 1 for an endowment (the maturity payment), 0 for term cover.
    A whole-life policy has reserves for t = 0..max_age − x.
    """
    _start(c, x)
    if n is None and endowment:
        raise ValueError("an endowment needs a term n (whole-life cover has no maturity)")
    if not isinstance(endowment, bool):
        raise TypeError(f"endowment must be a bool, got {endowment!r}")
    term = _term(c, x, n)
    if not _is_int(k):
        raise TypeError(f"premium term k must be an int, got {k!r}")
    k = _term(c, x, k, "premium term k")
    if k > term:
        raise ValueError(f"premium term k = {k} is longer than the cover ({term} years)")
    premium = _decimal(premium, "premium")
    if not _is_int(t):
        raise TypeError(f"duration t must be an int, got {t!r}")
    last = term - 1 if n is None else term
    if not 0 <= t <= last:
        raise ValueError(f"duration t = {t} must be within 0..{last} for this policy")
    if t == term:
        return _ONE if endowment else _ZERO
    age = x + t
    left = term - t
    benefit = endowment_insurance(c, age, left) if endowment else term_insurance(c, age, left)
    if t >= k:
        return benefit
    with localcontext(_CONTEXT):
        return benefit - premium * annuity_due(c, age, k - t)
