"""Rule sets: given a rule set file, when it is read, then it is used as written (defaults, insurer and product
overrides) or refused with the field at fault named — never half-read."""

from pathlib import Path

import pytest

from claims.ruleset import RULESETS_DIR, SIGNAL_PARAMS, RulesetError, available, current, load_ruleset, parse_ruleset

SHIPPED = (RULESETS_DIR / available()[-1]).read_text(encoding="utf-8")


def test_every_shipped_rule_set_loads_and_the_newest_is_in_force():
    for name in available():
        ruleset = load_ruleset(RULESETS_DIR / name)
        assert ruleset.version == Path(name).stem
    assert current().version == Path(available()[-1]).stem
    assert set(current().defaults["signals"]) == set(SIGNAL_PARAMS)


def test_product_overrides_win_over_insurer_overrides_over_defaults():
    ruleset = parse_ruleset(
        SHIPPED
        + """
[insurers.acme]
straight_through_threshold = 50
[insurers.acme.signals.duplicate_invoice]
weight = 5
[products.acme_pa]
straight_through_threshold = 10
"""
    )
    default = ruleset.for_claim("other", "other")
    insurer = ruleset.for_claim("acme", "acme_other")
    product = ruleset.for_claim("acme", "acme_pa")
    assert default.straight_through_threshold == 30
    assert (insurer.straight_through_threshold, insurer.weight("duplicate_invoice")) == (50, 5)
    assert (product.straight_through_threshold, product.weight("duplicate_invoice")) == (10, 5)
    assert default.weight("duplicate_invoice") == 60  # the defaults are not changed by an override


@pytest.mark.parametrize(
    ("edit", "field", "says"),
    [
        (lambda t: t.replace('version = "2026-11-01"', "version = 3"), "version", "version name"),
        (
            lambda t: t.replace("weight = 60\n", 'weight = "60"\n', 1),
            "defaults.signals.duplicate_invoice.weight",
            "whole number",
        ),
        (
            lambda t: t.replace("weight = 10\ndays = 30", "weight = 10\ndayz = 30"),
            "defaults.signals.soon_after_issue.dayz",
            "not a parameter",
        ),
        (
            lambda t: t.replace("straight_through_threshold = 30\n", "", 1),
            "defaults.straight_through_threshold",
            "missing",
        ),
        (
            lambda t: t + "\n[products.pa_basic.signals.gut_feeling]\nweight = 1\n",
            "products.pa_basic.signals.gut_feeling",
            "not a known signal",
        ),
        (lambda t: t.replace("percent = 10", "percent = 150"), "defaults.signals.just_under_limit.percent", "0 to 100"),
        (lambda t: "threshold = 1\n" + t, "threshold", "not a known field"),
        (lambda t: t + "\n[broken", "", "not valid TOML"),
    ],
)
def test_a_wrong_field_is_refused_with_its_name(edit, field, says):
    with pytest.raises(RulesetError) as caught:
        parse_ruleset(edit(SHIPPED), "candidate.toml")
    assert caught.value.field == field
    assert says in caught.value.message
    assert str(caught.value).startswith("candidate.toml")


def test_a_signal_left_out_of_the_defaults_is_refused():
    start = SHIPPED.index("[defaults.signals.shared_bank_account]")
    end = SHIPPED.index("\n\n", start)
    with pytest.raises(RulesetError) as caught:
        parse_ruleset(SHIPPED[:start] + SHIPPED[end:])
    assert caught.value.field == "defaults.signals.shared_bank_account"
