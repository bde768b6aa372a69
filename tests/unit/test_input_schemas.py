"""No input can reach a column it does not fit, and every input has a limit.

Given every JSON request body of the API (found from the app's routes, not listed here) and every Varchar
column of every Piccolo table, then:
- every request body refuses unknown fields, every string in it has a maximum length and a pattern that
  refuses NUL and bidi controls, every whole number has bounds and every list or map a maximum size;
- every Varchar column is accounted for: written from an input (its text kind and request fields no longer
  than the column), from a fixed set of choices (each fits), or by the server (never from a request);
- a new column or a new request field without a limit makes this test fail and name it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Any

import msgspec
import pytest
from piccolo.columns import Varchar
from piccolo.conf.apps import Finder

from claims.model import DENIAL_CODES, ClaimStatus
from insure.accounts.model import AllocationStatus, Bucket, DeclarationStatus, DividendOption, DividendStyle, EntryKind
from insure.app import create_app
from insure.applications.model import RELATIONS
from insure.i18n import LOCALES
from insure.policies.endorsements import KINDS
from insure.text_input import LIMITS, parse_decimal
from products.services import CHANNELS

Struct = type[msgspec.Struct]

# Varchar columns written from what a request sends: the text kind the services clean it as, and the request
# fields (Struct name, field) whose schema limit must fit too.
FROM_INPUT: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "User.email": ("email", [("RegisterRequest", "email")]),
    "User.name": ("name", [("RegisterRequest", "name")]),
    "User.mobile": ("mobile", [("RegisterRequest", "mobile")]),
    "User.id_number": ("id_number", [("RegisterRequest", "id_number")]),
    "Policy.address": ("address", [("ApplicationRequest", "address"), ("EndorsementRequest", "address")]),
    "Policy.contact_mobile": ("mobile", [("EndorsementRequest", "mobile")]),
    "Policy.contact_email": ("email", [("EndorsementRequest", "email")]),
    "Policy.insured_name": ("name", [("InsuredIn", "name")]),
    "Policy.insured_id_number": ("id_number", [("InsuredIn", "id_number")]),
    "Application.insured_name": ("name", [("InsuredIn", "name")]),
    "Application.insured_id_number": ("id_number", [("InsuredIn", "id_number")]),
    "Application.address": ("address", [("ApplicationRequest", "address")]),
    "ApplicationEvent.reason": ("reason", [("DecisionRequest", "reason")]),
    "PolicyEvent.reason": ("reason", [("ReinstatementDecision", "reason")]),
    "Reinstatement.reason": ("reason", [("ReinstatementDecision", "reason")]),
    "ClaimEvent.reason": ("reason", [("ClaimDecisionRequest", "reason")]),
    "Claim.decision_reason": ("reason", [("ClaimDecisionRequest", "reason")]),
    "ClaimInvoice.number": ("code", [("InvoiceIn", "number")]),  # claims.invoices.NUMBER_KIND
    "ClaimInvoice.issuer": ("name", [("InvoiceIn", "issuer")]),  # claims.invoices.ISSUER_KIND
}
# the longest value each bounded number can be stored as (weight: 2 decimals, at most 300 kg)
WEIGHT = parse_decimal("300.00", ge=Decimal(2), le=Decimal(300), places=2)
FROM_CHOICES: dict[str, tuple[str, ...]] = {
    "Claim.denial_code": DENIAL_CODES,
    "Claim.status": tuple(ClaimStatus),
    "ClaimEvent.from_status": ("", *ClaimStatus),
    "ClaimEvent.to_status": tuple(ClaimStatus),
    "User.locale": LOCALES,
    "User.role": ("customer", "agent", "adjuster", "underwriter", "actuary", "admin"),
    "Policy.relation": RELATIONS,
    "Application.relation": RELATIONS,
    "Application.insured_sex": ("male", "female"),
    "Application.smoker": ("true", "false"),
    "Application.weight_kg": (str(WEIGHT),),
    "Endorsement.kind": KINDS,
    "Quote.channel": CHANNELS,
    "Policy.channel": CHANNELS,
    "Policy.insured_sex": ("", "male", "female"),
    "Policy.dividend_option": ("", *DividendOption),
    "Application.dividend_option": ("", *DividendOption),
    "Declaration.status": tuple(DeclarationStatus),
    "DeclarationEvent.from_status": ("", *DeclarationStatus),
    "DeclarationEvent.to_status": tuple(DeclarationStatus),
    "DividendAllocation.status": tuple(AllocationStatus),
    "DividendAllocation.style": tuple(DividendStyle),
    "DividendAllocation.option_applied": ("", *DividendOption),
    "AccountEntry.kind": tuple(EntryKind),
    "AccountEntry.bucket": tuple(Bucket),
}
# written by the server only: generated ids and numbers, statuses, catalog codes, tokens, hashes, digests
BY_SERVER = {
    # participating accounts: numbers, keys and memos the server makes; rates are parsed Decimals written back
    # as normalised text by the declaration service (which refuses more than 12 characters)
    "Declaration.number",
    "Declaration.insurer_code",
    "Declaration.investment_yield",
    "Declaration.mortality_ratio",
    "Declaration.expense_ratio",
    "Declaration.policyholder_share",
    "Declaration.accumulation_rate",
    "Declaration.bonus_rate",
    "Declaration.terminal_bonus_rate",
    "Declaration.reason",
    "Declaration.run_phase",
    "DeclarationEvent.actor",
    "DeclarationEvent.reason",
    "DividendAllocation.alloc_key",
    "AccountEntry.entry_key",
    "AccountEntry.memo",
    "AccountEntry.actor",
    "User.password_hash",
    "ApiToken.token_hash",
    "LedgerAccount.code",
    "LedgerAccount.kind",
    "LedgerAccount.name",
    "JournalEntry.idempotency_key",
    "JournalEntry.memo",
    "JournalEntry.source_type",
    "JournalLine.currency",
    "OutboxMessage.task",
    "OutboxMessage.last_error",
    "Policy.number",
    "Policy.quote_id",
    "Policy.application_number",
    "Policy.bank_account_last4",
    "Policy.bank_account_token",
    "Policy.loading",
    "Policy.insurer_code",
    "Policy.product_code",
    "Policy.product_version",
    "Policy.currency",
    "Policy.status",
    "Policy.renewal_quote_id",
    "Policy.renewal_of",
    "PolicyEvent.from_status",
    "PolicyEvent.to_status",
    "PolicyEvent.actor",
    "Instalment.inst_key",
    "Instalment.status",
    "Endorsement.actor",
    "Reinstatement.number",
    "Reinstatement.status",
    "Reinstatement.declared_by",
    "Reinstatement.decided_by",
    "Reinstatement.request_key",  # "<user id>:<Idempotency-Key>", the key checked to 8–80 characters
    "Claim.request_key",  # "<user id>:<Idempotency-Key or form token>", the key checked to 8–80 characters
    "Claim.request_hash",  # a SHA-256 hex digest of the request
    "Claim.ruleset_version",  # the version of the claim rules that assessed it
    "ClaimDeadline.kind",
    "ClaimNotice.notice_key",  # made by claims.notices from ids
    "ClaimNotice.kind",
    "ClaimNotice.recipient",  # the e-mail address of the user it went to
    "ClaimDocument.content_type",  # sniffed from the bytes
    "ClaimDocument.sha256",
    "ClaimDocument.path",  # made by the server, never from the name given
    "ClaimDocument.filename",  # the uploaded name, cleaned and cut by the server
    "ClaimDocument.doc_type",
    "ClaimsStaff.team",
    "ClaimExclusion.code",  # one of the product's exclusion codes, checked by claims.exclusions before it is stored
    "BeneficiaryClaim.share",  # the policy's own share (claims.beneficiary)
    "BeneficiaryClaim.account_last4",  # of a bank account the gateway tokenised
    "BeneficiaryClaim.account_token",
    "Payment.currency",
    "Payment.purpose",
    "Payment.status",
    "Payment.provider",
    "Payment.gateway_ref",
    "Payment.card_last4",
    "Payment.card_token",
    "Payment.failure_code",
    "Payment.idempotency_key",  # the Idempotency-Key checked to 8–80 characters, with a prefix
    "Payment.request_hash",
    "SandboxCharge.gateway_ref",
    "SandboxCharge.outcome",
    "Refund.reason",
    "Refund.status",
    "Refund.gateway_ref",
    "SandboxCard.token",
    "SandboxCard.last4",
    "SandboxCard.recurring_outcome",
    "Payout.payout_key",
    "Payout.reason",
    "Payout.account_last4",
    "Payout.account_token",
    "Payout.status",
    "Payout.gateway_ref",
    "SandboxBankAccount.token",
    "SandboxBankAccount.last4",
    "Document.doc_key",
    "Document.kind",
    "Document.owner_type",
    "Document.status",
    "Document.path",
    "Document.content_type",
    "ClockSetting.updated_by",
    "Application.number",
    "Application.quote_id",  # an existing quote's id, looked up before anything is stored
    "Application.product_code",
    "Application.product_type",
    "Application.status",
    "Application.bank_account_last4",
    "Application.bank_account_token",
    "Application.loading",  # percent with 2 decimals / 100 (≤ "3.0000"), or underwriting's own loadings
    "Application.policy_number",
    "Application.renewal_of",  # an existing policy's number, checked before anything is stored
    "ApplicationEvent.from_status",
    "ApplicationEvent.to_status",
    "ApplicationEvent.actor",
    "Quote.public_id",
    "Quote.insurer_code",
    "Quote.product_code",  # a product of the catalog, looked up before the quote is stored
    "Quote.product_version",
    "Quote.basis",  # cut to 255 when stored
    "Quote.currency",
    "Claim.number",
    "Claim.coverage_code",  # one of the product's coverage codes (claim_invalid otherwise)
    "Claim.currency",
    "ClaimEvent.actor",
    "WorkAttempt.work_key",  # "<task name>:<business id>", both cut to their columns by insure.work
    "WorkAttempt.kind",
    "WorkAttempt.business_id",
    "WorkAttempt.status",
    "WorkAttempt.last_error",  # the worker's exception text, cut to 255
    "WorkAttemptEvent.from_status",
    "WorkAttemptEvent.to_status",
    "WorkAttemptEvent.actor",
    "WorkAttemptEvent.reason",
    "StateEvent.aggregate",  # a Lifecycle's name, set in code
    "StateEvent.from_status",
    "StateEvent.to_status",
    "StateEvent.actor",
    "StateEvent.reason",  # cut to 255 by insure.state.transition
    "BatchRun.run_key",  # "<job>:<business day>:<pass>", a registered job's name (set in code)
    "BatchRun.job",
    "BatchRun.status",
    "BatchRun.owner",  # "runner:<12 hex digits>"
}


@cache
def varchar_columns() -> dict[str, int]:
    return {
        f"{table.__name__}.{column._meta.name}": column.length
        for table in Finder().get_table_classes()
        for column in table._meta.columns
        if isinstance(column, Varchar)
    }


@cache
def request_bodies() -> dict[str, Struct]:
    """Every msgspec Struct a route takes as its JSON body, with the Structs nested in it."""
    found: dict[str, Struct] = {}

    def walk(info: msgspec.inspect.Type) -> None:
        if isinstance(info, msgspec.inspect.StructType) and info.cls.__name__ not in found:
            found[info.cls.__name__] = info.cls
            for field in info.fields:
                walk(field.type)
        for child in _children(info):
            walk(child)

    for route in create_app().routes:
        for handler in getattr(route, "route_handlers", []):
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is not None and route.path.startswith("/api/"):
                walk(msgspec.inspect.type_info(data.annotation))
    return found


def _children(info: msgspec.inspect.Type) -> list[msgspec.inspect.Type]:
    if isinstance(info, msgspec.inspect.UnionType):
        return list(info.types)
    if isinstance(info, msgspec.inspect.ListType | msgspec.inspect.SetType | msgspec.inspect.FrozenSetType):
        return [info.item_type]
    if isinstance(info, msgspec.inspect.DictType):
        return [info.key_type, info.value_type]
    return []


def _limit_problems(where: str, info: msgspec.inspect.Type) -> list[str]:
    """Why this type (in a request body) is not bounded; nested Structs are checked on their own."""
    problems: list[str] = []
    if isinstance(info, msgspec.inspect.StrType):
        if info.max_length is None:
            problems.append(f"{where}: a string without max_length")
        pattern = info.pattern or ""
        for bad in ("\x00", "\u202e", "\x1b"):
            if not pattern or re.search(pattern, f"a{bad}b"):
                problems.append(f"{where}: its pattern lets {bad!r} through")
                break
    elif isinstance(info, msgspec.inspect.IntType):
        if (info.ge is None and info.gt is None) or (info.le is None and info.lt is None):
            problems.append(f"{where}: a whole number without ge/le bounds")
    elif isinstance(info, msgspec.inspect.ListType | msgspec.inspect.DictType | msgspec.inspect.SetType):
        if info.max_length is None:
            problems.append(f"{where}: a list or map without max_length")
    elif isinstance(info, msgspec.inspect.AnyType | msgspec.inspect.FloatType):
        problems.append(f"{where}: {type(info).__name__} accepts anything; give it a type with limits")
    elif isinstance(info, msgspec.inspect.StructType):
        return problems
    for child in _children(info):
        problems += _limit_problems(where, child)
    return problems


def test_the_routes_take_json_bodies() -> None:
    bodies = request_bodies()
    assert {"RegisterRequest", "ApplicationRequest", "EndorsementRequest", "ClaimRequest", "InsuredIn"} <= set(bodies)


@pytest.mark.parametrize("name", sorted(request_bodies()))
def test_every_request_body_refuses_unknown_fields_and_bounds_every_value(name: str) -> None:
    info: Any = msgspec.inspect.type_info(request_bodies()[name])
    assert info.forbid_unknown_fields, f"{name} must refuse unknown fields (derive it from RequestBody)"
    problems = [p for field in info.fields for p in _limit_problems(f"{name}.{field.name}", field.type)]
    assert not problems, "\n".join(problems)


def test_every_varchar_column_is_accounted_for() -> None:
    columns = varchar_columns()
    known = set(FROM_INPUT) | set(FROM_CHOICES) | BY_SERVER
    unaccounted = sorted(set(columns) - known)
    assert not unaccounted, f"say where these columns get their values (test_input_schemas.py): {unaccounted}"
    assert not sorted(known - set(columns)), "columns listed here that no longer exist"


def _field_max_length(struct: Struct, field_name: str) -> int:
    info: Any = msgspec.inspect.type_info(struct)
    field = next(f for f in info.fields if f.name == field_name)
    types = [field.type, *_children(field.type)]
    lengths = [t.max_length for t in types if isinstance(t, msgspec.inspect.StrType) and t.max_length is not None]
    assert lengths, f"{struct.__name__}.{field_name} has no max_length"
    return max(lengths)


@pytest.mark.parametrize("column", sorted(FROM_INPUT))
def test_no_input_is_longer_than_the_column_it_is_stored_in(column: str) -> None:
    length = varchar_columns()[column]
    kind, fields = FROM_INPUT[column]
    assert LIMITS[kind] <= length, f"{column} ({length}) is shorter than the {kind!r} limit {LIMITS[kind]}"
    bodies = request_bodies()
    for struct_name, field_name in fields:
        assert _field_max_length(bodies[struct_name], field_name) <= length, f"{struct_name}.{field_name} > {column}"


@pytest.mark.parametrize("column", sorted(FROM_CHOICES))
def test_every_choice_fits_its_column(column: str) -> None:
    length = varchar_columns()[column]
    assert all(len(choice) <= length for choice in FROM_CHOICES[column]), column
