"""The pages run under a Content-Security-Policy without 'unsafe-inline' (insure/web/headers.py): no page
template may carry an inline script, an on*= event handler or an inline style, or the browser refuses it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# PDF documents are rendered by wkhtmltopdf, and e-mails by mail clients, never under the site's CSP
PAGES = sorted(p for p in TEMPLATES.rglob("*.html") if not {"pdf", "mail"} & set(p.relative_to(TEMPLATES).parts))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_page_template_has_no_inline_script_handler_or_style(path: Path) -> None:
    text = path.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", text), "inline <script>: move it to a file under insure/static"
    assert not re.search(r"\son[a-z]+\s*=", text), "an on*= event handler: use insure/static/app.js"
    assert not re.search(r"\sstyle\s*=|<style", text), "inline style: use insure/static/app.css"
