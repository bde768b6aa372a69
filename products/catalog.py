"""The product catalog: one TOML file per product version (+ a CSV of rates), validated in full when loaded.

Layout: ``catalog/<product code>/<effective date>.toml``; a product priced from a rate table has the CSV
``<effective date>.csv`` beside it — one per version, so that publishing a new version can never change an
old one's prices. A version is in force from its effective date until the next version's; the catalog
answers "which version of product X is on sale on day D". The format is docs/catalog.md. Every file is
checked when the catalog loads, so a typo stops start-up with the file and field (or CSV row) named instead
of mispricing a policy later.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from products.catalog_illustration import MIN_POLICYHOLDER_SHARE, read_illustration
from products.catalog_model import (
    BENEFIT_KINDS,
    CashValues,
    Coverage,
    Exclusion,
    Illustration,
    Loadings,
    Pricing,
    Product,
    RateRow,
)
from products.catalog_reader import (
    CODE_RE,
    CatalogError,
    CsvRow,
    Table,
    display,
    read_bands,
    read_modal,
    read_occupation_rates,
    read_sum_insured,
)
from products.catalog_terms import free_look_charge, insurable_relations, participation
from products.catalog_underwriting import read_underwriting
from products.illustration_caps import guaranteed_rate_breach

__all__ = [
    "CATALOG_DIR",
    "MIN_POLICYHOLDER_SHARE",
    "TABLES_DIR",
    "CashValues",
    "Catalog",
    "CatalogError",
    "Coverage",
    "Exclusion",
    "Illustration",
    "Loadings",
    "Pricing",
    "Product",
    "ProductNotEffective",
    "RateRow",
    "UnknownProduct",
    "load_catalog",
]

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
TABLES_DIR = Path(__file__).resolve().parent / "tables"
CHANNELS = frozenset({"platform", "direct"})
AGE_BASES = frozenset({"last_birthday", "nearest_birthday"})
# payments a year for each frequency; "annual" is the basis every other frequency is derived from
FREQUENCIES = {"annual": 1, "semi_annual": 2, "quarterly": 4, "monthly": 12}
SEXES = ("male", "female")
ZONES = ("asia", "europe", "worldwide")
# a deductible applies to each claim, or once per policy year across its claims (medical cover usually)
DEDUCTIBLE_BASES = frozenset({"per_claim", "per_year"})
OCCUPATION_CLASSES = frozenset(range(1, 7))
# each product type is priced by exactly one method
PRICING_METHODS = {
    "participating_whole_life": "life_equivalence",
    "participating_endowment": "life_equivalence",
    "term_life": "life_equivalence",
    "critical_illness": "rate_table",
    "medical": "medical_age_band",
    "personal_accident": "per_mille_by_occupation_class",
    "travel": "travel_zone_days",
}
PRODUCT_TYPES = frozenset(PRICING_METHODS)
ONE_YEAR_METHODS = frozenset({"per_mille_by_occupation_class", "medical_age_band", "travel_zone_days"})
CASH_VALUE_METHODS = frozenset({"reserve_less_surrender_charge"})
_POLICY_TERM_RE = re.compile(r"[1-9][0-9]?|to_age_[1-9][0-9]{1,2}|whole_life")
_PREMIUM_TERM_RE = re.compile(r"single|policy_term|[1-9][0-9]?")


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
class _Terms:
    """What the pricing section is checked against, read from the top of the file first."""

    type: str
    entry_ages: tuple[int, int]
    max_expiry_age: int | None
    premium_terms: tuple[str, ...]
    frequencies: tuple[str, ...]
    sum_insured_choices: tuple[Decimal, ...]


def _load_product(path: Path, tables_dir: Path) -> Product:
    file = display(path)
    try:
        top = Table(file, tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(file, "", f"is not valid TOML: {exc}") from exc
    code = top.text("code", CODE_RE)
    if code != path.parent.name:
        top.fail("code", f"must match the directory name {path.parent.name!r}")
    raw_from = top.get("effective_from")  # a TOML date or an ISO string, equal to the file name
    try:
        effective_from = raw_from if type(raw_from) is date else date.fromisoformat(raw_from)
    except (TypeError, ValueError):
        effective_from = None
    if effective_from is None or effective_from.isoformat() != path.stem:
        top.fail("effective_from", f"must be a date equal to the file name {path.stem!r}")
    product_type = top.text("type", allowed=PRODUCT_TYPES)
    channels = top.texts("channels", lambda c: c in CHANNELS, f"{sorted(CHANNELS)}")
    age_min, age_max = top.integer("entry_age_min", 0, 120), top.integer("entry_age_max", 0, 120)
    if age_min > age_max:
        top.fail("entry_age_min", "must not be more than entry_age_max")
    max_expiry_age = top.integer("max_expiry_age", 1, 120) if top.has("max_expiry_age") else None
    if max_expiry_age is not None and max_expiry_age <= age_max:
        top.fail("max_expiry_age", f"must be more than entry_age_max ({age_max})")
    policy_terms, premium_terms, frequencies = _read_terms(top, product_type, (age_min, age_max), max_expiry_age)

    insurer = top.table("insurer")
    choices, (si_min, si_max, si_step) = read_sum_insured(top.table("sum_insured"))
    terms = _Terms(product_type, (age_min, age_max), max_expiry_age, premium_terms, frequencies, choices)
    pricing = _read_pricing(top.table("pricing"), terms, path.with_suffix(".csv"), tables_dir)
    method = pricing.method
    participating = top.boolean("participating")
    if participating != product_type.startswith("participating_") and product_type != "term_life":
        top.fail("participating", f"must be {str(not participating).lower()} for a product of type {product_type!r}")

    coverages = tuple(_read_coverage(cover, method) for cover in top.tables("coverages"))
    if len({c.code for c in coverages}) != len(coverages):
        top.fail("coverages", "must not repeat a coverage code")
    exclusions = []
    for item in top.tables("exclusions"):
        exclusions.append(Exclusion(zh=item.text("zh"), en=item.text("en"), code=item.text("code", CODE_RE)))
        item.done()
    if len({e.code for e in exclusions}) != len(exclusions):
        top.fail("exclusions", "must not repeat an exclusion code")

    cash_values = None
    if top.has("cash_values"):
        table = top.table("cash_values")
        cash_values = CashValues(table.text("method", allowed=CASH_VALUE_METHODS), table.fractions("surrender_charges"))
        table.done()
    if (cash_values is None) == (method == "life_equivalence"):
        top.fail("cash_values", "is required for life_equivalence pricing and only allowed there")
    if top.has("illustration") != participating:
        top.fail("illustration", "is required for a participating product and only allowed there")
    terms_of_participation = participation(top, participating)  # the style decides what [illustration] holds
    style = terms_of_participation["participation"].style if terms_of_participation else "cash"
    illustration = None
    if top.has("illustration"):
        illustration = read_illustration(
            top.table("illustration"),
            code=code,
            version=effective_from.isoformat(),
            effective_from=effective_from,
            pricing_rate=pricing.interest_rate or Decimal(0),
            style=style,
        )
    # the guaranteed (pricing) rate against the regulator's cap, after the illustration's own checks
    pricing_rate = pricing.interest_rate or Decimal(0)
    if participating and (
        problem := guaranteed_rate_breach(code, effective_from.isoformat(), effective_from, pricing_rate)
    ):
        raise CatalogError(top.file, "pricing.interest_rate", problem)

    product = Product(
        code=code,
        version=effective_from.isoformat(),
        effective_from=effective_from,
        insurer_code=insurer.text("code", CODE_RE),
        insurer_name_zh=insurer.text("name_zh"),
        insurer_name_en=insurer.text("name_en"),
        name_zh=top.text("name_zh"),
        name_en=top.text("name_en"),
        type=product_type,
        channels=channels,
        term_years=int(policy_terms[0]) if len(policy_terms) == 1 and policy_terms[0].isdigit() else 0,
        entry_age_min=age_min,
        entry_age_max=age_max,
        sum_insured_min=si_min,
        sum_insured_max=si_max,
        sum_insured_step=si_step,
        coverages=coverages,
        straight_through_limit=top.amount("straight_through_limit"),
        waiting_period_days=top.integer("waiting_period_days", 0, 3650),
        free_look_days=top.integer("free_look_days", 0, 365),
        free_look_charge=free_look_charge(top),
        **insurable_relations(top),
        **terms_of_participation,
        exclusions=tuple(exclusions),
        description_zh=top.text("description_zh"),
        description_en=top.text("description_en"),
        participating=participating,
        age_basis=top.text("age_basis", allowed=AGE_BASES),
        max_expiry_age=max_expiry_age,
        guaranteed_renewable=top.boolean("guaranteed_renewable") if top.has("guaranteed_renewable") else False,
        sum_insured_choices=choices,
        policy_terms=policy_terms,
        premium_terms=premium_terms,
        frequencies=frequencies,
        grace_period_days=top.integer("grace_period_days", 0, 365),
        pricing=pricing,
        cash_values=cash_values,
        illustration=illustration,
        underwriting=read_underwriting(top.table("underwriting")),
    )
    longer_than_a_year = policy_terms != ("1",)
    if longer_than_a_year and product.free_look_days < 15:
        top.fail("free_look_days", "must be at least 15 for a policy longer than one year")
    if longer_than_a_year and premium_terms != ("single",) and product.grace_period_days < 60:
        top.fail("grace_period_days", "must be at least 60 for regular premiums on a policy longer than one year")
    for table in (top, insurer):
        table.done()
    return product


def _years(term: str) -> int | None:
    return int(term) if term.isascii() and term.isdigit() else None


def _read_terms(
    top: Table, product_type: str, entry_ages: tuple[int, int], max_expiry_age: int | None
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    policy_terms = top.texts("policy_terms", _POLICY_TERM_RE.fullmatch, '"10" (years), "to_age_70", "whole_life"')
    premium_terms = top.texts("premium_terms", _PREMIUM_TERM_RE.fullmatch, '"single", "10" (years), "policy_term"')
    frequencies = top.texts("frequencies", FREQUENCIES.__contains__, f"{list(FREQUENCIES)}")
    method = PRICING_METHODS[product_type]
    if method in ONE_YEAR_METHODS and policy_terms != ("1",):
        top.fail("policy_terms", f'must be ["1"]: {method} prices one year of cover')
    if product_type == "participating_whole_life" and policy_terms != ("whole_life",):
        top.fail("policy_terms", 'must be ["whole_life"] for a whole life product')
    if "whole_life" in policy_terms and product_type not in ("participating_whole_life", "critical_illness"):
        top.fail("policy_terms", f'must not offer "whole_life" for a product of type {product_type!r}')
    youngest = entry_ages[0]
    for i, term in enumerate(policy_terms):
        years, to_age = _years(term), int(term[7:]) if term.startswith("to_age_") else None
        if to_age is not None and to_age <= youngest:
            top.fail(f"policy_terms[{i}]", f"must end after the youngest entry age ({youngest})")
        if max_expiry_age is not None and term == "whole_life":
            top.fail(f"policy_terms[{i}]", "whole life cover cannot have a max_expiry_age")
        if max_expiry_age is not None and (to_age or youngest + (years or 0)) > max_expiry_age:
            top.fail(f"policy_terms[{i}]", f"runs past max_expiry_age ({max_expiry_age}) even at entry age {youngest}")
    for i, term in enumerate(premium_terms):
        years = _years(term)
        for policy_term in policy_terms:
            limit = _years(policy_term)
            if policy_term.startswith("to_age_"):
                limit = int(policy_term[7:]) - youngest
            if years is not None and limit is not None and years > limit:
                top.fail(f"premium_terms[{i}]", f"must not be longer than the policy term {policy_term!r}")
    if "annual" not in frequencies:
        top.fail("frequencies", 'must include "annual", the basis of every premium')
    if premium_terms == ("single",) and frequencies != ("annual",):
        top.fail("frequencies", 'must be ["annual"] when the only premium term is "single"')
    return policy_terms, premium_terms, frequencies


def _read_coverage(cover: Table, method: str) -> Coverage:
    coinsurance = cover.rate("coinsurance_percent", Decimal(100))
    without: Decimal | None = None
    if cover.has("coinsurance_percent_without_social_insurance") or method == "medical_age_band":
        without = cover.rate("coinsurance_percent_without_social_insurance", coinsurance)
    coverage = Coverage(
        code=cover.text("code", CODE_RE),
        benefit=cover.text("benefit", allowed=frozenset(BENEFIT_KINDS)),
        name_zh=cover.text("name_zh"),
        name_en=cover.text("name_en"),
        percent_of_sum_insured=cover.rate("percent_of_sum_insured", Decimal(100)),
        deductible=cover.amount("deductible", positive=False),
        coinsurance_percent=coinsurance,
        coinsurance_percent_without_social_insurance=without,
        deductible_basis=cover.text("deductible_basis", allowed=DEDUCTIBLE_BASES)
        if cover.has("deductible_basis")
        else "per_claim",
    )
    cover.done()
    return coverage


def _read_pricing(pricing: Table, terms: _Terms, csv_path: Path, tables_dir: Path) -> Pricing:
    method = pricing.text("method")
    expected = PRICING_METHODS[terms.type]
    if method != expected:
        pricing.fail("method", f"must be {expected!r} for a product of type {terms.type!r}")
    modal_method, modal_factors = read_modal(pricing, terms.frequencies, FREQUENCIES, method == "life_equivalence")
    fields: dict = {"method": method, "modal_method": modal_method, "modal_factors": modal_factors}
    if method == "life_equivalence":
        table = pricing.text("mortality_table", CODE_RE)
        if not (tables_dir / f"{table}.csv").is_file():
            pricing.fail("mortality_table", f"names no table: {display(tables_dir / f'{table}.csv')} does not exist")
        loadings = pricing.table("loadings")
        fields |= {
            "mortality_table": table,
            "interest_rate": pricing.rate("interest_rate", Decimal("0.2")),
            "female_age_adjustment": pricing.integer("female_age_adjustment", -10, 10, default=0),
            "loadings": Loadings(
                percent_of_gross=loadings.fraction("percent_of_gross"),
                per_mille_sum_insured=loadings.decimal("per_mille_sum_insured"),
                policy_fee=loadings.amount("policy_fee", positive=False),
            ),
        }
        loadings.done()
        if pricing.has("smoker_mortality_factor"):
            fields["smoker_mortality_factor"] = pricing.factor("smoker_mortality_factor")
    elif method == "per_mille_by_occupation_class":
        rates, declined = read_occupation_rates(pricing, OCCUPATION_CLASSES)
        fields |= {"rates_per_mille": rates, "declined_occupation_classes": declined}
    elif method == "rate_table":
        fields["smoker_factor"] = pricing.factor("smoker_factor")
    elif method == "medical_age_band":
        fields["without_social_insurance_factor"] = pricing.factor("without_social_insurance_factor")
        if len(terms.sum_insured_choices) != 1:
            raise CatalogError(pricing.file, "sum_insured.choices", "must be the one base sum insured of the rates")
    elif not terms.sum_insured_choices or any(choice % 1 for choice in terms.sum_insured_choices):
        raise CatalogError(pricing.file, "sum_insured.choices", "must list the plans' sums insured in whole yuan")
    if method in ("rate_table", "medical_age_band", "travel_zone_days"):
        if not csv_path.is_file():
            raise CatalogError(display(csv_path), "", f"is missing: pricing method {method} reads its rates from it")
        fields["rate_rows"] = _read_rate_rows(csv_path, method, terms)
    pricing.done(f" for pricing method {method!r}")
    return Pricing(**fields)


def _read_rate_rows(path: Path, method: str, terms: _Terms) -> tuple[RateRow, ...]:
    """The rate CSV of `method`: every row checked, the bands covering each group exactly once."""
    if method == "travel_zone_days":
        plans = {choice: str(int(choice)) for choice in terms.sum_insured_choices}  # "300000"

        def travel(row: CsvRow) -> tuple[RateRow, tuple[str, ...], int, int]:
            plan = row.amount("plan")
            if plan not in plans:
                row.fail(f"plan must be one of the sum insured choices {list(plans.values())}")
            zone, start, end = row.choice("zone", ZONES), row.whole("days_from", 1), row.whole("days_to", 1)
            rate = RateRow(row.amount("premium"), zone=zone, days_from=start, days_to=end, plan=plans[plan])
            return rate, (f"plan {plans[plan]}", zone), start, end

        groups = [(f"plan {plan}", zone) for plan in plans.values() for zone in ZONES]
        return read_bands(path, ("plan", "zone", "days_from", "days_to", "premium"), travel, groups, None, "day")

    youngest, oldest = terms.entry_ages
    if method == "medical_age_band":
        if terms.max_expiry_age is not None:
            oldest = terms.max_expiry_age - 1  # renewable: renewal premiums up to the last renewal age

        def medical(row: CsvRow) -> tuple[RateRow, tuple[str, ...], int, int]:
            start, end = row.whole("age_from"), row.whole("age_to")
            return RateRow(row.amount("annual_premium"), age_from=start, age_to=end), (), start, end

        return read_bands(path, ("age_from", "age_to", "annual_premium"), medical, [()], (youngest, oldest), "age")

    def critical_illness(row: CsvRow) -> tuple[RateRow, tuple[str, ...], int, int]:
        start, end = row.whole("age_from"), row.whole("age_to")
        sex, term = row.choice("sex", SEXES), row.choice("premium_term", terms.premium_terms)
        rate = RateRow(row.rate("rate_per_mille"), age_from=start, age_to=end, sex=sex, premium_term=term)
        return rate, (sex, f"premium term {term}"), start, end

    columns = ("age_from", "age_to", "sex", "premium_term", "rate_per_mille")
    groups = [(sex, f"premium term {term}") for sex in SEXES for term in terms.premium_terms]
    return read_bands(path, columns, critical_illness, groups, (youngest, oldest), "age")


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


def load_catalog(root: Path | None = None, tables_dir: Path | None = None) -> Catalog:
    """Load and validate every product file under `root`; the first problem raises CatalogError.

    `tables_dir` holds the mortality tables that life products name (products/tables by default).
    """
    root = Path(root) if root is not None else CATALOG_DIR
    tables_dir = Path(tables_dir) if tables_dir is not None else TABLES_DIR
    paths = sorted(root.glob("*/*.toml"))
    if not paths:
        raise CatalogError(display(root), "", "has no product files (expected <code>/<effective date>.toml)")
    for rates in sorted(root.glob("*/*.csv")):
        if not rates.with_suffix(".toml").is_file():
            raise CatalogError(display(rates), "", f"belongs to no product version: {rates.stem}.toml is missing")
    products = [_load_product(path, tables_dir) for path in paths]
    for path, product in zip(paths, products, strict=True):
        if not product.pricing.rate_rows and path.with_suffix(".csv").is_file():
            raise CatalogError(display(path.with_suffix(".csv")), "", f"is not used by {product.pricing.method}")
    insurers: dict[str, tuple[str, str, str]] = {}
    for path, product in zip(paths, products, strict=True):
        names = (product.insurer_name_zh, product.insurer_name_en, display(path))
        known = insurers.setdefault(product.insurer_code, names)
        if known[:2] != names[:2]:
            raise CatalogError(names[2], "insurer", f"names differ from {known[2]} for the same insurer code")
    return Catalog(products)
