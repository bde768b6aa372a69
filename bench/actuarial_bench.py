"""How fast is a whole-life net premium once the basis is cached?

    .venv/bin/python bench/actuarial_bench.py

Prints premiums/second for P_x = A_x / ä_x (two commutation lookups and a division each) over ages 0..110, and the
same as a ratio to a baseline measured in the same run: 10 000 plain Decimal multiplications at 40 digits. The
ratio ("one premium costs about N multiplications") is what to compare between machines; the absolute figures
depend on the machine. Also shows the one-off cost of building a basis' commutation columns.
"""

from __future__ import annotations

import sys
import time
from decimal import Decimal, localcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from products.actuarial import Basis, annuity_due, commutation, load_table, whole_life_insurance

REPEATS = 5
MULTIPLICATIONS = 10_000
ROUNDS = 100
AGES = range(0, 111)


def best_of(run) -> float:
    """Smallest wall time of REPEATS runs, in seconds."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def baseline() -> None:
    a = Decimal("18.45775657165643867936105494630099963303")
    b = Decimal("0.1210592108735029200304259549380476365224")
    with localcontext() as ctx:
        ctx.prec = 40
        for _ in range(MULTIPLICATIONS):
            a * b


def premiums() -> None:
    c = commutation(Basis("sult", Decimal("0.05")))
    with localcontext() as ctx:
        ctx.prec = 40
        for _ in range(ROUNDS):
            for x in AGES:
                whole_life_insurance(c, x) / annuity_due(c, x)


def main() -> None:
    load_table("sult")
    commutation(Basis("sult", Decimal("0.05")))  # warm: the table is read and the columns built once

    start = time.perf_counter()
    commutation(Basis("sult", Decimal("0.0375"), Decimal("1.5")))  # a new basis: built on first use
    build = time.perf_counter() - start

    mult_seconds = best_of(baseline)
    premium_seconds = best_of(premiums)
    count = ROUNDS * len(AGES)
    mult_rate = MULTIPLICATIONS / mult_seconds
    premium_rate = count / premium_seconds
    print(f"baseline: {MULTIPLICATIONS:,} Decimal multiplications in {mult_seconds * 1e3:.2f} ms ({mult_rate:,.0f}/s)")
    print(f"premiums: {count:,} whole-life net premiums in {premium_seconds * 1e3:.2f} ms ({premium_rate:,.0f}/s)")
    print(f"          {1e6 / premium_rate:.2f} µs each = {mult_rate / premium_rate:.1f} Decimal multiplications")
    print(f"new basis: commutation columns for ages 0..120 built in {build * 1e3:.2f} ms (once per basis)")


if __name__ == "__main__":
    main()
