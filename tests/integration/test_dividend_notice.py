"""The annual dividend notice (红利通知书): the page and the e-mail carry the figures at once, the PDF (both
languages) is rendered on the documents queue when first asked for, the API lists and shows it, and another
customer gets 404."""

from __future__ import annotations

import email
import subprocess
import tempfile
import unicodedata
from email import policy as email_policy
from pathlib import Path

import pytest

from insure import outbox
from insure.db import transaction
from tests.conftest import RUN_DIR

from .dividend_notice_helpers import buy_participating, credited_dividend
from .helpers import auth, db, register, wait_for, web_session

pytestmark = pytest.mark.integration

STATEMENT_EN = "Dividends are not guaranteed"
STATEMENT_ZH = "红利分配是不确定的"


def pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(data)
        fh.flush()
        out = subprocess.run(["pdftotext", "-layout", fh.name, "-"], capture_output=True, check=True).stdout
    return " ".join(unicodedata.normalize("NFKC", out.decode()).split())  # Kangxi radicals → CJK; one line


def test_the_notice_page_shows_the_figures_and_the_pdf_follows_in_both_languages(api):
    customer = register(api)
    policy = buy_participating(api, customer)
    credit = credited_dividend(policy["number"], 123456)
    url = f"/policies/{policy['number']}/dividend-notices/{credit['declaration']}"

    with web_session(api, customer["email"]) as web:
        account = web.get(f"/policies/{policy['number']}/account").text
        assert url in account  # the account page lists the notice
        page = web.get(url)
        assert page.status_code == 200, page.text
        html = page.text
        for words in (
            "Annual dividend notice",
            "Distributable surplus",
            "750,000.00 CNY",  # the fund's distributable surplus
            "Contribution from investment returns",
            "Contribution from mortality",
            "Contribution from expenses",
            "Reserve per 1 at the start of the year",
            "Accumulate at interest",
            STATEMENT_EN,
        ):
            assert words in html, words
        assert 'id="notice-dividend">1,234.56 CNY<' in html
        # the account before (nothing) and after (the dividend) this credit
        assert '<td class="num">0.00</td><td class="num">1,234.56</td>' in html

        zh = web.get(url + "?lang=zh_CN").text
        assert STATEMENT_ZH in zh and "利差贡献" in zh

        # the PDF is rendered by a worker on the documents queue, then served
        pdf = wait_for(lambda: web.get(url + ".pdf"), lambda r: r.headers.get("content-type") == "application/pdf")
        assert pdf.status_code == 200, pdf.text[:300]
        text = pdf_text(pdf.content)
        assert "Annual dividend notice" in text and STATEMENT_EN in text
        assert STATEMENT_ZH in text and "年度红利通知书" in text
        assert "1,234.56" in text and policy["number"] in text


def test_the_api_lists_the_notices_and_gives_the_figures_and_another_customer_gets_404(api):
    customer = register(api)
    policy = buy_participating(api, customer)
    credit = credited_dividend(policy["number"], 80000)
    number = policy["number"]

    listed = api.get(f"/policies/{number}/dividend-notices", headers=auth(customer))
    assert listed.status_code == 200, listed.text
    [item] = listed.json()
    assert item["declaration_number"] == credit["declaration"] and item["dividend"] == "800.00"

    one = api.get(f"/policies/{number}/dividend-notices/{credit['declaration']}", headers=auth(customer)).json()
    c = credit["contribution"]
    assert one["sources"]["interest"] == f"{c.interest_fen / 100:.2f}"
    assert one["basis"]["reserve_end"] == c.basis["reserve_end"]
    assert one["before"]["accumulated"] == "0.00" and one["after"]["accumulated"] == "800.00"
    assert one["fund"]["distributable"] == "750000.00" and one["option_applied"] == "accumulate"
    assert STATEMENT_EN in one["statement"]

    missing = api.get(f"/policies/{number}/dividend-notices/DV-none-2020-1", headers=auth(customer))
    assert missing.status_code == 404 and missing.json()["code"] == "notice_not_found"

    other = register(api)
    for path in (
        f"/policies/{number}/dividend-notices",
        f"/policies/{number}/dividend-notices/{credit['declaration']}",
    ):
        r = api.get(path, headers=auth(other))
        assert r.status_code == 404 and r.json()["code"] == "policy_not_found"
    with web_session(api, other["email"]) as web:
        url = f"/policies/{number}/dividend-notices/{credit['declaration']}"
        assert web.get(url).status_code == 404
        assert web.get(url + ".pdf").status_code == 404


async def _enqueue(task: str, allocation_id: int) -> None:
    async with transaction():
        await outbox.enqueue(task, allocation_id)


def _mails(address: str, number: str) -> list[email.message.EmailMessage]:
    """The dividend notice e-mails written for ``address`` about policy ``number``, oldest first."""
    found = []
    for path in sorted(Path(RUN_DIR, "mail").glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
        subject = str(msg["Subject"])
        if msg["To"] == address and number in subject and ("dividend" in subject or "红利" in subject):
            found.append(msg)
    return found


def test_the_notice_email_carries_the_figures_and_the_link_once(api):
    customer = register(api)
    policy = buy_participating(api, customer)
    credit = credited_dividend(policy["number"], 123456)

    # the crediting queued the e-mail
    mails = wait_for(lambda: _mails(customer["email"], policy["number"]), lambda found: len(found) >= 1)
    assert len(mails) == 1
    body = mails[0].get_content()
    assert "1234.56" in body and credit["declaration"] in body and policy["number"] in body
    assert "/dividend-notices/" in body
    assert not list(mails[0].iter_attachments())  # no PDF attached: the page makes it when asked for

    db(_enqueue("accounts.notice_email", credit["allocation"]))  # a redelivery sends nothing twice
    assert (
        len(wait_for(lambda: _mails(customer["email"], policy["number"]), lambda found: len(found) > 1, timeout=6)) == 1
    )
