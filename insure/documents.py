"""HTML → PDF. The only module that imports pdfkit, so the engine can be swapped in one place.

Debian's wkhtmltopdf is the unpatched-Qt build: headers/footers are ignored (put them in the body), and
Chinese text needs fonts-noto-cjk with ``font-family: "Noto Sans CJK SC"`` in the CSS.
"""

from __future__ import annotations

import shutil

import pdfkit

from insure.settings import get_settings

INSTALL_HINT = "wkhtmltopdf is not installed: run `apt-get install -y wkhtmltopdf fonts-noto-cjk` (as root)"

OPTIONS = {
    "encoding": "UTF-8",
    "page-size": "A4",
    "margin-top": "16mm",
    "margin-bottom": "16mm",
    "margin-left": "14mm",
    "margin-right": "14mm",
    "quiet": "",
    "disable-javascript": "",
    "disable-local-file-access": "",
}


class PdfEngineMissing(RuntimeError):
    pass


def wkhtmltopdf_path() -> str:
    path = get_settings().wkhtmltopdf or shutil.which("wkhtmltopdf")
    if not path:
        raise PdfEngineMissing(INSTALL_HINT)
    return path


def html_to_pdf(html: str) -> bytes:
    config = pdfkit.configuration(wkhtmltopdf=wkhtmltopdf_path())
    return pdfkit.from_string(html, False, options=OPTIONS, configuration=config)
