"""Optional terms a product file may state about who can be insured and what a free-look cancellation keeps
(read by the catalog loader; pure, no framework)."""

from __future__ import annotations

from decimal import Decimal

from products.catalog_model import Participation
from products.catalog_reader import Table

RELATIONS = ("self", "spouse", "child", "parent")  # insurable interest, Insurance Law art. 31
FREE_LOOK_CHARGE_CAP = Decimal(10)  # the small cost an insurer may keep on a free-look cancellation (工本费)


def insurable_relations(top: Table) -> dict[str, tuple[str, ...]]:
    """Optional: who may be insured (the policyholder always); without it, all four relations."""
    if not top.has("insurable_relations"):
        return {}
    relations = top.texts("insurable_relations", lambda r: r in RELATIONS, "self, spouse, child, parent")
    if "self" not in relations:
        top.fail("insurable_relations", "must include self")
    return {"insurable_relations": relations}


def free_look_charge(top: Table) -> Decimal:
    """Optional: what a free-look cancellation keeps back (0 if the file states nothing)."""
    if not top.has("free_look_charge"):
        return Decimal(0)
    charge = top.amount("free_look_charge", positive=False)
    if charge > FREE_LOOK_CHARGE_CAP:
        top.fail("free_look_charge", f"must not exceed {FREE_LOOK_CHARGE_CAP} CNY (the regulator's cap)")
    return charge


DIVIDEND_STYLES = frozenset({"cash", "reversionary_bonus"})
DIVIDEND_OPTIONS = ("cash", "premium_offset", "accumulate", "paid_up_additions")


def participation(top: Table, participating: bool) -> dict[str, Participation]:
    """[participation] of a participating product: the dividend style, the options offered and the default."""
    if not top.has("participation"):
        if participating:
            top.fail("participation", "is required for a participating product (style, options, default_option)")
        return {}
    if not participating:
        top.fail("participation", "is only allowed for a participating product")
    table = top.table("participation")
    style = table.text("style", allowed=DIVIDEND_STYLES)
    options: tuple[str, ...] = ()
    default = ""
    if style == "cash":
        options = table.texts("options", lambda o: o in DIVIDEND_OPTIONS, ", ".join(DIVIDEND_OPTIONS))
        default = table.text("default_option", allowed=frozenset(options))
    pro_rata = table.boolean("pro_rata_on_exit") if table.has("pro_rata_on_exit") else True
    table.done()
    return {
        "participation": Participation(style=style, options=options, default_option=default, pro_rata_on_exit=pro_rata)
    }
