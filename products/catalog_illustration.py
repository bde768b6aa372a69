"""`[illustration]` of a participating product file (read by the catalog loader; pure, no framework).

The scenario returns are checked against the file's own `max_rate` and against the regulator's cap in force on
the version's effective date (products/illustration_caps.py). A reversionary-bonus product also states its
illustrated bonus rates per scenario: each must be affordable from the policyholders' share of the scenario's
interest surplus on a fully funded policy, i.e. at most share × (return − pricing rate) — so a scenario that
earns no more than the pricing rate illustrates no bonus.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from products.catalog_model import Illustration, ScenarioRates
from products.catalog_reader import Table
from products.illustration_caps import SCENARIOS, breaches

MIN_POLICYHOLDER_SHARE = Decimal("0.70")  # 《分红保险精算规定》: at least 70 % of the distributable surplus


def _scenario_rates(table: Table, key: str) -> ScenarioRates:
    rates = table.table(key)
    values = ScenarioRates(*(rates.fraction(name) for name in SCENARIOS))
    if not values.low <= values.medium <= values.high:
        rates.fail("medium", "must lie between low and high")
    rates.done()
    return values


def read_illustration(
    table: Table, *, code: str, version: str, effective_from: date, pricing_rate: Decimal, style: str
) -> Illustration:
    """The illustration basis; `style` is the product's dividend style ("cash" or "reversionary_bonus")."""
    bonus = style == "reversionary_bonus"
    bonus_rates = _scenario_rates(table, "bonus_rates") if bonus else None
    terminal_rates = _scenario_rates(table, "terminal_bonus_rates") if bonus else None
    illustration = Illustration(
        low=table.fraction("low"),
        medium=table.fraction("medium"),
        high=table.fraction("high"),
        max_rate=table.fraction("max_rate"),
        policyholder_share=table.fraction("policyholder_share", below_one=False),
        bonus_rates=bonus_rates,
        terminal_bonus_rates=terminal_rates,
    )
    for key in SCENARIOS:
        if getattr(illustration, key) > illustration.max_rate:
            table.fail(key, f"must not be more than the regulatory cap max_rate ({illustration.max_rate})")
    if not illustration.low <= illustration.medium <= illustration.high:
        table.fail("medium", "must lie between low and high")
    if illustration.policyholder_share < MIN_POLICYHOLDER_SHARE:
        table.fail("policyholder_share", f"must be at least {MIN_POLICYHOLDER_SHARE} of the distributable surplus")
    rates = {key: getattr(illustration, key) for key in SCENARIOS}
    for key, message in breaches(
        code, version, effective_from, pricing_rate, rates, illustration.policyholder_share, illustration.max_rate
    ):
        table.fail(key, message)
    if bonus_rates is not None:
        for key in SCENARIOS:
            affordable = illustration.policyholder_share * max(Decimal(0), rates[key] - pricing_rate)
            if bonus_rates.of(key) > affordable:
                table.fail(
                    f"bonus_rates.{key}",
                    f"must not be more than {affordable.normalize()}: the policyholders' share "
                    f"({illustration.policyholder_share}) of the {key} return ({rates[key]}) above the pricing "
                    f"rate ({pricing_rate})",
                )
    table.done(" (bonus_rates and terminal_bonus_rates are for reversionary-bonus products only)" if not bonus else "")
    return illustration
