from decimal import Decimal

from xero_sandbox import jsonutil


def test_decimals_are_written_as_exact_json_numbers():
    raw = jsonutil.dumps({"Total": Decimal("1440.00"), "Rate": Decimal("1.270000")})

    assert raw == b'{"Total":1440.00,"Rate":1.270000}'


def test_numbers_are_read_back_as_decimals():
    parsed = jsonutil.loads(b'{"Amount": 0.1, "Count": 3}')

    assert parsed == {"Amount": Decimal("0.1"), "Count": 3}
    assert isinstance(parsed["Amount"], Decimal)


def test_non_ascii_text_is_kept_as_utf8():
    raw = jsonutil.dumps({"Name": "Kōwhai Café"})

    assert raw.decode("utf-8") == '{"Name":"Kōwhai Café"}'


def test_strings_that_look_like_numbers_stay_strings():
    raw = jsonutil.dumps({"Code": "090", "Nul": "a\x00D1"})

    assert jsonutil.loads(raw) == {"Code": "090", "Nul": "a\x00D1"}
