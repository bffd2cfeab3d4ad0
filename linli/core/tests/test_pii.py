import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linli.core import pii


def test_valid_id_number_is_normalised_and_parsed():
    value = pii.validate_id_number(" 11010519491231002x ")
    assert value == "11010519491231002X"
    assert pii.id_number_birth_date(value) == dt.date(1949, 12, 31)
    assert pii.id_number_gender(value) == "F"


@pytest.mark.parametrize(
    "bad",
    [
        "110105194912310021",  # wrong check digit
        "11010519491231002",  # 17 characters
        "1101051949123100AX",  # letters inside
        "110105194913310027",  # month 13
        "110105209912310021",  # born in the future
    ],
)
def test_invalid_id_numbers_are_refused(bad):
    with pytest.raises(pii.PIIError):
        pii.validate_id_number(bad)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_digit_always_validates_when_birth_date_is_real(first17):
    candidate = "110105" + "19800101" + first17[14:17]
    full = candidate + pii.id_check_digit(candidate)
    assert pii.validate_id_number(full) == full


def test_phone_validation_and_masking():
    assert pii.validate_phone("+86 138 1234 5678") == "13812345678"
    assert pii.validate_phone("021-65551234") == "021-65551234"
    with pytest.raises(pii.PIIError):
        pii.validate_phone("12345")
    assert pii.mask_phone("13812341234") == "138****1234"
    assert pii.mask_id_number("310109195203150027") == "3101**********0027"


def test_encryption_round_trip_is_randomised_and_blind_index_is_stable():
    a, b = pii.encrypt("310109195203150027"), pii.encrypt("310109195203150027")
    assert a != b and "310109" not in a
    assert pii.decrypt(a) == pii.decrypt(b) == "310109195203150027"
    assert pii.blind_index("x") == pii.blind_index("x") != pii.blind_index("y")
    assert pii.encrypt("") == "" and pii.decrypt("") == "" and pii.blind_index("") == ""


def test_tampered_ciphertext_is_refused():
    token = pii.encrypt("13812341234")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(Exception):  # noqa: B017 - any authentication failure is fine
        pii.decrypt(tampered)
