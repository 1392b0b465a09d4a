"""integrations.xero.client.jsonwire: Xero's JSON decoded with exact amounts."""

from decimal import Decimal

import pytest

from integrations.xero.client import jsonwire


def test_numbers_with_a_fraction_or_an_exponent_become_the_exact_decimals_sent():
    body = b'{"Total": 0.1, "AmountDue": -0.10, "Big": 123456789012345678.12, "Rate": 1E-7, "Scaled": 1e2}'

    decoded = jsonwire.loads(body)

    assert decoded == {
        "Total": Decimal("0.1"),
        "AmountDue": Decimal("-0.10"),
        "Big": Decimal("123456789012345678.12"),
        "Rate": Decimal("1E-7"),
        "Scaled": Decimal("1E+2"),
    }
    assert [str(value) for value in decoded.values()] == ["0.1", "-0.10", "123456789012345678.12", "1E-7", "1E+2"]


def test_whole_numbers_stay_integers_however_large():
    decoded = jsonwire.loads(b'{"pageCount": 100, "Huge": 123456789012345678901234567890}')

    assert decoded == {"pageCount": 100, "Huge": 123456789012345678901234567890}
    assert all(type(value) is int for value in decoded.values())


@pytest.mark.parametrize("body", [b"", b"<html>busy</html>", b'{"Total": NaN}', b'{"Total": Infinity}', b'{"a": 1'])
def test_a_body_that_is_not_json_is_refused_with_a_value_error(body):
    with pytest.raises(ValueError, match=r"malformed|truncated"):
        jsonwire.loads(body)


def test_a_utf8_byte_order_mark_is_skipped():
    assert jsonwire.loads(b'\xef\xbb\xbf{"Name": "Caf\xc3\xa9", "Total": 1.50}') == {
        "Name": "Café",
        "Total": Decimal("1.50"),
    }


def test_a_written_body_decodes_to_the_same_amounts():
    value = {"LineItems": [{"UnitAmount": Decimal("19.99"), "Quantity": Decimal("3"), "Description": "Hours"}]}

    assert jsonwire.loads(jsonwire.json_bytes(value)) == value
