"""Who may make a death claim on a policy that is not theirs (pure).

The death benefit goes to the beneficiaries the policy names (Policy.beneficiaries: name, relation, share), or to
the insured's legal heirs when it names none. A signed-in person claims as a beneficiary when:

- they know the policy number and the insured's resident ID number (what a family member holds: the policy
  document and the insured's identity card), and
- the identity on their account matches a named beneficiary: the name on the account (whose resident ID number was
  checked at registration: MOD 11-2 and birth date) equals the beneficiary's name, and the beneficiary's ID number
  too when the policy records one; their claim is for their share of the benefit; or
- the policy names no beneficiary (legal heirs) and they are the policyholder: they claim the whole benefit for the
  heirs (the relationship proof the death claim asks for is checked by the adjuster).

Anything else reads as "no such policy" (404), so the form cannot be used to learn who is insured or named.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

HUNDRED = Decimal(100)


def _name(value: object) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(value or "")).split()).casefold()


def _id(value: object) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip().upper()


def insured_matches(policy: dict, insured_id_number: str) -> bool:
    return bool(insured_id_number) and _id(policy.get("insured_id_number")) == _id(insured_id_number)


def beneficiary_share(user: dict, policy: dict, named: list) -> Decimal | None:
    """The share (percent) of the benefit ``user`` may claim as a beneficiary of ``policy``, or None."""
    if not named:  # the legal heirs: the policyholder claims for them
        return HUNDRED if policy.get("customer") == user.get("id") else None
    if not _id(user.get("id_number")):  # a named beneficiary proves who they are with the ID on their account
        return None
    for item in named:
        if not isinstance(item, dict) or not _name(item.get("name")):
            continue
        if _name(item.get("name")) != _name(user.get("name")):
            continue
        if item.get("id_number") and _id(item["id_number"]) != _id(user.get("id_number")):
            continue
        try:
            share = Decimal(str(item.get("share", "100")))
        except InvalidOperation:
            continue
        if Decimal(0) < share <= HUNDRED:
            return share
    return None
