"""The product catalog: one TOML file per product version, validated in full when loaded.

Layout: ``catalog/<product code>/<effective date>.toml``. A version is in force from its effective date
until the next version's; the catalog answers "which version of product X is on sale on day D". Every
file is checked when the catalog loads, so a typo stops start-up with the file and field named instead
of mispricing a policy later. Amounts are integers or quoted decimals, rates quoted decimals, never floats.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from insure.money import FEN

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
CHANNELS = frozenset({"platform", "direct"})
PRODUCT_TYPES = frozenset({"personal_accident"})
RATING_METHODS = frozenset({"per_mille_by_occupation_class"})
_CODE_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_AMOUNT_RE = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
_DECIMAL_RE = re.compile(r"[0-9]+(\.[0-9]+)?")
_PROJECT_DIR = Path(__file__).resolve().parent.parent


class CatalogError(ValueError):
    """A catalog file that cannot be used; names the file and the (dotted) field at fault."""

    def __init__(self, file: str, field: str, message: str) -> None:
        self.file, self.field, self.message = file, field, message
        super().__init__(f"{file}: {field}: {message}" if field else f"{file}: {message}")


class UnknownProduct(LookupError):
    code = "unknown_product"

    def __init__(self, product_code: str) -> None:
        self.product_code = product_code
        super().__init__(f"no product {product_code!r} in the catalog")


class ProductNotEffective(LookupError):
    code = "product_not_effective"

    def __init__(self, product_code: str, on: date) -> None:
        self.product_code, self.on = product_code, on
        super().__init__(f"product {product_code!r} has no version in force on {on.isoformat()}")


@dataclass(frozen=True)
class Coverage:
    """One benefit: limit = a percentage of the sum insured; paid after the deductible at co-insurance."""

    code: str
    name_zh: str
    name_en: str
    percent_of_sum_insured: Decimal
    deductible: Decimal
    coinsurance_percent: Decimal


@dataclass(frozen=True)
class Exclusion:
    zh: str
    en: str


@dataclass(frozen=True)
class Product:
    """One version of a product, as sold from `effective_from`; `version` is that date in ISO form."""

    code: str
    version: str
    effective_from: date
    insurer_code: str
    insurer_name_zh: str
    insurer_name_en: str
    name_zh: str
    name_en: str
    type: str
    channels: tuple[str, ...]
    term_years: int
    entry_age_min: int
    entry_age_max: int
    sum_insured_min: Decimal
    sum_insured_max: Decimal
    sum_insured_step: Decimal
    rating_method: str
    rates_per_mille: tuple[tuple[int, Decimal], ...]
    declined_occupation_classes: tuple[int, ...]
    coverages: tuple[Coverage, ...]
    straight_through_limit: Decimal
    waiting_period_days: int
    free_look_days: int
    exclusions: tuple[Exclusion, ...]
    description_zh: str
    description_en: str

    def rate_per_mille(self, occupation_class: int) -> Decimal | None:
        """The rate for an occupation class, or None if the class is not rated (declined or unknown)."""
        return dict(self.rates_per_mille).get(occupation_class)


class _Table:
    """Reads one TOML table, naming the dotted field in every error and refusing unknown fields."""

    def __init__(self, file: str, data: Any, prefix: str = "") -> None:
        self.file, self.prefix, self.seen = file, prefix, set()
        if not isinstance(data, dict):
            raise CatalogError(file, prefix.rstrip("."), "must be a table")
        self.data: dict[str, Any] = data

    def fail(self, key: str, message: str) -> NoReturn:
        raise CatalogError(self.file, self.prefix + key, message)

    def get(self, key: str) -> Any:
        self.seen.add(key)
        if key not in self.data:
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

    def integer(self, key: str, minimum: int = 0, maximum: int = 10**6) -> int:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            self.fail(key, f"must be a whole number from {minimum} to {maximum}")
        return value

    def amount(self, key: str, *, positive: bool = True) -> Decimal:
        value = self.get(key)
        value = str(value) if type(value) is int else value
        if not (isinstance(value, str) and _AMOUNT_RE.fullmatch(value)) or (positive and not Decimal(value)):
            self.fail(key, "must be a positive amount" if positive else "must be an amount of zero or more")
        return Decimal(value).quantize(FEN)

    def rate(self, key: str, maximum: Decimal | None = None) -> Decimal:
        value = self.get(key)
        if not isinstance(value, str) or not _DECIMAL_RE.fullmatch(value) or Decimal(value) == 0:
            self.fail(key, 'must be a positive decimal written as a string, e.g. "1.3"')
        if maximum is not None and Decimal(value) > maximum:
            self.fail(key, f"must not be more than {maximum}")
        return Decimal(value)

    def table(self, key: str) -> _Table:
        return _Table(self.file, self.get(key), f"{self.prefix}{key}.")

    def tables(self, key: str) -> list[_Table]:
        items = self.get(key)
        if not isinstance(items, list) or not items:
            self.fail(key, "must be a non-empty list of tables")
        return [_Table(self.file, item, f"{self.prefix}{key}[{i}].") for i, item in enumerate(items)]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            self.fail(unknown[0], "is not a known field")


def _display(path: Path) -> str:
    """Paths inside the project are shown relative to it, as people type them."""
    path = path.resolve()
    return str(path.relative_to(_PROJECT_DIR)) if path.is_relative_to(_PROJECT_DIR) else str(path)


def _load_product(path: Path) -> Product:
    file = _display(path)
    try:
        top = _Table(file, tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(file, "", f"is not valid TOML: {exc}") from exc
    code = top.text("code", _CODE_RE)
    if code != path.parent.name:
        top.fail("code", f"must match the directory name {path.parent.name!r}")
    raw_from = top.get("effective_from")  # a TOML date or an ISO string, equal to the file name
    try:
        effective_from = raw_from if type(raw_from) is date else date.fromisoformat(raw_from)
    except (TypeError, ValueError):
        effective_from = None
    if effective_from is None or effective_from.isoformat() != path.stem:
        top.fail("effective_from", f"must be a date equal to the file name {path.stem!r}")
    channels = top.get("channels")
    if (
        not isinstance(channels, list)
        or not channels
        or not all(isinstance(c, str) and c in CHANNELS for c in channels)
    ):
        top.fail("channels", f"must be a non-empty list drawn from {sorted(CHANNELS)}")
    if len(set(channels)) != len(channels):
        top.fail("channels", "must not repeat a channel")
    age_min, age_max = top.integer("entry_age_min", 0, 120), top.integer("entry_age_max", 0, 120)
    if age_min > age_max:
        top.fail("entry_age_min", "must not be more than entry_age_max")

    insurer, sums, rating = top.table("insurer"), top.table("sum_insured"), top.table("rating")
    si_min, si_max, si_step = sums.amount("min"), sums.amount("max"), sums.amount("step")
    if si_min > si_max:
        sums.fail("min", "must not be more than sum_insured.max")
    for key, value in (("min", si_min), ("max", si_max)):
        if value % si_step:
            sums.fail(key, f"must be a multiple of sum_insured.step ({si_step})")

    rate_table = rating.table("rates_per_mille")
    rates: list[tuple[int, Decimal]] = []
    for key in rate_table.data:
        if not re.fullmatch(r"[0-9]{1,2}", key) or int(key) == 0:
            rate_table.fail(key, "must be an occupation class number from 1 to 99")
        rates.append((int(key), rate_table.rate(key)))
    if not rates:
        rating.fail("rates_per_mille", "must rate at least one occupation class")
    declined = rating.get("declined_occupation_classes")
    if not isinstance(declined, list) or not all(type(c) is int and 1 <= c <= 99 for c in declined):
        rating.fail("declined_occupation_classes", "must be a list of occupation class numbers")
    if set(declined) & {c for c, _ in rates}:
        rating.fail("declined_occupation_classes", "must not name a class that has a rate")

    coverages = []
    for cover in top.tables("coverages"):
        coverages.append(
            Coverage(
                code=cover.text("code", _CODE_RE),
                name_zh=cover.text("name_zh"),
                name_en=cover.text("name_en"),
                percent_of_sum_insured=cover.rate("percent_of_sum_insured", Decimal(100)),
                deductible=cover.amount("deductible", positive=False),
                coinsurance_percent=cover.rate("coinsurance_percent", Decimal(100)),
            )
        )
        cover.done()
    if len({c.code for c in coverages}) != len(coverages):
        top.fail("coverages", "must not repeat a coverage code")
    exclusions = []
    for item in top.tables("exclusions"):
        exclusions.append(Exclusion(zh=item.text("zh"), en=item.text("en")))
        item.done()

    product = Product(
        code=code,
        version=effective_from.isoformat(),
        effective_from=effective_from,
        insurer_code=insurer.text("code", _CODE_RE),
        insurer_name_zh=insurer.text("name_zh"),
        insurer_name_en=insurer.text("name_en"),
        name_zh=top.text("name_zh"),
        name_en=top.text("name_en"),
        type=top.text("type", allowed=PRODUCT_TYPES),
        channels=tuple(channels),
        term_years=top.integer("term_years", 1, 100),
        entry_age_min=age_min,
        entry_age_max=age_max,
        sum_insured_min=si_min,
        sum_insured_max=si_max,
        sum_insured_step=si_step,
        rating_method=rating.text("method", allowed=RATING_METHODS),
        rates_per_mille=tuple(sorted(rates)),
        declined_occupation_classes=tuple(sorted(declined)),
        coverages=tuple(coverages),
        straight_through_limit=top.amount("straight_through_limit"),
        waiting_period_days=top.integer("waiting_period_days", 0, 3650),
        free_look_days=top.integer("free_look_days", 0, 365),
        exclusions=tuple(exclusions),
        description_zh=top.text("description_zh"),
        description_en=top.text("description_en"),
    )
    for table in (top, insurer, sums, rating):
        table.done()
    return product


class Catalog:
    """All product versions; answers which version of a product is in force on a given day."""

    def __init__(self, products: Iterable[Product]) -> None:
        self._versions: dict[str, list[Product]] = {}
        for product in products:
            self._versions.setdefault(product.code, []).append(product)
        for versions in self._versions.values():
            versions.sort(key=lambda p: p.effective_from)

    def versions(self, code: str) -> tuple[Product, ...]:
        """Every version of a product, oldest first."""
        if code not in self._versions:
            raise UnknownProduct(code)
        return tuple(self._versions[code])

    def get(self, code: str, on: date) -> Product:
        """The version of `code` in force on `on`: the latest one effective on or before that day."""
        in_force = [p for p in self.versions(code) if p.effective_from <= on]
        if not in_force:
            raise ProductNotEffective(code, on)
        return in_force[-1]

    def products(self, on: date) -> list[Product]:
        """The version in force on `on` of every product that has one, by product code."""
        found = []
        for code in sorted(self._versions):
            try:
                found.append(self.get(code, on))
            except ProductNotEffective:
                continue
        return found


def load_catalog(root: Path | None = None) -> Catalog:
    """Load and validate every product file under `root`; the first problem raises CatalogError."""
    root = Path(root) if root is not None else CATALOG_DIR
    paths = sorted(root.glob("*/*.toml"))
    if not paths:
        raise CatalogError(_display(root), "", "has no product files (expected <code>/<effective date>.toml)")
    products = [_load_product(path) for path in paths]
    insurers: dict[str, tuple[str, str, str]] = {}
    for path, product in zip(paths, products, strict=True):
        names = (product.insurer_name_zh, product.insurer_name_en, _display(path))
        known = insurers.setdefault(product.insurer_code, names)
        if known[:2] != names[:2]:
            raise CatalogError(names[2], "insurer", f"names differ from {known[2]} for the same insurer code")
    return Catalog(products)
