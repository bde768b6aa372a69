"""The regulator's cap on guaranteed (pricing) rates of participating business, checked when the catalog loads:
a participating version priced above the cap in force on its date is refused with the field and the cap; the
versions published before the check are the only ones let through; the shipped 2026-12-01 versions are priced at
the cap, so their medium and high scenarios illustrate dividends again."""

from datetime import date
from decimal import Decimal

import pytest

from products.catalog import load_catalog
from products.illustration_caps import GUARANTEED_CAPS, PUBLISHED_BEFORE_THE_CHECK, guaranteed_rate_breach
from tests.unit.test_catalog_participation import CASH_PRODUCTS, copy_product, refusal

D = Decimal


def test_the_caps_on_guaranteed_rates_come_down_in_time_and_state_their_sources():
    assert [c.effective_from for c in GUARANTEED_CAPS] == sorted(c.effective_from for c in GUARANTEED_CAPS)
    assert [c.rate for c in GUARANTEED_CAPS] == [D("0.02"), D("0.0175")]
    assert all(c.source and c.confidence for c in GUARANTEED_CAPS)
    assert guaranteed_rate_breach("x", "2025-08-31", date(2025, 8, 31), D("0.02")) is None
    assert "0.0175" in guaranteed_rate_breach("x", "2025-09-01", date(2025, 9, 1), D("0.02"))
    assert guaranteed_rate_breach("x", "2024-09-30", date(2024, 9, 30), D("0.05")) is None  # before any cap


def test_every_shipped_participating_version_is_priced_within_the_cap_or_was_published_before_the_check():
    catalog = load_catalog()
    for code in CASH_PRODUCTS:
        old, new = catalog.get(code, date(2026, 11, 30)), catalog.get(code, date(2026, 12, 1))
        assert (code, old.version) in PUBLISHED_BEFORE_THE_CHECK and old.pricing.interest_rate > D("0.0175")
        assert new.version == "2026-12-01" and new.pricing.interest_rate == D("0.0175")
        # the medium and high scenarios earn more than the pricing rate: the illustration shows dividends
        assert new.illustration.low == new.pricing.interest_rate < new.illustration.medium < new.illustration.high


@pytest.mark.parametrize("rate", ["0.018", "0.02"])
def test_a_new_participating_version_priced_above_the_cap_is_refused(tmp_path, rate):
    # given the 2026-12-01 file priced above 1.75 % (its illustration kept within the illustration cap)
    root = copy_product(
        tmp_path,
        "wl_par_changan",
        day="2026-12-01",
        edits=[('interest_rate = "0.0175"', f'interest_rate = "{rate}"'), ('low = "0.0175"', f'low = "{rate}"')],
    )
    error = refusal(root)
    assert error.file.endswith("wl_par_changan/2026-12-01.toml") and error.field == "pricing.interest_rate"
    assert "must not be more than 0.0175, the regulator's cap on guaranteed rates" in error.message


def test_a_term_product_is_not_participating_and_keeps_its_pricing_rate(tmp_path):
    # the cap is for participating business: term_changan at 3.5 % still loads
    root = copy_product(tmp_path, "term_changan", new_day="2026-12-01")
    assert load_catalog(root).get("term_changan", date(2026, 12, 1)).pricing.interest_rate == D("0.035")
