"""Claim rule sets (pure): the fraud signals' weights and thresholds and the straight-through threshold, as
versioned data in ``claims/rulesets/<version>.toml`` (format: docs/claims-rules.md).

``[defaults]`` states every signal in full; ``[insurers.<code>]`` and ``[products.<code>]`` override any part of it
(a product's override wins over its insurer's). A file is checked in full when read: a wrong or unknown field
fails with the file and the dotted field named, so a typo can never weaken the checks silently.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RULESETS_DIR = Path(__file__).resolve().parent / "rulesets"
VERSION_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}")
CODE_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_WEIGHT = 1000
# each signal's parameters besides its weight (whole numbers)
SIGNAL_PARAMS: dict[str, tuple[str, ...]] = {
    "soon_after_issue": ("days",),
    "loss_near_cover_start": ("days",),
    "frequent_claims": ("months", "min_claims"),
    "duplicate_invoice": (),
    "duplicate_document": (),
    "just_under_limit": ("percent",),
    "invoice_outside_stay": ("days",),
    "shared_bank_account": (),
}
PARAM_RANGES = {"days": (0, 3650), "months": (1, 120), "min_claims": (1, 1000), "percent": (0, 100)}


class RulesetError(ValueError):
    """A rule set that cannot be used; names the file and the dotted field at fault."""

    def __init__(self, file: str, field: str, message: str) -> None:
        self.file, self.field, self.message = file, field, message
        super().__init__(f"{file}: {field}: {message}" if field else f"{file}: {message}")


@dataclass(frozen=True)
class Rules:
    """The rules in force for one claim (defaults with its insurer's and product's overrides applied)."""

    version: str
    straight_through_threshold: int
    signals: dict[str, dict[str, int]]  # signal -> {"weight": .., param: ..}

    def weight(self, signal: str) -> int:
        return self.signals[signal]["weight"]

    def param(self, signal: str, name: str) -> int:
        return self.signals[signal][name]


@dataclass(frozen=True)
class Ruleset:
    version: str
    source: str  # the file it was read from (or "<pasted>")
    defaults: dict[str, Any]
    insurers: dict[str, dict[str, Any]]
    products: dict[str, dict[str, Any]]

    def for_claim(self, insurer_code: str, product_code: str) -> Rules:
        merged = {
            "straight_through_threshold": self.defaults["straight_through_threshold"],
            "signals": {k: dict(v) for k, v in self.defaults["signals"].items()},
        }
        for override in (self.insurers.get(insurer_code), self.products.get(product_code)):
            if not override:
                continue
            if "straight_through_threshold" in override:
                merged["straight_through_threshold"] = override["straight_through_threshold"]
            for name, params in override.get("signals", {}).items():
                merged["signals"][name].update(params)
        return Rules(self.version, merged["straight_through_threshold"], merged["signals"])


def _whole(file: str, field: str, value: Any, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise RulesetError(file, field, f"must be a whole number from {low} to {high}")
    return value


def _section(file: str, prefix: str, data: Any, *, full: bool) -> dict[str, Any]:
    """One [defaults] (``full``: every signal and parameter required) or override table, checked."""
    if not isinstance(data, dict):
        raise RulesetError(file, prefix, "must be a table")
    for key in data:
        if key not in ("straight_through_threshold", "signals"):
            raise RulesetError(file, f"{prefix}.{key}", "is not a known field (straight_through_threshold, signals)")
    out: dict[str, Any] = {"signals": {}}
    if "straight_through_threshold" in data:
        out["straight_through_threshold"] = _whole(
            file, f"{prefix}.straight_through_threshold", data["straight_through_threshold"], 0, MAX_WEIGHT * 10
        )
    elif full:
        raise RulesetError(file, f"{prefix}.straight_through_threshold", "is missing")
    signals = data.get("signals", {})
    if not isinstance(signals, dict):
        raise RulesetError(file, f"{prefix}.signals", "must be a table")
    for name, params in signals.items():
        where = f"{prefix}.signals.{name}"
        if name not in SIGNAL_PARAMS:
            raise RulesetError(file, where, f"is not a known signal ({', '.join(SIGNAL_PARAMS)})")
        if not isinstance(params, dict):
            raise RulesetError(file, where, "must be a table")
        allowed = ("weight", *SIGNAL_PARAMS[name])
        checked: dict[str, int] = {}
        for key, value in params.items():
            if key not in allowed:
                raise RulesetError(file, f"{where}.{key}", f"is not a parameter of this signal ({', '.join(allowed)})")
            low, high = (0, MAX_WEIGHT) if key == "weight" else PARAM_RANGES[key]
            checked[key] = _whole(file, f"{where}.{key}", value, low, high)
        if full:
            for key in allowed:
                if key not in checked:
                    raise RulesetError(file, f"{where}.{key}", "is missing")
        out["signals"][name] = checked
    if full:
        for name in SIGNAL_PARAMS:
            if name not in out["signals"]:
                raise RulesetError(file, f"{prefix}.signals.{name}", "is missing")
    return out


def parse_ruleset(text: str, source: str = "<pasted>") -> Ruleset:
    """Read and check a rule set from TOML text; RulesetError names the field at fault."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesetError(source, "", f"is not valid TOML: {exc}") from exc
    for key in data:
        if key not in ("version", "defaults", "insurers", "products"):
            raise RulesetError(source, key, "is not a known field (version, defaults, insurers, products)")
    version = data.get("version")
    if not isinstance(version, str) or not VERSION_RE.fullmatch(version):
        raise RulesetError(source, "version", 'must be a version name such as "2026-11-01"')
    if "defaults" not in data:
        raise RulesetError(source, "defaults", "is missing")
    defaults = _section(source, "defaults", data["defaults"], full=True)
    overrides: dict[str, dict[str, dict[str, Any]]] = {}
    for group in ("insurers", "products"):
        table = data.get(group, {})
        if not isinstance(table, dict):
            raise RulesetError(source, group, "must be a table")
        overrides[group] = {}
        for code, section in table.items():
            if not CODE_RE.fullmatch(code):
                raise RulesetError(source, f"{group}.{code}", "must be a product or insurer code")
            overrides[group][code] = _section(source, f"{group}.{code}", section, full=False)
    return Ruleset(version, source, defaults, overrides["insurers"], overrides["products"])


def load_ruleset(path: Path) -> Ruleset:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesetError(str(path), "", f"cannot be read: {exc}") from exc
    ruleset = parse_ruleset(text, path.name)
    if path.parent.resolve() == RULESETS_DIR.resolve() and ruleset.version != path.stem:
        raise RulesetError(path.name, "version", f"must equal the file name {path.stem!r}")
    return ruleset


def available(directory: Path = RULESETS_DIR) -> list[str]:
    """The rule set files in the folder (their names, oldest first)."""
    return sorted(p.name for p in directory.glob("*.toml"))


_CURRENT: dict[str, Ruleset] = {}


def current(directory: Path = RULESETS_DIR) -> Ruleset:
    """The rule set in force: the newest file (by version name) in ``claims/rulesets``; read once per process."""
    key = str(directory)
    if key not in _CURRENT:
        names = available(directory)
        if not names:
            raise RulesetError(str(directory), "", "holds no rule set")
        _CURRENT[key] = load_ruleset(directory / names[-1])
    return _CURRENT[key]
