"""The sandbox gateway's pure rules: card numbers, test-card outcomes, signed notifications."""

from datetime import date

import pytest

from insure.payments.sandbox import (
    CardRejected,
    Notification,
    check_cvc,
    check_expiry,
    luhn_valid,
    normalise_card,
    sandbox_outcome,
    sign,
    verify,
)

SECRET = "test-webhook-secret"


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4242424242424242", True),
        ("4000000000000002", True),
        ("4000000000009995", True),
        ("79927398713", True),
        ("4242424242424241", False),
        ("79927398710", False),
        ("", False),
        ("4242 4242 4242 4242", False),
        ("abcd", False),
    ],
)
def test_luhn(number, valid):
    assert luhn_valid(number) is valid


def test_card_number_is_normalised_from_spaces_and_dashes():
    assert normalise_card("4242 4242-4242 4242") == "4242424242424242"


@pytest.mark.parametrize("number", ["4242424242424241", "42424242424", "4" * 20, "", "4242x4242424242424"])
def test_invalid_card_numbers_are_rejected(number):
    with pytest.raises(CardRejected) as err:
        normalise_card(number)
    assert err.value.code == "card_number_invalid"


@pytest.mark.parametrize(
    ("number", "outcome"),
    [
        ("4242 4242 4242 4242", "succeeded"),
        ("4000000000000002", "card_declined"),
        ("4000-0000-0000-9995", "insufficient_funds"),
        ("5555555555554444", "succeeded"),  # any other Luhn-valid number
    ],
)
def test_test_cards_decide_the_outcome(number, outcome):
    assert sandbox_outcome(number) == outcome


def test_outcome_of_an_invalid_card_is_a_rejection():
    with pytest.raises(CardRejected):
        sandbox_outcome("1234")


def test_expiry_is_the_end_of_the_month():
    today = date(2026, 6, 15)
    check_expiry(6, 2026, today=today)  # still valid this month
    check_expiry(1, 2030, today=today)
    for month, year in ((5, 2026), (12, 2025), (13, 2030)):
        with pytest.raises(CardRejected) as err:
            check_expiry(month, year, today=today)
        assert err.value.code == "card_expired"


def test_cvc_is_three_or_four_digits():
    check_cvc("123")
    check_cvc("1234")
    for cvc in ("12", "12345", "abc", ""):
        with pytest.raises(CardRejected) as err:
            check_cvc(cvc)
        assert err.value.code == "cvc_invalid"


def test_signature_verifies_only_the_signed_payload_and_secret():
    # given a signed notification, then it verifies; altered by one byte, or with another secret, it does not
    payload = b'{"amount_fen":39000}'
    signature = sign(payload, SECRET)
    assert len(signature) == 64 and int(signature, 16) >= 0
    assert verify(payload, signature, SECRET)
    assert not verify(b'{"amount_fen":39001}', signature, SECRET)
    assert not verify(payload, signature, "another-secret")
    assert not verify(payload, signature.upper() + "0", SECRET)
    assert not verify(payload, "", SECRET)
    assert not verify(payload, "签名", SECRET)


def test_signing_needs_a_secret():
    with pytest.raises(ValueError):
        sign(b"x", "")


def test_notification_round_trip_is_canonical():
    sent = Notification(payment_id=7, gateway_ref="sbx_abc", status="succeeded", amount_fen=39000, failure_code=None)
    data = sent.to_bytes()
    assert data == (
        b'{"amount_fen":39000,"failure_code":null,"gateway_ref":"sbx_abc","payment_id":7,"status":"succeeded"}'
    )
    assert Notification.from_bytes(data) == sent
    failed = Notification(7, "sbx_def", "failed", 39000, "card_declined")
    assert Notification.from_bytes(failed.to_bytes()) == failed


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"payment_id":7}',
        b'{"amount_fen":1,"failure_code":null,"gateway_ref":"r","payment_id":"7","status":"succeeded"}',
        b'{"amount_fen":1,"failure_code":null,"gateway_ref":"r","payment_id":true,"status":"succeeded"}',
        b'{"amount_fen":1.5,"failure_code":null,"gateway_ref":"r","payment_id":7,"status":"succeeded"}',
        b'{"amount_fen":1,"failure_code":null,"gateway_ref":"r","payment_id":7,"status":"maybe"}',
        b'{"amount_fen":1,"failure_code":null,"gateway_ref":"r","payment_id":7,"status":"failed"}',
        b'{"amount_fen":1,"failure_code":"x","gateway_ref":"r","payment_id":7,"status":"succeeded"}',
        b'{"amount_fen":0,"failure_code":null,"gateway_ref":"r","payment_id":7,"status":"succeeded"}',
        b'{"amount_fen":1,"extra":1,"failure_code":null,"gateway_ref":"r","payment_id":7,"status":"succeeded"}',
    ],
)
def test_malformed_notifications_are_value_errors(data):
    with pytest.raises(ValueError):
        Notification.from_bytes(data)
