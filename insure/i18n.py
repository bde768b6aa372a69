"""Two languages from day one: Simplified Chinese and English, via gettext catalogs (Babel .po files).

The locale of the current request (or task) lives in a context variable; Jinja2's i18n extension and
Python code both call ``gettext`` below. Catalogs are compiled in memory from the .po files at first use,
so there is no build step and no binary .mo file in the repository.
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext as _gettext
from collections.abc import Iterator
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LOCALE_DIR = Path(__file__).parent / "locale"
LOCALE_NAMES = {"zh_CN": "中文", "en": "English"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("insure_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return _gettext.NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def set_locale(locale: str) -> contextvars.Token[str]:
    return _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def get_locale() -> str:
    return _current.get()


def gettext(message: str, **params: Any) -> str:
    text = translations(get_locale()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    text = translations(get_locale()).ngettext(singular, plural, n)
    params.setdefault("num", n)
    return text % params


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The user's explicit choice (cookie) wins; otherwise the browser's Accept-Language; else Chinese."""
    if cookie in LOCALES:
        return cookie
    ranked: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        lang, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        ranked.append((weight, lang.strip().lower()))
    for _, lang in sorted(ranked, key=lambda item: -item[0]):
        if lang.startswith("zh"):
            return "zh_CN"
        if lang.startswith("en"):
            return "en"
    return DEFAULT_LOCALE


@contextlib.contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Render something (a document in a worker) in the reader's language, then restore the previous one."""
    token = set_locale(locale)
    try:
        yield
    finally:
        _current.reset(token)
