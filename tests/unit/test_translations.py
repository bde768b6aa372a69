"""The Simplified Chinese catalog covers every string in the source, keeps its placeholders, and is the one used.

Messages are extracted from the real source with the same mapping as ``scripts/i18n.sh`` (``babel.cfg``), so
adding a marked string without translating it makes this module fail and name the string. Fix: run
``scripts/i18n.sh``, translate the new ``msgstr`` lines in ``insure/locale/zh_CN/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from insure import i18n

ROOT = Path(__file__).resolve().parents[2]
BABEL_CFG = ROOT / "babel.cfg"
ZH_PO_NAME = "insure/locale/zh_CN/LC_MESSAGES/messages.po"
ZH_PO = ROOT / ZH_PO_NAME
# The same keywords as `pybabel extract` in scripts/i18n.sh (babel.cfg repeats them per section).
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]")


def _ids(message: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (message,) if isinstance(message, str) else tuple(message)


@cache
def extracted() -> dict[tuple[str, ...], list[str]]:
    """Every msgid (a 1-tuple, or (singular, plural)) marked in the source, with where it is used."""
    with BABEL_CFG.open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(BABEL_CFG))
    found: dict[tuple[str, ...], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault(_ids(message), []).append(f"{filename}:{lineno}")
    return found


@cache
def zh_catalog() -> Catalog:
    with ZH_PO.open("rb") as fh:
        return read_po(fh, locale="zh_CN")


def translated_entries() -> Iterator[Message]:
    for message in zh_catalog():
        if message.id and not message.fuzzy and all(_ids(message.string)):
            yield message


def is_translated(message: Message | None) -> bool:
    return message is not None and not message.fuzzy and all(_ids(message.string))


def test_extraction_finds_the_source_strings():
    """Guards the guard: if babel.cfg stopped matching the code or the templates, the next test would pass."""
    found = extracted()
    assert ("Log in",) in found
    places = [place for where in found.values() for place in where]
    assert any(place.startswith("templates/") for place in places)
    assert any(place.startswith("insure/") and ".py:" in place for place in places)
    assert not any("piccolo_migrations" in place or place.startswith("tests/") for place in places)


def test_every_extracted_message_has_a_chinese_translation():
    catalog = zh_catalog()
    missing = {ids: where for ids, where in extracted().items() if not is_translated(catalog.get(ids[0]))}
    report = "\n".join(f"  {ids[0]!r}  ({', '.join(where)})" for ids, where in sorted(missing.items()))
    assert not missing, (
        f"{len(missing)} message(s) have no zh_CN translation (empty or fuzzy); run scripts/i18n.sh and "
        f"translate them in {ZH_PO_NAME}:\n{report}"
    )


def test_every_message_is_translated_once():
    # two entries for one msgid (e.g. two branches appending the same string) leave one translation unused and
    # the page showing whichever the loader kept
    text = (ROOT / ZH_PO_NAME).read_text(encoding="utf-8")
    ids = [
        "".join(re.findall(r'"(.*)"', block)) for block in re.findall(r'^msgid ((?:".*"\n)+)msgstr', text, flags=re.M)
    ]
    repeated = sorted({m for m in ids if m and ids.count(m) > 1})
    assert repeated == []


def test_the_catalog_has_no_fuzzy_entries():
    fuzzy = [message.id for message in zh_catalog() if message.id and message.fuzzy]
    assert not fuzzy, f"fuzzy entries are not used at runtime; review and unmark them: {fuzzy}"


def test_translations_keep_exactly_the_placeholders_of_their_msgid():
    wrong = []
    for message in translated_entries():
        expected = {name for msgid in _ids(message.id) for name in PLACEHOLDER.findall(msgid)}
        for text in _ids(message.string):
            if set(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"{_ids(message.id)[0]!r} -> {text!r}")
    assert not wrong, "placeholders differ between msgid and translation:\n" + "\n".join(wrong)


def test_translations_format_wherever_their_msgid_formats():
    """Newstyle Jinja gettext always applies `%`: a stray `%` (write `%%`) in a translation would crash the page."""
    broken = []
    for message in translated_entries():
        for msgid, text in zip(_ids(message.id), _ids(message.string), strict=False):
            params = {name: "x" for name in PLACEHOLDER.findall(msgid)}
            try:
                msgid % params
            except (ValueError, TypeError, KeyError):
                continue
            try:
                text % params
            except (ValueError, TypeError, KeyError) as exc:
                broken.append(f"{text!r}: {exc}")
    assert not broken, "translations that cannot be formatted:\n" + "\n".join(broken)


def _in_locale(locale: str, message: str, **params: object) -> str:
    def run() -> str:
        i18n.set_locale(locale)
        return i18n.gettext(message, **params)

    return contextvars.copy_context().run(run)


def test_gettext_uses_the_chinese_catalog_for_zh_cn():
    assert _in_locale("zh_CN", "Log in") == "登录"
    assert _in_locale("zh_CN", "Pay %(amount)s CNY", amount="1,234.00") == "支付 1,234.00 元"


def test_gettext_returns_the_english_source_for_en():
    assert _in_locale("en", "Log in") == "Log in"
    assert _in_locale("en", "Pay %(amount)s CNY", amount="1,234.00") == "Pay 1,234.00 CNY"


def test_an_unknown_locale_falls_back_to_chinese():
    assert _in_locale("fr", "Log in") == "登录"


@pytest.mark.parametrize(
    ("cookie", "accept_language", "expected"),
    [
        ("en", "zh-CN,zh;q=0.9", "en"),  # the switch on the page wins over the browser
        ("zh_CN", "en-US,en;q=0.9", "zh_CN"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "zh-CN", "zh_CN"),
        (None, "zh-TW,zh;q=0.8", "zh_CN"),
        (None, "fr", "zh_CN"),
        (None, "fr-FR,fr;q=0.9,en;q=0.5", "en"),
        (None, "zh;q=0.2,en;q=0.8", "en"),
        (None, None, "zh_CN"),
        (None, "", "zh_CN"),
        ("fr", "en", "en"),  # a cookie naming no supported language is ignored
        ("", None, "zh_CN"),
    ],
)
def test_negotiate(cookie, accept_language, expected):
    assert i18n.negotiate(cookie, accept_language) == expected


@pytest.mark.parametrize(
    "accept_language",
    [
        "en;q=abc",
        "en;q=",
        "en;q=1;q=2",
        "en;q=nan,zh;q=nan",
        "en;q=inf,zh;q=-inf",
        ";q=0.5",
        ",,,;;;",
        "*",
        "en;q=0.9;level=1, zh;q=x",
        "\x00\xff",
        "en-US," * 500,
    ],
)
def test_negotiate_survives_garbage_accept_language(accept_language):
    assert i18n.negotiate(None, accept_language) in i18n.LOCALES


def test_a_garbage_q_value_drops_only_that_language():
    assert i18n.negotiate(None, "en;q=abc, zh-CN;q=0.5") == "zh_CN"
    assert i18n.negotiate(None, "zh;q=abc, en;q=0.5") == "en"
