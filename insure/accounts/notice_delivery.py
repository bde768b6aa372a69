"""Delivering the annual dividend notice: the PDF (rendered on the documents queue when first asked for) and the
e-mail (queued by the crediting, sent by a worker).

The PDF is one file in both languages, the policyholder's language first and the other on the next page, like
the claim decision letter: the Chinese text is the one that counts, and a policyholder who reads English gets
the same figures beside it without asking for a second document. The page and the e-mail carry the figures at
once: at a million policies the PDFs are rendered on demand (≈ 0.3 s each), never inside the declaration.
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from insure import clock, document_store, i18n, mail
from insure.accounts import notices
from insure.auth.tables import User
from insure.settings import get_settings
from insure.templating import render
from products import services as products

KIND = "dividend_notice"
RENDER_TASK = "documents.render_dividend_notice"
EMAIL_TASK = "accounts.notice_email"


def doc_key(allocation_id: int) -> str:
    return f"{KIND}:{allocation_id}"


def page_url(notice: notices.Notice) -> str:
    return f"/policies/{notice.policy_number}/dividend-notices/{notice.declaration_number}"


async def _holder(policy: dict) -> dict:
    return await User.select(User.name, User.email, User.locale).where(User.id == policy["customer"]).first()


def _languages(first: str) -> list[str]:
    first = first if first in i18n.LOCALES else i18n.DEFAULT_LOCALE
    return [first, *(loc for loc in i18n.LOCALES if loc != first)]


async def _html(policy: dict, notice: notices.Notice) -> str:
    holder = await _holder(policy)
    product = products.quoted_product(policy)
    pages = []
    for locale in _languages(holder["locale"]):
        with i18n.use_locale(locale):
            pages.append(
                render(
                    "accounts/pdf_notice_page.html",
                    notice=notice,
                    policy=policy,
                    product=product,
                    holder=holder,
                    statement=i18n.gettext(notices.STATEMENT),
                    generated_at=clock.now(),
                    **notices.words(),
                )
            )
    return render("accounts/pdf_notice.html", pages=[Markup(p) for p in pages])


async def render_pdf(allocation_id: int) -> bool:
    """Worker (``documents.render_dividend_notice``): render and store the notice once; False if it has none."""
    found = await notices.notice_of_allocation(allocation_id)
    if found is None:
        return False
    policy, notice = found
    await document_store.store_pdf(
        doc_key=doc_key(allocation_id),
        kind=KIND,
        owner_type="dividend_allocation",
        owner_id=allocation_id,
        relative=f"policies/{policy['number']}/dividend-notice-{notice.declaration_number}.pdf",
        html=await _html(policy, notice),
    )
    return True


async def pdf_status(allocation_id: int) -> str:
    """``ready``, ``pending`` or ``failed`` (its rendering parked for staff); asks for it the first time."""
    key = doc_key(allocation_id)
    doc = await document_store.find(key)
    if doc is None:
        await document_store.request(key, KIND, "dividend_allocation", allocation_id, RENDER_TASK)
        doc = await document_store.find(key)
    return str(doc["status"]) if doc else "pending"


async def pdf_path(allocation_id: int) -> Path:
    """The stored PDF; 409 ``document_not_ready`` while it is rendered (and asks for it the first time)."""
    await pdf_status(allocation_id)
    return await document_store.ready_path(doc_key(allocation_id))


def email_text(notice: notices.Notice, name: str, url: str) -> tuple[str, str]:
    """(subject, body) in the current language: the figures themselves and the link to the notice."""
    g = i18n.gettext
    subject = g(
        "Your %(year)s dividend notice for policy %(number)s", year=notice.fund.year, number=notice.policy_number
    )
    lines = [
        g("Dear %(name)s,", name=name),
        "",
        g(
            "The participating fund has declared its %(year)s dividend. For policy %(number)s (policy year "
            "%(policy_year)s, anniversary %(date)s):",
            year=notice.fund.year,
            number=notice.policy_number,
            policy_year=notice.policy_year,
            date=notice.anniversary.isoformat(),
        ),
    ]
    if notice.style == "reversionary_bonus":
        lines.append(g("Reversionary bonus added to your cover: %(amount)s CNY", amount=notice.bonus_sum))
    else:
        lines += [
            g("Your dividend: %(amount)s CNY", amount=notice.dividend),
            "  " + g("From investment returns: %(amount)s CNY", amount=notice.sources["interest"]),
            "  " + g("From mortality experience: %(amount)s CNY", amount=notice.sources["mortality"]),
            "  " + g("From expenses: %(amount)s CNY", amount=notice.sources["expense"]),
            g(
                "Applied as: %(option)s",
                option=g(notices.OPTION_NAMES.get(notice.option_applied, notice.option_applied)),
            ),
        ]
    lines += [
        g(
            "Accumulated dividends before: %(before)s CNY, after: %(after)s CNY",
            before=notice.before["accumulated"],
            after=notice.after["accumulated"],
        ),
        "",
        g("The full notice, with the fund's results and the values used: %(url)s", url=url),
        "",
        g(notices.STATEMENT),
    ]
    return subject, "\n".join(lines)


async def send_email(allocation_id: int) -> bool:
    """Worker (``accounts.notice_email``): e-mail the policyholder the notice in their language (no PDF attached:
    the link leads to the page, where the PDF is made when asked for). False when the allocation has no notice."""
    found = await notices.notice_of_allocation(allocation_id)
    if found is None:
        return False
    policy, notice = found
    holder = await _holder(policy)
    with i18n.use_locale(holder["locale"] if holder["locale"] in i18n.LOCALES else i18n.DEFAULT_LOCALE):
        subject, body = email_text(notice, holder["name"], get_settings().public_url + page_url(notice))
    mail.send(holder["email"], subject, body)
    return True
