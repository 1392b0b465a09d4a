"""Building blocks of the parsers: SchemaError, Xero's /Date()/ values, the enums, and field readers."""

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import Any


class SchemaError(ValueError):
    """A record from Xero does not have the shape we rely on. `reason` is the message without the record id."""

    def __init__(self, message: str, *, record_id: str = "") -> None:
        super().__init__(f"{message} (record {record_id or 'without id'})")
        self.reason = message
        self.record_id = record_id


# --- dates ----------------------------------------------------------------------------------------------------

_MSDATE = re.compile(r"\\?/Date\((-?\d{1,18})([+-]\d{2,4})?\)\\?/")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def msdate_datetime(value: object, *, field: str = "date", record_id: str = "") -> datetime:
    """The aware UTC datetime of a `/Date(ms[+hhmm])/` value (escaped `\\/Date(...)\\/` too; negative ms allowed).

    The offset is informational: the ms are UTC already. Raises SchemaError for anything else, including moments
    a `datetime` cannot hold.
    """
    match = _MSDATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise SchemaError(f"{field} is not a /Date()/ value: {value!r}", record_id=record_id)
    try:
        return _EPOCH + timedelta(milliseconds=int(match.group(1)))
    except OverflowError as exc:
        raise SchemaError(f"{field} is out of range: {value!r}", record_id=record_id) from exc


@lru_cache(maxsize=4096)
def _calendar_day(value: str) -> date | None:
    """The date of a well-formed date-only value, None for anything else. Cached: a page of 1,000 invoices names a
    few hundred distinct days in its four date fields, and parsing each again was a tenth of the parse."""
    try:
        moment = msdate_datetime(value)
    except SchemaError:
        return None
    return moment.date() if moment.timetz() == time(0, tzinfo=UTC) else None


def msdate_date(value: object, *, field: str = "date", record_id: str = "") -> date:
    """The calendar date of a date-only `/Date()/` value, which Xero sends as midnight UTC of that date.

    Raises SchemaError for anything else (including a time other than midnight UTC).
    """
    if isinstance(value, str) and (day := _calendar_day(value)) is not None:
        return day
    moment = msdate_datetime(value, field=field, record_id=record_id)
    if moment.timetz() != time(0, tzinfo=UTC):
        raise SchemaError(f"{field} is not midnight UTC: {value!r}", record_id=record_id)
    return moment.date()


# --- enums ----------------------------------------------------------------------------------------------------


class InvoiceType(StrEnum):
    """Sales invoice, bill, and their credit notes (Xero's other Invoice types are refused as unknown)."""

    ACCREC = "ACCREC"
    ACCPAY = "ACCPAY"
    ACCRECCREDIT = "ACCRECCREDIT"
    ACCPAYCREDIT = "ACCPAYCREDIT"


