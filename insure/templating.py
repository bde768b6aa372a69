"""The one Jinja2 environment for pages (through Litestar) and PDF documents (in workers)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from insure import clock, i18n, text_input
from insure.labels import label
from insure.money import format_amount, from_fen
from insure.settings import PROJECT_ROOT

TEMPLATE_DIR = PROJECT_ROOT / "templates"


def fen(value: int) -> str:
    return format_amount(from_fen(int(value)))


def amount(value: Decimal | str) -> str:
    return format_amount(Decimal(str(value)))


def fen_cny(value: int) -> str:
    """An amount in fen with its currency, as the reader's language writes it (元 or CNY)."""
    return i18n.gettext("%(amount)s CNY", amount=fen(value))


def amount_cny(value: Decimal | str) -> str:
    return i18n.gettext("%(amount)s CNY", amount=amount(value))


def localday(value: datetime) -> str:
    """The business date of an instant (e.g. a quote valid until the end of that day, Beijing time)."""
    return clock.local(value).date().isoformat()


def localdate(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return clock.local(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=False),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        auto_reload=False,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        fen=fen, amount=amount, fen_cny=fen_cny, amount_cny=amount_cny, localdate=localdate, localday=localday
    )
    env.globals.update(label=label, get_locale=i18n.get_locale, LOCALES=i18n.LOCALES, LOCALE_NAMES=i18n.LOCALE_NAMES)
    env.globals["MAXLENGTH"] = text_input.FORM_MAXLENGTH  # the form inputs' maxlength, from the one table
    return env


def render(template: str, **context: Any) -> str:
    """Render outside a request (documents in workers); the caller sets the locale first."""
    return environment().get_template(template).render(**context)
