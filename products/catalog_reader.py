"""Strict readers for catalog files: TOML tables and CSV rate tables that name the field or row at fault.

Every value is checked for its type and range as it is read, and every field a table holds but nobody read
is reported, so a typo in a field name fails as loudly as a wrong value. Numbers that are money or rates are
written as quoted decimals (or whole numbers): a TOML float has already been rounded to binary when parsed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from insure.money import FEN

CODE_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
AMOUNT_RE = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
DECIMAL_RE = re.compile(r"[0-9]+(\.[0-9]+)?")
WHOLE_RE = re.compile(r"[0-9]{1,4}")
_PROJECT_DIR = Path(__file__).resolve().parent.parent
_MISSING = object()
_Row = TypeVar("_Row")


class CatalogError(ValueError):
    """A catalog file that cannot be used; names the file and the (dotted) field or CSV row at fault."""

    def __init__(self, file: str, field: str, message: str) -> None:
        self.file, self.field, self.message = file, field, message
        super().__init__(f"{file}: {field}: {message}" if field else f"{file}: {message}")


def display(path: Path) -> str:
    """Paths inside the project are shown relative to it, as people type them."""
    path = path.resolve()
    return str(path.relative_to(_PROJECT_DIR)) if path.is_relative_to(_PROJECT_DIR) else str(path)


def parse_amount(value: Any, *, positive: bool) -> Decimal | None:
    """An amount of money (whole number or quoted decimal with at most two places), or None if it is not one."""
    value = str(value) if type(value) is int else value
    if not (isinstance(value, str) and AMOUNT_RE.fullmatch(value)) or (positive and not Decimal(value)):
        return None
    return Decimal(value).quantize(FEN)


def parse_decimal(value: Any) -> Decimal | None:
    """A non-negative decimal written as a string ("0.035"), or None; floats are refused."""
    if not isinstance(value, str) or not DECIMAL_RE.fullmatch(value):
        return None
    return Decimal(value)


def _amount_message(positive: bool) -> str:
    return 'must be a positive amount, e.g. "300000"' if positive else 'must be an amount of zero or more, e.g. "0"'


class Table:
    """Reads one TOML table, naming the dotted field in every error and refusing unknown fields."""

    def __init__(self, file: str, data: Any, prefix: str = "") -> None:
        self.file, self.prefix, self.seen = file, prefix, set()
        if not isinstance(data, dict):
            raise CatalogError(file, prefix.rstrip("."), "must be a table")
        self.data: dict[str, Any] = data

    def fail(self, key: str, message: str) -> NoReturn:
        raise CatalogError(self.file, self.prefix + key, message)

    def has(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str, default: Any = _MISSING) -> Any:
        self.seen.add(key)
        if key not in self.data:
            if default is not _MISSING:
                return default
            self.fail(key, "is missing")
        return self.data[key]

    def text(self, key: str, pattern: re.Pattern[str] | None = None, allowed: frozenset | None = None) -> str:
        value = self.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be a non-empty string")
        if pattern and not pattern.fullmatch(value):
            self.fail(key, f"must match {pattern.pattern}")
        if allowed is not None and value not in allowed:
            self.fail(key, f"must be one of {sorted(allowed)}")
        return value

    def boolean(self, key: str) -> bool:
        value = self.get(key)
        if not isinstance(value, bool):
            self.fail(key, "must be true or false")
        return value

    def integer(self, key: str, minimum: int = 0, maximum: int = 10**6, default: Any = _MISSING) -> int:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            self.fail(key, f"must be a whole number from {minimum} to {maximum}")
        return value

    def amount(self, key: str, *, positive: bool = True) -> Decimal:
        value = parse_amount(self.get(key), positive=positive)
        if value is None:
            self.fail(key, _amount_message(positive))
        return value

    def rate(self, key: str, maximum: Decimal | None = None) -> Decimal:
        """A positive decimal written as a string, at most `maximum`."""
        value = parse_decimal(self.get(key))
        if value is None or value == 0:
            self.fail(key, 'must be a positive decimal written as a string, e.g. "1.3"')
        if maximum is not None and value > maximum:
            self.fail(key, f"must not be more than {maximum}")
        return value

    def decimal(self, key: str) -> Decimal:
        """A decimal of zero or more written as a string ("0.5")."""
        value = parse_decimal(self.get(key))
        if value is None:
            self.fail(key, 'must be a decimal of zero or more written as a string, e.g. "0.5"')
        return value

    def fraction(self, key: str, *, below_one: bool = True, default: Any = _MISSING) -> Decimal:
        """A decimal from 0 up to (but not including, if `below_one`) 1, written as a string: "0.15" is 15 %."""
        value = parse_decimal(self.get(key, default))
        if value is None or value > 1 or (below_one and value == 1):
            limit = "below 1" if below_one else "at most 1"
            self.fail(key, f'must be a fraction from 0 to {limit} written as a string, e.g. "0.15" for 15 %')
        return value

    def factor(self, key: str, maximum: Decimal = Decimal(10)) -> Decimal:
        """A multiplier of at least 1 for the riskier group (smokers, no social insurance)."""
        value = self.rate(key, maximum)
        if value < 1:
            self.fail(key, "must be at least 1: it raises the premium of the riskier group")
        return value

    def fractions(self, key: str) -> tuple[Decimal, ...]:
        """A non-empty list of fractions (0 to 1, as strings), each at most the one before it."""
        items = self.get(key)
        if not isinstance(items, list) or not items:
            self.fail(key, 'must be a non-empty list of fractions, e.g. ["0.30", "0.25"]')
        values: list[Decimal] = []
        for i, item in enumerate(items):
            value = parse_decimal(item)
            if value is None or value > 1:
                self.fail(f"{key}[{i}]", 'must be a fraction from 0 to 1 written as a string, e.g. "0.30"')
            if values and value > values[-1]:
                self.fail(f"{key}[{i}]", "must not be more than the one before it")
            values.append(value)
        return tuple(values)

    def amounts(self, key: str) -> list[Decimal]:
        """A non-empty list of positive amounts, without repeats, in increasing order."""
        items = self.get(key)
        if not isinstance(items, list) or not items:
            self.fail(key, "must be a non-empty list of amounts")
        values = []
        for i, item in enumerate(items):
            value = parse_amount(item, positive=True)
            if value is None:
                self.fail(f"{key}[{i}]", _amount_message(True))
            if values and value <= values[-1]:
                self.fail(f"{key}[{i}]", "must be more than the amount before it (list each amount once, in order)")
            values.append(value)
        return values

    def texts(self, key: str, valid: Callable[[str], bool], what: str) -> tuple[str, ...]:
        """A non-empty list of distinct strings, each accepted by `valid` (described as `what`)."""
        items = self.get(key)
        if not isinstance(items, list) or not items:
            self.fail(key, f"must be a non-empty list of {what}")
        for i, item in enumerate(items):
            if not isinstance(item, str) or not valid(item):
                self.fail(f"{key}[{i}]", f"must be one of {what}")
        if len(set(items)) != len(items):
            self.fail(key, "must not repeat a value")
        return tuple(items)

    def table(self, key: str) -> Table:
        return Table(self.file, self.get(key), f"{self.prefix}{key}.")

    def optional_table(self, key: str) -> Table | None:
        return self.table(key) if key in self.data else None

    def tables(self, key: str, *, required: bool = True) -> list[Table]:
        items = self.get(key, _MISSING if required else [])
        if not isinstance(items, list) or (required and not items):
            self.fail(key, "must be a non-empty list of tables")
        return [Table(self.file, item, f"{self.prefix}{key}[{i}].") for i, item in enumerate(items)]

    def done(self, hint: str = "") -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            self.fail(unknown[0], f"is not a known field{hint}")


class CsvRow:
    """One data row of a CSV rate file; `number` is the row as a spreadsheet shows it (the header is row 1)."""

    def __init__(self, file: str, number: int, cells: dict[str, str]) -> None:
        self.file, self.number, self.cells = file, number, cells

    @property
    def field(self) -> str:
        return f"row {self.number}"

    def fail(self, message: str) -> NoReturn:
        raise CatalogError(self.file, self.field, message)

    def whole(self, column: str, minimum: int = 0) -> int:
        value = self.cells[column].strip()
        if not WHOLE_RE.fullmatch(value) or int(value) < minimum:
            self.fail(f"{column} must be a whole number of at least {minimum}, not {value!r}")
        return int(value)

    def choice(self, column: str, allowed: tuple[str, ...]) -> str:
        value = self.cells[column].strip()
        if value not in allowed:
            self.fail(f"{column} must be one of {', '.join(allowed)}, not {value!r}")
        return value

    def rate(self, column: str) -> Decimal:
        value = parse_decimal(self.cells[column].strip())
        if value is None or value == 0:
            self.fail(f'{column} must be a positive decimal, e.g. "2.4", not {self.cells[column]!r}')
        return value

    def amount(self, column: str) -> Decimal:
        value = parse_amount(self.cells[column].strip(), positive=True)
        if value is None:
            self.fail(f"{column} must be a positive amount with at most two decimals, not {self.cells[column]!r}")
        return value


def read_csv(path: Path, columns: tuple[str, ...]) -> Iterator[CsvRow]:
    """The data rows of a UTF-8 CSV file whose header names exactly `columns` (in any order); blank rows skipped."""
    file = display(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CatalogError(file, "", f"cannot be read as a UTF-8 CSV file: {exc}") from exc
    if not rows:
        raise CatalogError(file, "row 1", f"must be a header: {','.join(columns)}")
    header = [name.strip() for name in rows[0]]
    if sorted(header) != sorted(columns):
        expected, given = ",".join(columns), ",".join(header)
        raise CatalogError(file, "row 1", f"the header must name the columns {expected}, not {given}")
    found = 0
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise CatalogError(file, f"row {number}", f"has {len(cells)} cells, the header has {len(header)}")
        found += 1
        yield CsvRow(file, number, dict(zip(header, cells, strict=True)))
    if not found:
        raise CatalogError(file, "", "has no rates (only a header)")


def _span(unit: str, start: int, end: int) -> str:
    return f"{unit} {start}" if start == end else f"{unit}s {start}–{end}"


def check_bands(
    file: str,
    bands: dict[tuple[str, ...], list[tuple[int, int, CsvRow]]],
    required: Iterable[tuple[str, ...]],
    span: tuple[int, int],
    unit: str,
) -> None:
    """Each group's bands (from, to, row) must cover `span` exactly once: no gap, no overlap, nothing outside.

    Groups are keyed by the other columns (sex and premium term, plan and zone); every key in `required`
    needs bands, and the message names the group so the row can be found.
    """
    lowest, highest = span
    for key in required:
        name = f" for {', '.join(key)}" if key else ""
        rows = sorted(bands.get(key, []), key=lambda band: band[0])
        if not rows:
            raise CatalogError(file, "", f"has no rates{name} ({_span(unit, lowest, highest)} need one)")
        first_from, _, first = rows[0]
        if first_from > lowest:
            first.fail(f"{_span(unit, lowest, first_from - 1)}{name}: no rate, the first band starts at {first_from}")
        previous: tuple[int, int, CsvRow] | None = None
        for start, end, row in rows:
            if start < lowest or end > highest:
                row.fail(f"{_span(unit, start, end)}: outside {lowest}–{highest}, the {unit}s this product covers")
            if previous is not None:
                _, previous_end, previous_row = previous
                if start <= previous_end:
                    row.fail(
                        f"{_span(unit, start, end)}{name}: overlaps {previous_row.field}, which ends at {previous_end}"
                    )
                if start > previous_end + 1:
                    gap = _span(unit, previous_end + 1, start - 1)
                    row.fail(
                        f"{gap}{name}: no rate, {previous_row.field} ends at {previous_end}, this row starts at {start}"
                    )
            previous = (start, end, row)
        last_end, last = rows[-1][1], rows[-1][2]
        if last_end < highest:
            last.fail(f"{_span(unit, last_end + 1, highest)}{name}: no rate, the last band ends at {last_end}")


def read_bands(
    path: Path,
    columns: tuple[str, ...],
    parse: Callable[[CsvRow], tuple[_Row, tuple[str, ...], int, int]],
    required: Iterable[tuple[str, ...]],
    span: tuple[int, int] | None,
    unit: str,
) -> tuple[_Row, ...]:
    """A rate CSV whose rows are bands (ages or days) per group; `parse` gives (rate, group, from, to) per row.

    Every row is checked, then the bands of each required group must cover `span` exactly (with None: from 1
    to the longest band of the file, the same for every group).
    """
    rates: list[_Row] = []
    bands: dict[tuple[str, ...], list[tuple[int, int, CsvRow]]] = {}
    for row in read_csv(path, columns):
        rate, group, start, end = parse(row)
        if start > end:
            row.fail(f"the band starts at {unit} {start}, after its end {end}")
        bands.setdefault(group, []).append((start, end, row))
        rates.append(rate)
    if span is None:
        span = (1, max(end for group in bands.values() for _, end, _ in group))
    check_bands(display(path), bands, required, span, unit)
    return tuple(rates)


def read_sum_insured(sums: Table) -> tuple[tuple[Decimal, ...], tuple[Decimal, Decimal, Decimal]]:
    """`choices` (then min/max are the smallest/largest choice and step is 0), or `min`, `max` and `step`."""
    if sums.has("choices"):
        if any(sums.has(key) for key in ("min", "max", "step")):
            sums.fail("choices", "use either choices or min, max and step, not both")
        choices = tuple(sums.amounts("choices"))
        sums.done()
        return choices, (choices[0], choices[-1], Decimal(0))
    si_min, si_max, si_step = sums.amount("min"), sums.amount("max"), sums.amount("step")
    if si_min > si_max:
        sums.fail("min", "must not be more than sum_insured.max")
    for key, value in (("min", si_min), ("max", si_max)):
        if value % si_step:
            sums.fail(key, f"must be a multiple of sum_insured.step ({si_step})")
    sums.done()
    return (), (si_min, si_max, si_step)


def read_modal(
    pricing: Table, frequencies: tuple[str, ...], payments: dict[str, int], actuarial: bool
) -> tuple[str, tuple[tuple[str, Decimal], ...]]:
    """`[pricing.modal]`: how an annual premium is paid m times a year; factors include "annual" = 1.

    `udd` and `woolhouse` derive the split from the mortality table, so only `actuarial` pricing has them.
    """
    modal = pricing.optional_table("modal")
    if modal is None:
        if frequencies != ("annual",):
            pricing.fail("modal", "is missing: the product offers payments more often than annually")
        return "factors", (("annual", Decimal(1)),)
    method = modal.text("method", allowed=frozenset({"factors", "udd", "woolhouse"}))
    if method != "factors":
        if not actuarial:
            modal.fail("method", f"{method} needs a mortality table: use factors")
        modal.done(f" for modal method {method!r}")
        return method, ()
    table = modal.table("factors")
    for key in table.data:
        if key not in frequencies:
            table.fail(key, f"is not an offered frequency {list(frequencies)}")
    factors = []
    for frequency in frequencies:
        if frequency == "annual" and not table.has("annual"):
            factors.append(("annual", Decimal(1)))
            continue
        if not table.has(frequency):
            table.fail(frequency, f"is missing: the product offers {frequency} payments")
        factor = table.rate(frequency, Decimal(1))
        if factor * payments[frequency] < 1 or (frequency == "annual" and factor != 1):
            table.fail(frequency, f"× {payments[frequency]} payments must come to at least the annual premium")
        factors.append((frequency, factor))
    table.done()
    modal.done()
    return "factors", tuple(factors)


def read_occupation_rates(
    pricing: Table, classes: frozenset[int]
) -> tuple[tuple[tuple[int, Decimal], ...], tuple[int, ...]]:
    """`[pricing.rates_per_mille]` and `declined_occupation_classes`: each class rated or declined, not both."""
    rate_table = pricing.table("rates_per_mille")
    span = f"{min(classes)} to {max(classes)}"
    rates: list[tuple[int, Decimal]] = []
    for key in rate_table.data:
        if not key.isdigit() or int(key) not in classes:
            rate_table.fail(key, f"must be an occupation class from {span}")
        rates.append((int(key), rate_table.rate(key)))
    declined = pricing.get("declined_occupation_classes")
    if not isinstance(declined, list) or not all(type(c) is int and c in classes for c in declined):
        pricing.fail("declined_occupation_classes", f"must be a list of occupation classes from {span}")
    if set(declined) & {c for c, _ in rates}:
        pricing.fail("declined_occupation_classes", "must not name a class that has a rate")
    missing = classes - set(declined) - {c for c, _ in rates}
    if missing:
        pricing.fail("rates_per_mille", f"must rate or decline every class from {span}; missing {sorted(missing)}")
    return tuple(sorted(rates)), tuple(sorted(declined))
