"""Generate the Standard Ultimate Life Table: products/tables/sult.csv and its sidecar sult.toml.

Makeham's law μx = A + B·c^x with A = 0.00022, B = 2.7e-6, c = 1.124 and radix l20 = 100 000 gives

    lx = l20 · exp(−A(x − 20) − B/ln(c) · c^20 · (c^(x − 20) − 1))

for every integer age 0..120 (ages below 20 by the same formula, so l0 > 100 000). The engine treats the last
age (omega = 120) as certain death: q_120 = 1. Everything is computed in Decimal at 40 significant digits and
lx is written rounded half-even to 6 decimal places — or to 6 significant digits where that is finer, i.e. where
lx < 1 (ages 113..120): at 6 decimal places l120 = 3.9e-8 would be written as 0 and l119 as 0.000001, which would
make lx non-positive and q at the oldest ages meaningless.

    python scripts/make_sult.py            # (re)write the two files
    python scripts/make_sult.py --check    # exit 1 if the files in the repo differ from what would be written
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from pathlib import Path

A = Decimal("0.00022")
B = Decimal("0.0000027")
C = Decimal("1.124")
RADIX = Decimal(100000)
RADIX_AGE = 20
MIN_AGE = 0
OMEGA = 120
PLACES = Decimal("0.000001")
SIGNIFICANT = 6

CONTEXT = Context(prec=40, rounding=ROUND_HALF_EVEN)
TABLES = Path(__file__).resolve().parents[1] / "products" / "tables"


def makeham_lx(age: int) -> Decimal:
    """lx at 40 significant digits, unrounded."""
    with localcontext(CONTEXT):
        exponent = -A * (age - RADIX_AGE) - B / C.ln() * C**RADIX_AGE * (C ** (age - RADIX_AGE) - 1)
        return RADIX * exponent.exp()


def rounded(lx: Decimal) -> Decimal:
    """lx half-even to 6 decimal places, or to 6 significant digits if that keeps more digits (lx < 1)."""
    step = PLACES if lx >= 1 else Decimal(1).scaleb(lx.adjusted() - (SIGNIFICANT - 1))
    return lx.quantize(step, rounding=ROUND_HALF_EVEN)


def csv_text() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["age", "lx"])
    for age in range(MIN_AGE, OMEGA + 1):
        writer.writerow([age, f"{rounded(makeham_lx(age)):f}"])
    return out.getvalue()


TOML_TEXT = f'''\
# Sidecar of sult.csv, written by scripts/make_sult.py — do not edit by hand; change the script and rerun it.
# Parameters are quoted decimals so that they are read exactly (TOML floats are binary).
name = "sult"
title_zh = "标准终极生命表"
title_en = "Standard Ultimate Life Table"
description_zh = """按 Makeham 死亡力法则生成的标准终极生命表（Dickson、Hardy、Waters《Actuarial Mathematics for \\
Life Contingent Risks》），以 5% 利率作为寿险产品的参考定价基础。"""
description_en = """Standard Ultimate Life Table from Makeham's law (Dickson, Hardy & Waters, Actuarial \\
Mathematics for Life Contingent Risks); with 5 % interest it is the reference pricing basis for life products."""
source = "scripts/make_sult.py"
law = "makeham"
formula = "lx = l20 · exp(−A(x−20) − B/ln(c) · c^20 · (c^(x−20) − 1))"
precision = "Decimal, 40 digits; lx rounded half-even to 6 decimal places (6 significant digits if lx < 1)"
radix = "{RADIX}"
radix_age = {RADIX_AGE}
min_age = {MIN_AGE}
omega = {OMEGA}  # last age of the table: q_{OMEGA} = 1, nobody survives to {OMEGA + 1}

[parameters]
A = "{A}"
B = "{B:f}"
c = "{C}"
'''


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the files on disk")
    args = parser.parse_args(argv)
    wanted = {TABLES / "sult.csv": csv_text(), TABLES / "sult.toml": TOML_TEXT}
    if args.check:
        stale = [str(path) for path, text in wanted.items() if not path.exists() or path.read_text("utf-8") != text]
        for path in stale:
            print(f"out of date: {path}", file=sys.stderr)
        return 1 if stale else 0
    TABLES.mkdir(parents=True, exist_ok=True)
    for path, text in wanted.items():
        path.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
