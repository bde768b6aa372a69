"""What a claim of each kind of benefit asks for, checked (pure): itemised invoices for expense benefits, the
days in hospital for daily benefits, the insured amount for lump sums.

Rules (each refusal names the field, e.g. ``invoices[2].amount``, with a stable code):

- an expense claim has 1 to 50 invoices; each has a number (unique within the claim, compared as cleaned text,
  case-insensitive) and an issuer, a date, the amount billed (more than 0, at most 2 decimals) and the part social
  insurance paid (0 up to the amount billed, at most 2 decimals; empty means 0);
- an invoice is dated no later than today and no earlier than 30 days before the loss date: treatment that starts
  the claim (a consultation, tests before an admission) may be billed shortly before the date of the event, but an
  older invoice belongs to another illness or accident;
- a daily benefit needs the day of discharge: on or after the admission (the loss date), not in the future. The
  days paid are the nights in hospital (discharge − admission), at least one (admitted and discharged the same day).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from claims.kinds import DAILY, EXPENSE, FIXED, ClaimKind
from insure.errors import N_, FieldError
from insure.money import MoneyError, parse_amount, quantize
from insure.text_input import TextRefused, clean, refusal

MAX_INVOICES = 50
INVOICE_BEFORE_LOSS = timedelta(days=30)  # the earliest invoice date, before the loss date
INVOICE_FIELDS = ("number", "issuer", "date", "amount", "social_insurance")
NUMBER_KIND = "code"  # ClaimInvoice.number: Varchar(40)
ISSUER_KIND = "name"  # ClaimInvoice.issuer: Varchar(120), a hospital or clinic name (at most 100)


@dataclass(frozen=True)
class Invoice:
    number: str
    issuer: str
    issued_on: date
    amount: Decimal
    social_insurance: Decimal


def _error(field: str, code: str, message: str, **params: object) -> FieldError:
    return FieldError(field, code, message, dict(params))


def _text(raw: dict, key: str, kind: str, where: str, errors: list[FieldError], message: str) -> str:
    try:
        value = clean(raw.get(key), kind)
    except TextRefused as exc:
        errors.append(refusal(where, exc))
        return ""
    if not value:
        errors.append(_error(where, f"invoice_{key}_missing", message))
    return value


def _amount(value: object, where: str, code: str, errors: list[FieldError], *, zero: bool = False) -> Decimal | None:
    text = "" if value is None else str(value).strip()
    if zero and text in ("", "0", "0.0", "0.00"):
        return Decimal("0.00")
    try:
        return parse_amount(text)
    except MoneyError as exc:
        if exc.code == "too_many_decimals":
            message = N_("An amount has at most two decimals (fen).")
            errors.append(_error(where, "amount_too_many_decimals", message))
        else:
            errors.append(_error(where, code, N_("Enter an amount in CNY greater than zero, e.g. 1200.50.")))
        return None


def _date(value: object, where: str, errors: list[FieldError], loss: date | None, today: date) -> date | None:
    try:
        day = date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors.append(_error(where, "invoice_date_invalid", N_("Enter the invoice date as YYYY-MM-DD.")))
        return None
    if day > today:
        errors.append(_error(where, "invoice_date_in_future", N_("An invoice date cannot be in the future.")))
    elif loss is not None and day < loss - INVOICE_BEFORE_LOSS:
        earliest = (loss - INVOICE_BEFORE_LOSS).isoformat()
        message = N_("An invoice may be dated at most 30 days before the loss (from %(earliest)s).")
        errors.append(_error(where, "invoice_date_before_loss", message, earliest=earliest))
    return day


def _one(raw: dict, where: str, loss: date | None, today: date, errors: list[FieldError]) -> Invoice | None:
    before = len(errors)
    number = _text(raw, "number", NUMBER_KIND, f"{where}.number", errors, N_("Enter the invoice number."))
    issuer = _text(raw, "issuer", ISSUER_KIND, f"{where}.issuer", errors, N_("Enter who issued the invoice."))
    issued_on = _date(raw.get("date"), f"{where}.date", errors, loss, today)
    amount = _amount(raw.get("amount"), f"{where}.amount", "invoice_amount_invalid", errors)
    social = _amount(
        raw.get("social_insurance"), f"{where}.social_insurance", "social_insurance_invalid", errors, zero=True
    )
    if amount is not None and social is not None and social > amount:
        message = N_("Social insurance cannot have paid more than the amount billed.")
        errors.append(_error(f"{where}.social_insurance", "social_insurance_above_amount", message))
    if len(errors) > before:
        return None
    return Invoice(number, issuer, issued_on, amount, social)  # type: ignore[arg-type]


def number_key(number: str) -> str:
    """Invoice numbers compare without case and spacing ("fp 001" is "FP001")."""
    return re.sub(r"[\s-]", "", number).upper()


def parse_invoices(items: object, loss: date | None, today: date) -> tuple[list[Invoice], list[FieldError]]:
    """The invoices of an expense claim, each checked; errors name ``invoices[i].<field>`` (or ``invoices``)."""
    if not isinstance(items, list | tuple) or not items:
        message = N_("Add at least one invoice: its number, issuer, date and amount.")
        return [], [_error("invoices", "invoices_missing", message)]
    if len(items) > MAX_INVOICES:
        message = N_("At most %(max)s invoices per claim; file the others as another claim.")
        return [], [_error("invoices", "invoices_too_many", message, max=MAX_INVOICES)]
    errors: list[FieldError] = []
    invoices: list[Invoice] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(items):
        where = f"invoices[{i}]"
        if not isinstance(raw, dict):
            errors.append(_error(where, "invoice_invalid", N_("Each invoice needs a number, issuer, date and amount.")))
            continue
        invoice = _one(raw, where, loss, today, errors)
        if invoice is None:
            continue
        key = number_key(invoice.number)
        if key in seen:
            message = N_("Invoice %(number)s is already listed in this claim (invoice %(first)s).")
            first = seen[key] + 1
            params = {"number": invoice.number, "first": first}
            errors.append(_error(f"{where}.number", "invoice_number_duplicate", message, **params))
            continue
        seen[key] = i
        invoices.append(invoice)
    return (invoices if not errors else []), errors


def billed(invoices: list[Invoice]) -> Decimal:
    """The amount claimed on an expense claim: the total billed (social insurance is deducted in assessment)."""
    return sum((i.amount for i in invoices), Decimal("0.00"))


def social_insurance_paid(invoices: list[Invoice]) -> Decimal:
    return sum((i.social_insurance for i in invoices), Decimal("0.00"))


def parse_discharge(value: object, admission: date | None, today: date) -> tuple[date | None, list[FieldError]]:
    """The day of discharge for a daily benefit: on or after the admission, not in the future."""
    try:
        day = date.fromisoformat(str(value or "").strip())
    except ValueError:
        message = N_("Enter the date of discharge from hospital as YYYY-MM-DD.")
        return None, [_error("discharge_date", "discharge_date_invalid", message)]
    if day > today:
        message = N_("The date of discharge cannot be in the future.")
        return None, [_error("discharge_date", "discharge_date_in_future", message)]
    if admission is not None and day < admission:
        message = N_("The date of discharge cannot be before the date of admission.")
        return None, [_error("discharge_date", "discharge_before_admission", message)]
    return day, []


def days_in_hospital(admission: date, discharge: date) -> int:
    """The days a daily benefit pays: the nights in hospital, at least one."""
    return max(1, (discharge - admission).days)


def daily_amount(admission: date, discharge: date, per_day: Decimal) -> Decimal:
    return quantize(per_day * days_in_hospital(admission, discharge))


@dataclass(frozen=True)
class Claimed:
    """What a claim of its kind claims: the amount (CNY), its invoices (expense kinds) and discharge (daily)."""

    amount: Decimal | None
    invoices: tuple[Invoice, ...] = ()
    discharge: date | None = None


def claimed_for(
    kind: ClaimKind, data: dict, loss: date | None, today: date, limit: Decimal
) -> tuple[Claimed, list[FieldError]]:
    """The amount claimed, by kind: the cover's limit (fixed), the invoices' total (expense), the days in hospital
    × the limit per day (daily). ``amount`` is not typed for fixed and daily kinds (refused when sent); on an
    expense claim it may be sent as a check and must equal the invoices' total."""
    typed = data.get("amount")
    typed = None if typed in (None, "") else typed
    if kind.pays == FIXED or kind.pays == DAILY:
        errors: list[FieldError] = []
        if typed is not None:
            message = N_("This benefit pays a set amount: leave the amount out.")
            errors.append(_error("amount", "amount_not_claimed", message))
        if kind.pays == FIXED:
            return Claimed(limit), errors
        discharge, more = parse_discharge(data.get("discharge_date"), loss, today)
        errors.extend(more)
        amount = daily_amount(loss, discharge, limit) if loss and discharge else None
        return Claimed(amount, discharge=discharge), errors
    assert kind.pays == EXPENSE, kind.pays
    invoices, errors = parse_invoices(data.get("invoices"), loss, today)
    total = billed(invoices) if invoices else None
    if typed is not None and total is not None:
        try:
            same = parse_amount(str(typed)) == total
        except MoneyError:
            same = False
        if not same:
            message = N_("The amount claimed is the invoices' total (%(total)s): leave it out or correct it.")
            errors.append(_error("amount", "amount_not_invoice_total", message, total=str(total)))
    return Claimed(total, tuple(invoices)), errors
