"""Endorsements (保全): changes to a policy in force — address, contact, bank account, beneficiaries. Each is
validated like the application was, applied and kept as a dated version (before / after, who), in one
transaction; the policy page shows the history."""

from __future__ import annotations

import re

from insure import clock
from insure.applications.model import consent_problems, parse_beneficiaries, ticked
from insure.auth.validation import MOBILE_RE, email_problem
from insure.db import for_update, transaction
from insure.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from insure.payments import payouts
from insure.policies.model import PolicyStatus
from insure.policies.tables import Endorsement, Policy
from insure.tables_base import json_value
from insure.text_input import take

KINDS = ("address", "contact", "bank_account", "beneficiaries")
OPEN = (PolicyStatus.IN_FORCE, PolicyStatus.LAPSED)


def _changes(kind: str, data: dict) -> tuple[dict, list[FieldError]]:
    """The new values for the policy's columns, or the problems with them."""
    if kind == "address":
        errors: list[FieldError] = []
        address = take(data, "address", "address", errors)
        if errors:
            return {}, errors
        if not 5 <= len(address) <= 255:
            return {}, [FieldError("address", "address_invalid", N_("Enter the policyholder's address."))]
        return {"address": address}, []
    if kind == "contact":
        errors = []
        mobile = re.sub(r"[\s-]", "", take(data, "mobile", "mobile", errors))
        if not MOBILE_RE.match(mobile):
            errors.append(FieldError("mobile", "mobile_invalid", N_("Enter an 11-digit mainland mobile number.")))
        email, problem = email_problem(str(data.get("email") or ""))
        if problem:
            errors.append(problem)
        return {"contact_mobile": mobile, "contact_email": email}, errors
    if kind == "bank_account":
        account = re.sub(r"\s", "", take(data, "bank_account", "digits", []))
        if not re.fullmatch(r"[0-9]{12,19}", account):
            return {}, [
                FieldError(
                    "bank_account",
                    "bank_account_invalid",
                    N_("Enter the 12 to 19 digits of a bank account for refunds and payouts."),
                )
            ]
        return {"bank_account_last4": account[-4:], "bank_account_token": account}, []  # tokenised in endorse()
    if kind == "beneficiaries":
        named, errors = parse_beneficiaries(data.get("beneficiaries"), bool(data.get("legal_heirs")))
        return {
            "beneficiaries": [{"name": b.name, "relation": b.relation, "share": str(b.share)} for b in named]
        }, errors
    return {}, [FieldError("kind", "kind_invalid", N_("Choose what to change."))]


async def endorse(user: dict, number: str, data: dict) -> dict:
    kind = take(data, "kind", "code", [])
    changes, errors = _changes(kind, data)
    if errors:
        raise ValidationFailed(errors)
    async with transaction():
        policy = await for_update(Policy.select().where(Policy.number == number)).first()
        if policy is None or policy["customer"] != user["id"]:
            raise NotFound(N_("No such policy."), code="policy_not_found")
        owed = kind == "bank_account" and await payouts.payouts_awaiting_account(policy["id"])
        if policy["status"] not in OPEN and not owed:  # an ended policy may still need an account for its payout
            raise Conflict(N_("This policy has ended; it can no longer be changed."), code="policy_ended")
        consented = ticked(data.get("insured_consent"))
        if kind == "beneficiaries":  # the adult insured must agree to a change of beneficiary (art. 41)
            problems = consent_problems(policy["relation"], policy["insured_birth_date"], clock.today(), consented)
            if problems:
                raise ValidationFailed(problems)
        if kind == "bank_account":  # the gateway keeps the number; the policy keeps its token
            changes["bank_account_token"] = await payouts.vault_bank_account(changes["bank_account_token"])
        before = {key: json_value(policy[key]) if key == "beneficiaries" else policy[key] for key in changes}
        await Policy.update({getattr(Policy, key): value for key, value in changes.items()}).where(
            Policy.id == policy["id"]
        )
        if owed:
            await payouts.resend_payouts({**policy, **changes}, actor=f"user:{user['id']}")
        rows = await Endorsement.insert(
            Endorsement(
                policy=policy["id"],
                kind=kind,
                before=before,
                after=changes,
                actor=f"user:{user['id']}",
                insured_consent=consented and kind == "beneficiaries",
                at=clock.now(),
            )
        ).returning(*Endorsement.all_columns())
    return _decoded(rows[0])


def _decoded(row: dict) -> dict:
    """The change as stored, with its before/after maps decoded (JSON columns come back as text)."""
    row["before"], row["after"] = json_value(row["before"]), json_value(row["after"])
    return row


async def history(policy_id: int) -> list[dict]:
    rows = await Endorsement.select().where(Endorsement.policy == policy_id).order_by(Endorsement.id)
    return [_decoded(row) for row in rows]