class InvoiceStatus(StrEnum):
    """Statuses of invoices and credit notes. There is no OVERDUE: overdue is derived (README section 6)."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    AUTHORISED = "AUTHORISED"
    PAID = "PAID"
    VOIDED = "VOIDED"
    DELETED = "DELETED"


class ContactStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"
    GDPRREQUEST = "GDPRREQUEST"


class QuoteStatus(StrEnum):
    DRAFT = "DRAFT"
    SENT = "SENT"
    DECLINED = "DECLINED"
    ACCEPTED = "ACCEPTED"
    INVOICED = "INVOICED"
    DELETED = "DELETED"


class PaymentStatus(StrEnum):
    AUTHORISED = "AUTHORISED"
    DELETED = "DELETED"


# --- field readers: the only code that indexes a Xero record ---------------------------------------------------

Record = dict[str, Any]


def _required(record: Record, key: str, *, record_id: str = "") -> Any:
    value = record.get(key)
    if value in (None, ""):
        raise SchemaError(f"missing {key}", record_id=record_id)
    return value


def _id(record: Record, key: str, *, record_id: str = "") -> str:
    value = _required(record, key, record_id=record_id)
    if not isinstance(value, str):
        raise SchemaError(f"{key} is not a string", record_id=record_id)
    return value


def _text(record: Record, key: str, *, record_id: str, max_length: int | None = None) -> str:
    """The field as text ("" when absent). With `max_length` (Xero's documented limit, which Capsync's column
    matches), longer text is refused rather than cut without notice: the record is quarantined whole."""
    value = record.get(key)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise SchemaError(f"{key} is not text", record_id=record_id)
    text = str(value)
    if max_length is not None and len(text) > max_length:
        raise SchemaError(f"{key} is {len(text)} characters long; Xero allows {max_length}", record_id=record_id)
    return text


def _flag(record: Record, key: str, *, record_id: str) -> bool:
    value = record.get(key)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):  # the SDK sends True/False
        return value.lower() == "true"
    raise SchemaError(f"{key} is not a boolean", record_id=record_id)


def _object(record: Record, key: str, *, record_id: str) -> Record:
    value = record.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SchemaError(f"{key} is not an object", record_id=record_id)
    return value


def _objects(record: Record, key: str, *, record_id: str) -> list[Record]:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise SchemaError(f"{key} is not a list of objects", record_id=record_id)
    return value


# What Capsync's columns hold: amounts are DecimalField(max_digits=18, decimal_places=2), currency rates
# DecimalField(max_digits=18, decimal_places=6). A figure that would not fit (or would round up to not fit) is
# refused here, so the record is quarantined instead of failing its whole page or every page that shows it. The
# limits leave a digit to spare because SQLite (make demo) reads decimals back through 15 significant digits, and a
# value rounded up to the next power of ten would no longer fit on the way out. Xero's doubles are exact to the cent
# only below about 9 x 10^13 anyway.
AMOUNT_PLACES, AMOUNT_LIMIT = 2, Decimal(10) ** 15
RATE_PLACES, RATE_LIMIT = 6, Decimal(10) ** 9


def _money(
    record: Record,
    key: str,
    *,
    record_id: str,
    default: Decimal | None = None,
    places: int = AMOUNT_PLACES,
    limit: Decimal | None = AMOUNT_LIMIT,
) -> Decimal | None:
    value = record.get(key)
    if value is None:
        return default
    if type(value) is Decimal:  # what the client decodes every amount with a fraction to (immutable: kept as is)
        amount = value
    elif isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise SchemaError(f"{key} is not an amount", record_id=record_id)
    else:
        try:
            # A float only arrives from JSON decoded without parse_float=Decimal (a stored quarantine payload,
            # say); its repr is the shortest decimal that round-trips, i.e. the digits Xero sent.
            amount = Decimal(repr(value) if isinstance(value, float) else value)
        except InvalidOperation as exc:
            raise SchemaError(f"{key} is not an amount: {value!r}", record_id=record_id) from exc
    if not amount.is_finite():
        raise SchemaError(f"{key} is not a finite amount", record_id=record_id)
    if limit is not None and abs(amount) >= _rounding_bound(limit, places):
        raise SchemaError(f"{key} {value} is larger than Capsync can store (under {limit:,})", record_id=record_id)
    return amount


@lru_cache(maxsize=8)
def _rounding_bound(limit: Decimal, places: int) -> Decimal:
    """The smallest amount that rounds (to `places`) up to `limit` or beyond."""
    return limit - Decimal(5).scaleb(-places - 1)


def _rate(record: Record, key: str, *, record_id: str) -> Decimal | None:
    """A currency rate (units of the document's currency per unit of base currency), None when absent."""
    return _money(record, key, record_id=record_id, places=RATE_PLACES, limit=RATE_LIMIT)


def _date(record: Record, key: str, *, record_id: str) -> date | None:
    value = record.get(key)
    if value in (None, ""):
        return None
    return msdate_date(value, field=key, record_id=record_id)


def _updated_at(record: Record, *, record_id: str) -> datetime:
    """UpdatedDateUTC is required: sync keeps the newest copy and moves its watermark by it."""
    return msdate_datetime(
        _required(record, "UpdatedDateUTC", record_id=record_id), field="UpdatedDateUTC", record_id=record_id
    )


def _enum[E: StrEnum](kind: type[E], record: Record, key: str, *, record_id: str, default: E | None = None) -> E:
    value = record.get(key)
    if value in (None, "") and default is not None:
        return default
    try:
        return kind(value)
    except (ValueError, TypeError) as exc:
        raise SchemaError(f"unknown {key} {value!r}", record_id=record_id) from exc


# --- records ----------------------------------------------------------------------------------------------------
