"""The regulator's caps on the rates a participating product may illustrate (pure): one central statement, with
its sources, checked by the catalog loader against every participating product version (docs/catalog.md,
"Illustration caps").

A benefit illustration (利益演示) shows dividends under scenarios of the insurer's future investment return. The
regulator caps those returns; a product version is checked against the cap in force on its effective date.

How sure we are of each figure is stated with it: the public material available when this was written was
third-party summaries and news reports, not the regulator's own text. Where a figure or its date could not be
confirmed, the lower reading was chosen.

The guaranteed (pricing) rates of participating business are capped too (`GUARANTEED_CAPS`: 2.0 % for products
filed from 2024-10-01, 《关于健全人身保险产品定价机制的通知》; 1.75 % from 2025-09-01, when the reference value fell
to 1.99 % and participating rates came down by 25 basis points — reported by the Insurance Association of China's
committee on 2025-07-25 and by Caixin, 2025-08-02). The catalog loader checks a participating version's pricing
rate against the cap in force on its effective date as well (`guaranteed_rate_breach`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

SCENARIOS = ("low", "medium", "high")


@dataclass(frozen=True)
class Cap:
    """The illustration rules in force from `effective_from` until the next cap's date.

    `low_spread`: how far the low scenario's return may exceed the product's pricing rate (0: the low scenario
    illustrates the guaranteed benefits only). `medium`, `high`: the highest return each of those scenarios may
    use. `share`: the highest share of the surplus an illustration may give to policyholders.
    """

    effective_from: date
    low_spread: Decimal
    medium: Decimal
    high: Decimal
    share: Decimal
    source: str
    confidence: str

    def limits(self, pricing_rate: Decimal) -> dict[str, Decimal]:
        """The highest illustrated return of each scenario for a product priced at `pricing_rate`."""
        return {"low": min(pricing_rate + self.low_spread, self.medium), "medium": self.medium, "high": self.high}


CAPS: tuple[Cap, ...] = (
    Cap(
        effective_from=date(2016, 1, 1),
        low_spread=Decimal(0),
        medium=Decimal("0.045"),
        high=Decimal("0.06"),
        share=Decimal("0.70"),
        source=(
            "《分红保险精算规定》(保监发〔2015〕93号): the low, medium and high scenarios may illustrate an interest "
            "spread of at most 0, 4.5 % and 6 % less the pricing rate; only the interest spread is illustrated, at "
            "a 70 % policyholder share."
        ),
        confidence="figures from a third-party summary (kuaish.com); the commencement date is not confirmed",
    ),
    Cap(
        effective_from=date(2023, 6, 30),
        low_spread=Decimal(0),
        medium=Decimal("0.039"),
        high=Decimal("0.039"),
        share=Decimal("0.70"),
        source=(
            "《一年期以上人身保险产品信息披露规则》(CBIRC, issued 2022-12-30, in force 2023-06-30) replaced the three "
            "scenarios by two (guaranteed benefits only, and one with dividends) and lowered the illustrated "
            "rates. The upper rate in force until 2026-06-30 was 3.9 % (Caixin, 2026-03-27; 36Kr / China "
            "Securities Journal, 2026)."
        ),
        confidence=(
            "3.9 % is well reported as the cap before 2026-07-01, but not since when; one summary gives 4.5 % "
            "for the 2023 rules — the lower figure is used from 2023-06-30"
        ),
    ),
    Cap(
        effective_from=date(2026, 7, 1),
        low_spread=Decimal(0),
        medium=Decimal("0.035"),
        high=Decimal("0.035"),
        share=Decimal("0.70"),
        source=(
            "NFRA: from 2026-07-01 participating products on sale may illustrate at most 3.5 % (down from 3.9 %); "
            "products above it had to be refiled or withdrawn by 2026-06-30 (36Kr / China Securities Journal; "
            "Caixin, 2026-03-27)."
        ),
        confidence="the figure and the day are reported by two independent sources; the year is Caixin's",
    ),
)

# Versions published before the catalog checked these caps, whose illustrations (and pricing rates: 3.5 % and 5 %)
# exceed the caps then in force. Their rates are not changed, because policies sold on them keep the premiums and
# the illustration they were sold with; each is superseded by a compliant version from 2026-12-01 (priced at
# 1.75 %). No other file is let through.
PUBLISHED_BEFORE_THE_CHECK = frozenset(
    {
        ("wl_par_changan", "2026-01-01"),
        ("wl_par_huaxia", "2026-01-01"),
        ("endow_par_changan", "2026-01-01"),
        ("endow_par_huaxia", "2026-01-01"),
    }
)


@dataclass(frozen=True)
class GuaranteedCap:
    """The highest guaranteed (pricing) interest rate of a participating product filed from `effective_from`."""

    effective_from: date
    rate: Decimal
    source: str
    confidence: str


GUARANTEED_CAPS: tuple[GuaranteedCap, ...] = (
    GuaranteedCap(
        effective_from=date(2024, 10, 1),
        rate=Decimal("0.02"),
        source="《关于健全人身保险产品定价机制的通知》 (NFRA, 2024): participating products filed from 2024-10-01",
        confidence="the notice is named in the reports of the 2025 cut; its own text was not at hand",
    ),
    GuaranteedCap(
        effective_from=date(2025, 9, 1),
        rate=Decimal("0.0175"),
        source=(
            "the reference value fell to 1.99 % and participating rates came down by 25 basis points from "
            "2025-09-01 (Insurance Association of China's committee, 2025-07-25; Caixin, 2025-08-02)"
        ),
        confidence="the figure and the day are reported by two sources; the regulator's own text was not at hand",
    ),
)


def guaranteed_rate_breach(code: str, version: str, effective_from: date, pricing_rate: Decimal) -> str | None:
    """Why a participating version's pricing rate exceeds the guaranteed-rate cap in force on `effective_from`;
    None when it does not (or the version is one published before the check)."""
    if (code, version) in PUBLISHED_BEFORE_THE_CHECK:
        return None
    cap = None
    for candidate in GUARANTEED_CAPS:
        if candidate.effective_from <= effective_from:
            cap = candidate
    if cap is None or pricing_rate <= cap.rate:
        return None
    return (
        f"must not be more than {cap.rate}, the regulator's cap on guaranteed rates of participating business "
        f"from {cap.effective_from} ({cap.source.split(':')[0]})"
    )


def cap_on(day: date) -> Cap | None:
    """The cap in force on `day` (None before the first one)."""
    found = None
    for cap in CAPS:
        if cap.effective_from <= day:
            found = cap
    return found


def breaches(
    code: str,
    version: str,
    effective_from: date,
    pricing_rate: Decimal,
    rates: dict[str, Decimal],
    share: Decimal,
    max_rate: Decimal,
) -> list[tuple[str, str]]:
    """What in an illustration exceeds the cap in force on `effective_from`: (field, message) pairs, empty if
    nothing does (or the version is one published before the check)."""
    cap = cap_on(effective_from)
    if cap is None or (code, version) in PUBLISHED_BEFORE_THE_CHECK:
        return []
    problems = []
    for name, limit in cap.limits(pricing_rate).items():
        if rates[name] > limit:
            problems.append(
                (
                    name,
                    f"must not be more than {limit}, the regulator's cap in force on {effective_from} ({_cite(cap)})",
                )
            )
    if max_rate > cap.high:
        problems.append(("max_rate", f"must not be more than {cap.high}, the regulator's cap ({_cite(cap)})"))
    if share > cap.share:
        problems.append(
            ("policyholder_share", f"must not illustrate more than {cap.share} of the surplus ({_cite(cap)})")
        )
    return problems


def _cite(cap: Cap) -> str:
    return f"from {cap.effective_from}: {cap.source.split(':')[0]}"
