"""What the actuary's declaration pages show, worked out from the services' answers (pure: no framework, no DB).

The pages (``staff_pages``) call H1's services and hand their answers here: the form's fields with help in plain
words, the buttons a user may press on a declaration (and why one is not offered), the preview's figures in the
order the page reads them, and the distribution chart. Templates only lay these out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from insure.accounts import fund_results
from insure.accounts.model import DeclarationStatus
from insure.errors import N_
from insure.i18n import gettext
from insure.web.charts import bar_chart

STATUS_LABELS: dict[str, str] = {
    DeclarationStatus.COMPUTING: N_("Computing"),
    DeclarationStatus.PREPARED: N_("Prepared, awaiting approval"),
    DeclarationStatus.APPROVED: N_("Approved, not yet posted"),
    DeclarationStatus.POSTED: N_("Posted"),
    DeclarationStatus.WITHDRAWN: N_("Withdrawn"),
    DeclarationStatus.REVERSED: N_("Reversed"),
}

PHASE_LABELS: dict[str, str] = {
    "": N_("Waiting for a worker"),
    "contribution": N_("Computing each policy's contribution"),
    "scaling": N_("Scaling the dividends to the payout"),
    "posting": N_("Posting"),
    "reversing": N_("Reversing"),
    "done": N_("Done"),
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # msgid
    help: str  # msgid: what to type, in plain words
    default: str = ""
    bonus_only: bool = False  # only meaningful for reversionary-bonus products


# The experience and rates of declaration_inputs.FIELDS, in the form's order (insurer and year have their own
# inputs); a field the engine adds later is still shown, with its name as the label.
EXPERIENCE_FIELDS: tuple[Field, ...] = (
    Field(
        "investment_yield",
        N_("Actual investment yield"),
        N_("Actual investment yield of the fund for the year, e.g. 0.045 = 4.5 %% (from −0.5 to 0.5)."),
    ),
    Field(
        "mortality_ratio",
        N_("Actual mortality, as a ratio to the pricing table"),
        N_("Deaths in the year compared with what the pricing table expected, e.g. 0.85 = 85 %% of expected."),
    ),
    Field(
        "expense_ratio",
        N_("Actual expenses, as a ratio to those priced"),
        N_("Expenses of the year compared with the loadings in the premiums, e.g. 0.90 = 90 %% of priced."),
    ),
    Field(
        "policyholder_share",
        N_("Policyholders' share of the distributable surplus"),
        N_("At least 0.70 (70 %%), by regulation; at most 1."),
        default="0.70",
    ),
    Field(
        "smoothing_transfer",
        N_("Smoothing transfer (CNY)"),
        N_("Into the smoothing reserve (positive) or released from it (negative, at most what it holds); 0 for none."),
        default="0",
    ),
    Field(
        "accumulation_rate",
        N_("Accumulation rate"),
        N_("Interest credited on dividends left in the accounts for the year, e.g. 0.025 = 2.5 %%."),
        default="0.025",
    ),
    Field(
        "bonus_rate",
        N_("Reversionary bonus rate"),
        N_("Only for reversionary-bonus products: bonus on the sum insured and earlier bonuses, e.g. 0.01 = 1 %%."),
        default="0",
        bonus_only=True,
    ),
    Field(
        "terminal_bonus_rate",
        N_("Terminal bonus rate"),
        N_("Only for reversionary-bonus products: paid at the end on the bonuses added, e.g. 0.30 = 30 %%."),
        default="0",
        bonus_only=True,
    ),
)
_BY_NAME = {f.name: f for f in EXPERIENCE_FIELDS}
_OWN_INPUTS = {"insurer_code", "year"}


def form_fields(fields: Iterable[str]) -> list[Field]:
    """The experience inputs in the engine's order (``declaration_inputs.FIELDS``)."""
    return [_BY_NAME.get(name) or Field(name, name, "") for name in fields if name not in _OWN_INPUTS]


def form_defaults(year: int) -> dict[str, str]:
    return {"year": str(year), **{f.name: f.default for f in EXPERIENCE_FIELDS if f.default}}


