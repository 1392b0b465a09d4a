"""The one place where the sandbox formats and parses Xero dates.

Xero writes dates in the .NET form ``/Date(<ms since epoch>+0000)/``: date-only fields (``x-is-msdate``) as midnight
UTC of the calendar date, timestamps (``x-is-msdate-time``) to the millisecond. Requests may send ``YYYY-MM-DD``,
``YYYY-MM-DDTHH:MM:SS`` or the ``/Date()/`` form. ``If-Modified-Since`` arrives as ISO 8601 (what the SDK sends) or
in the RFC 1123 form a browser sends.
"""

import re
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MSDATE = re.compile(r"^/Date\((-?\d+)([+-]\d{2,4})?\)/$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Xero's Organisation.Timezone values (spec enum TimeZone) for the zones the sandbox is likely to meet.
_WINDOWS_TO_IANA = {
    "GMTSTANDARDTIME": "Europe/London",
    "GREENWICHSTANDARDTIME": "Atlantic/Reykjavik",
    "NEWZEALANDSTANDARDTIME": "Pacific/Auckland",
    "AUSEASTERNSTANDARDTIME": "Australia/Sydney",
    "EAUSTRALIASTANDARDTIME": "Australia/Brisbane",
    "CENAUSTRALIASTANDARDTIME": "Australia/Adelaide",
    "WAUSTRALIASTANDARDTIME": "Australia/Perth",
    "TASMANIASTANDARDTIME": "Australia/Hobart",
    "EASTERNSTANDARDTIME": "America/New_York",
    "CENTRALSTANDARDTIME": "America/Chicago",
    "MOUNTAINSTANDARDTIME": "America/Denver",
    "PACIFICSTANDARDTIME": "America/Los_Angeles",
    "WEUROPESTANDARDTIME": "Europe/Berlin",
    "ROMANCESTANDARDTIME": "Europe/Paris",
    "CENTRALEUROPESTANDARDTIME": "Europe/Warsaw",
    "SINGAPORESTANDARDTIME": "Asia/Singapore",
    "SOUTHAFRICASTANDARDTIME": "Africa/Johannesburg",
    "INDIASTANDARDTIME": "Asia/Kolkata",
    "TOKYOSTANDARDTIME": "Asia/Tokyo",
    "UTC": "UTC",
}
_IANA_TO_WINDOWS = {iana: windows for windows, iana in _WINDOWS_TO_IANA.items()}
_IANA_TO_WINDOWS["Etc/UTC"] = "UTC"


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_ms(ms: int) -> datetime:
    """The aware UTC datetime of a millisecond timestamp."""
    return _EPOCH + timedelta(milliseconds=ms)


def format_datetime(moment: datetime) -> str:
    """``/Date(<ms>+0000)/`` for an ``x-is-msdate-time`` field."""
    return f"/Date({to_ms(moment)}+0000)/"


def format_date(day: date) -> str:
    """``/Date(<ms>+0000)/`` (midnight UTC) for an ``x-is-msdate`` field."""
    return f"/Date({(day - date(1970, 1, 1)).days * 86_400_000}+0000)/"


def format_envelope_datetime(moment: datetime) -> str:
    """``/Date(<ms>)/`` as in the envelope's ``DateTimeUTC`` (real responses carry no offset there)."""
    return f"/Date({to_ms(moment)})/"


def date_string(day: date) -> str:
    """The readable ``DateString``/``DueDateString`` form, e.g. ``2018-10-20T00:00:00``."""
    return f"{day.isoformat()}T00:00:00"


def utc_string(moment: datetime) -> str:
    """The readable ``UpdatedDateUTCString`` form, e.g. ``2018-11-02T16:31:30Z``."""
    if moment.tzinfo is UTC:  # the sandbox clock's moments: their offset is always "+00:00" (and 3x faster)
        return moment.isoformat(timespec="seconds")[:-6] + "Z"
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def ms_of(value: str) -> int:
    """Milliseconds of a ``/Date(ms[+hhmm])/`` string. Raises ValueError on anything else."""
    match = _MSDATE.match(value)
    if match is None:
        raise ValueError(f"not a /Date()/ value: {value!r}")
    return int(match.group(1))


def parse_msdate(value: str) -> datetime:
    """The aware UTC datetime of a ``/Date(ms[+hhmm])/`` string (the ms are UTC; the offset is informational)."""
    return from_ms(ms_of(value))


def date_of(value: str) -> date:
    """The calendar date stored in a ``/Date()/`` date-only field."""
    return parse_msdate(value).date()


def parse_request_date(value: object) -> date:
    """A calendar date from a request: ``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM:SS[.fff][offset]`` or ``/Date(ms)/``.

    Raises ValueError when the value is none of those.
    """
    if not isinstance(value, str) or not value:
        raise ValueError(f"not a date: {value!r}")
    if value.startswith("/Date("):
        return date_of(value)
    if len(value) == 10:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).date()


def parse_if_modified_since(value: str) -> datetime:
    """The aware UTC moment of an ``If-Modified-Since`` header.

    Accepts ISO 8601 with or without offset (naive = UTC, ``Z`` allowed, fractional seconds allowed) and the
    RFC 1123 form (``Wed, 21 Oct 2015 07:28:00 GMT``). Raises ValueError otherwise.
    """
    text = value.strip()
    if not text:
        raise ValueError("empty If-Modified-Since")
    if text[0].isdigit():
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    else:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, IndexError, ValueError) as exc:
            raise ValueError(f"bad If-Modified-Since: {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def windows_timezone(name: str) -> str:
    """Xero's Organisation.Timezone value for a Windows name ("GMT Standard Time"), an enum value or an IANA name."""
    squashed = name.replace(" ", "").upper()
    if squashed in _WINDOWS_TO_IANA:
        return squashed
    if name in _IANA_TO_WINDOWS:
        return _IANA_TO_WINDOWS[name]
    raise ValueError(f"unknown timezone: {name!r}")


def zone_of(timezone_name: str) -> ZoneInfo:
    """The IANA zone for an Organisation.Timezone (Windows enum value) or an IANA name; UTC if unknown."""
    iana = _WINDOWS_TO_IANA.get(timezone_name.replace(" ", "").upper(), timezone_name)
    try:
        return ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_today(*, now: datetime, timezone_name: str) -> date:
    """The organisation's calendar date at ``now``."""
    return now.astimezone(zone_of(timezone_name)).date()
