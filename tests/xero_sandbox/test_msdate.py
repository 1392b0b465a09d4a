from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from xero_sandbox import msdate


def test_format_date_is_midnight_utc_in_ms_with_offset():
    value = msdate.format_date(date(2018, 10, 20))

    assert value == "/Date(1539993600000+0000)/"


def test_format_datetime_keeps_milliseconds():
    moment = datetime(2018, 11, 2, 16, 31, 30, 160000, tzinfo=UTC)

    assert msdate.format_datetime(moment) == "/Date(1541176290160+0000)/"


def test_envelope_datetime_has_no_offset():
    moment = datetime(2020, 3, 19, 2, 44, 11, 380000, tzinfo=UTC)

    assert msdate.format_envelope_datetime(moment) == "/Date(1584585851380)/"


def test_parse_msdate_ignores_the_informational_offset():
    moment = msdate.parse_msdate("/Date(1539993600000+1300)/")

    assert moment == datetime(2018, 10, 20, tzinfo=UTC)


def test_parse_msdate_accepts_negative_epoch_values():
    moment = msdate.parse_msdate("/Date(-86400000)/")

    assert moment == datetime(1969, 12, 31, tzinfo=UTC)


def test_parse_msdate_rejects_iso_strings():
    with pytest.raises(ValueError, match="not a /Date"):
        msdate.parse_msdate("2020-01-01")


@pytest.mark.parametrize(
    "value",
    [
        "2019-03-11",
        "2019-03-11T00:00:00",
        "2019-03-11T10:00:00+13:00",
        "/Date(1552262400000)/",
        "/Date(1552262400000+0000)/",
    ],
)
def test_request_dates_are_accepted_in_every_form_clients_send(value):
    assert msdate.parse_request_date(value) == date(2019, 3, 11)


def test_request_date_rejects_garbage():
    with pytest.raises(ValueError, match="Invalid isoformat"):
        msdate.parse_request_date("11/03/2019")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("2020-02-06T12:17:43.202-08:00", datetime(2020, 2, 6, 20, 17, 43, 202000, tzinfo=UTC)),
        ("2020-02-06T12:17:43.202000-08:00", datetime(2020, 2, 6, 20, 17, 43, 202000, tzinfo=UTC)),
        ("2020-02-06T12:17:43", datetime(2020, 2, 6, 12, 17, 43, tzinfo=UTC)),
        ("2020-02-06T12:17:43Z", datetime(2020, 2, 6, 12, 17, 43, tzinfo=UTC)),
        ("Wed, 21 Oct 2015 07:28:00 GMT", datetime(2015, 10, 21, 7, 28, tzinfo=UTC)),
    ],
)
def test_if_modified_since_forms(header, expected):
    assert msdate.parse_if_modified_since(header) == expected


def test_if_modified_since_rejects_nonsense():
    with pytest.raises(ValueError, match="If-Modified-Since"):
        msdate.parse_if_modified_since("yesterday")


def test_readable_strings_match_xero_examples():
    moment = datetime(2018, 11, 2, 16, 31, 30, 999000, tzinfo=timezone(timedelta(hours=0)))

    assert msdate.utc_string(moment) == "2018-11-02T16:31:30Z"
    assert msdate.date_string(date(2018, 10, 20)) == "2018-10-20T00:00:00"


def test_local_today_uses_the_organisation_timezone():
    now = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)

    assert msdate.local_today(now=now, timezone_name="NEWZEALANDSTANDARDTIME") == date(2026, 3, 2)
    assert msdate.local_today(now=now, timezone_name="GMTSTANDARDTIME") == date(2026, 3, 1)


@pytest.mark.parametrize("name", ["GMT Standard Time", "GMTSTANDARDTIME", "Europe/London"])
def test_windows_timezone_accepts_windows_enum_and_iana_names(name):
    assert msdate.windows_timezone(name) == "GMTSTANDARDTIME"


def test_windows_timezone_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown timezone"):
        msdate.windows_timezone("Mars/Olympus")