def status_label(status: str) -> str:
    if not status:
        return "—"
    msgid = STATUS_LABELS.get(status)
    return gettext(msgid) if msgid else status


def phase_label(phase: str) -> str:
    msgid = PHASE_LABELS.get(phase)
    return gettext(msgid) if msgid else phase


def insurer_name(insurers: Sequence[Mapping[str, Any]], code: str, locale: str) -> str:
    for insurer in insurers:
        if insurer["code"] == code:
            return str(insurer["name_zh"] if locale == "zh_CN" else insurer["name_en"])
    return code


@dataclass(frozen=True)
class Action:
    name: str  # approve | post | withdraw | reverse: the path after /staff/dividends/{number}/
    allowed: bool
    why_not: str = ""  # translated: shown in place of the button


def actions(declaration: Mapping[str, Any], user: Mapping[str, Any], problem: str = "") -> list[Action]:
    """The buttons the page offers for the declaration's status. Approval is shown but refused, with the reason,
    to the preparer and while the preview holds a problem (e.g. the bonus costs more than the share): the
    engine refuses it too; the page only says so before the click."""
    status = declaration["status"]
    found: list[Action] = []
    if status == DeclarationStatus.PREPARED:
        if declaration.get("prepared_by") == user.get("id"):
            why = gettext("You prepared this declaration; another actuary must approve it.")
            found.append(Action("approve", False, why))
        elif problem:
            found.append(Action("approve", False, problem))
        else:
            found.append(Action("approve", True))
    if status == DeclarationStatus.APPROVED:
        found.append(Action("post", True))
    if status in (DeclarationStatus.COMPUTING, DeclarationStatus.PREPARED, DeclarationStatus.APPROVED):
        found.append(Action("withdraw", True))
    if status == DeclarationStatus.POSTED:
        found.append(Action("reverse", True))
    return found


def progress_view(progress: Mapping[str, Any]) -> dict[str, Any]:
    """Done / total, the rate and the time left, rounded for reading."""
    done, total = int(progress.get("done") or 0), int(progress.get("total") or 0)
    per_second = progress.get("per_second")
    seconds_left = progress.get("seconds_left")
    return {
        "phase": phase_label(str(progress.get("phase") or "")),
        "done": done,
        "total": total,
        "percent": (done * 100 // total) if total else 0,
        "per_second": None if per_second is None else round(float(per_second)),
        "time_left": None if seconds_left is None else _duration(float(seconds_left)),
    }


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return gettext("%(seconds)s s", seconds=seconds)
    minutes, rest = divmod(seconds, 60)
    return gettext("%(minutes)s min %(seconds)s s", minutes=minutes, seconds=rest)


def distribution_chart(bands: Sequence[tuple[str, int]]) -> str:
    """The dividends' distribution as bars (policies per band); the page shows the same figures in a table."""
    return bar_chart(
        gettext("Policies by dividend"),
        [label for label, _ in bands],
        {gettext("Policies"): [count for _, count in bands]},
        counts=True,
        width=960,  # wide enough that pygal never shortens a band's label ("1000–5000"); CSS scales it down
        height=360,
    )


def percent(rate: Decimal | str | None) -> str:
    """A rate entered as a fraction, read as a percentage: 0.045 → 4.5 %."""
    if rate is None or rate == "":
        return "—"
    value = (Decimal(str(rate)) * 100).normalize()
    return f"{value:f} %"


FUND_LABELS = fund_results.LABELS  # preview.Preview.fund_results (insure/accounts/fund_results.py)


def fund_rows(results: Mapping[str, Any] | None) -> list[tuple[str, Decimal]]:
    """The fund's results as (translated label, CNY), known figures first in the order above; keys may carry a
    ``_fen`` suffix (the amounts are CNY either way). Anything that is not an amount is left out."""
    if not results:
        return []
    amounts = {
        k.removesuffix("_fen"): Decimal(v)
        for k, v in results.items()
        if isinstance(v, Decimal | int) and not isinstance(v, bool)
    }
    rows = [(gettext(label), amounts.pop(key)) for key, label in FUND_LABELS.items() if key in amounts]
    return rows + [(key.replace("_", " "), value) for key, value in amounts.items()]
