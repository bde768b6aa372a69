"""The benefit illustration a customer reads, over HTTP against the real stack: the summary in plain words, the
chart above the table, the bonus product's growing cover, both languages, and the PDF a worker renders."""

from __future__ import annotations

import base64
import re
import subprocess
import unicodedata

import httpx
import pytest

from .helpers import wait_for

pytestmark = pytest.mark.integration

INSURED = {"birth_date": "1986-01-01", "sex": "male", "sum_insured": "100000"}
CHART = re.compile(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "illustration.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    # pdftotext returns some CJK characters as Kangxi radicals; NFKC maps them back
    return unicodedata.normalize("NFKC", out.stdout.decode())


def page(stack, path: str, locale: str) -> str:
    with httpx.Client(base_url=stack.base_url, timeout=15, headers={"Accept-Language": locale}) as browser:
        r = browser.get(path)
    assert r.status_code == 200, r.text
    return r.text


def test_a_bonus_product_illustration_shows_the_summary_the_chart_and_the_growing_cover(api, stack, tmp_path):
    # given a quote for the changan reversionary-bonus whole life, ten annual premiums
    q = api.post(
        "/quotes",
        json={"product_code": "wl_bonus_changan", **INSURED, "policy_term": "whole_life", "premium_term": "10"},
    ).json()
    # when the customer opens its illustration in English
    html = page(stack, f"/quotes/{q['id']}/illustration", "en")
    # then a short summary comes first, in plain words, saying bonuses are not guaranteed
    assert re.search(r"If you pay [\d,.]+ CNY a year for 10 years, by age 60 the guaranteed cash value is", html)
    assert "the sum insured could grow to" in html and "Bonuses are not guaranteed." in html
    # and a chart drawn on the server, as an image, before the year-by-year table
    chart = CHART.search(html)
    assert chart and html.index(chart.group(0)) < html.index('<table class="illustration">')
    svg = base64.b64decode(chart.group(1)).decode("utf-8")
    assert "Guaranteed cash value" in svg and "Sum insured with bonuses, Medium" in svg
    assert "Sum insured with bonuses (not guaranteed)" in html and "Total value (not guaranteed)" in html
    # and in Chinese the same page speaks Chinese
    chinese = page(stack, f"/quotes/{q['id']}/illustration", "zh-CN")
    assert "共交 10 年，到 60 岁时保证现金价值为" in chinese and "增额红利和终了红利不保证。" in chinese
    assert "含红利的保险金额（非保证）" in chinese
    # and the PDF a worker renders carries the summary and the bonus columns (in Chinese for a visitor)
    pdf = wait_for(lambda: api.get(f"/quotes/{q['id']}/illustration.pdf"), lambda r: r.status_code == 200, timeout=90)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content, tmp_path)
    assert "保证现金价值为" in text and "增额红利和终了红利不保证" in text and "含红利的保险金额" in text


def test_a_cash_dividend_illustration_follows_the_version_in_force(api, stack):
    q = api.post(
        "/quotes",
        json={"product_code": "wl_par_huaxia", **INSURED, "policy_term": "whole_life", "premium_term": "20"},
    ).json()
    html = page(stack, f"/quotes/{q['id']}/illustration", "en")
    # the age follows the stack's business date (other tests move the demo clock years ahead)
    assert re.search(r"If you pay [\d,.]+ CNY a year for 20 years, by age \d+ the guaranteed cash value is", html)
    assert "Dividends are not guaranteed." in html and CHART.search(html)
    # both versions illustrate dividends above the guaranteed values: 2026-01-01 up to 6 % over its 5 % pricing
    # rate, 2026-12-01 (priced at the 1.75 % cap on guaranteed rates) up to 3.5 %, within the illustration cap
    assert "With dividends at the medium rate it could be" in html
