"""Who may claim a death benefit on a policy that is not theirs (claims/beneficiary_rules.py)."""

from __future__ import annotations

from decimal import Decimal

from claims.beneficiary_rules import beneficiary_share, insured_matches

POLICY = {"customer": 1, "insured_id_number": "11010519491231002X"}
NAMED = [
    {"name": "李秀英", "relation": "spouse", "share": "60"},
    {"name": "王小明", "relation": "child", "share": "40"},
]


def user(id_: int, name: str, id_number: str = "110105198507010012") -> dict:
    return {"id": id_, "name": name, "id_number": id_number, "role": "customer"}


def test_a_named_beneficiary_claims_their_share():
    assert beneficiary_share(user(2, "李秀英"), POLICY, NAMED) == Decimal(60)
    assert beneficiary_share(user(3, " 王小明 "), POLICY, NAMED) == Decimal(40)  # spacing does not matter


def test_someone_not_named_or_without_an_id_number_on_their_account_may_not():
    assert beneficiary_share(user(4, "张伟"), POLICY, NAMED) is None
    assert beneficiary_share(user(1, "王建国"), POLICY, NAMED) is None  # the policyholder, not named
    assert beneficiary_share(user(2, "李秀英", id_number=""), POLICY, NAMED) is None


def test_a_recorded_beneficiary_id_number_must_match_too():
    named = [{"name": "李秀英", "relation": "spouse", "share": "100", "id_number": "110105198507010012"}]
    assert beneficiary_share(user(2, "李秀英"), POLICY, named) == Decimal(100)
    assert beneficiary_share(user(5, "李秀英", id_number="310104199001010015"), POLICY, named) is None


def test_for_the_legal_heirs_only_the_policyholder_claims_the_whole_benefit():
    assert beneficiary_share(user(1, "王建国"), POLICY, []) == Decimal(100)
    assert beneficiary_share(user(2, "李秀英"), POLICY, []) is None


def test_the_insured_is_found_by_their_id_number_whatever_the_case_of_the_check_letter():
    assert insured_matches(POLICY, "11010519491231002x")
    assert not insured_matches(POLICY, "110105194912310038")
    assert not insured_matches(POLICY, "")
