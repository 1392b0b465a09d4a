"""Xero's JSON becomes typed Python here and nowhere else.

Each parser takes the decoded JSON of one record (amounts already `Decimal`, see client._decode_json) and returns a
frozen dataclass, or raises SchemaError naming the record, so a malformed record can be quarantined while the rest
of its page is applied. Parsers raise nothing but SchemaError, whatever shape they are given.

Dates. Xero writes `/Date(<ms since the epoch>[+hhmm])/` (README section 4), JSON-escaped as `\\/Date(...)\\/`.
The milliseconds are UTC whatever the offset says: the offset only names the zone the value was shown in (.NET's
DataContractJsonSerializer format, and xero-python builds the same instant: `fromtimestamp(ms / 1000, tz=offset)`).
Date-only fields (`x-is-msdate`: Date, DueDate, FullyPaidOnDate, Payment Date, Quote ExpiryDate) are midnight UTC
of the calendar date; any other time there is refused rather than shifted to a neighbouring day.

Money. Decimal, never float. An amount Xero always sends is `None` when missing (we never invent a figure); only
where Xero leaves zero amounts out (a contact's `Balances`, absent while it has no invoices) is missing `Decimal(0)`.
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import jwt
from tzlocal.windows_tz import win_tz


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


def msdate_date(value: object, *, field: str = "date", record_id: str = "") -> date:
    """The calendar date of a date-only `/Date()/` value, which Xero sends as midnight UTC of that date.

    Raises SchemaError for anything else (including a time other than midnight UTC).
    """
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


def _text(record: Record, key: str, *, record_id: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise SchemaError(f"{key} is not text", record_id=record_id)
    return str(value)


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


def _money(record: Record, key: str, *, record_id: str, default: Decimal | None = None) -> Decimal | None:
    value = record.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise SchemaError(f"{key} is not an amount", record_id=record_id)
    try:
        # A float only arrives from JSON decoded without parse_float=Decimal (a stored quarantine payload, say);
        # its repr is the shortest decimal that round-trips, i.e. the digits Xero sent.
        amount = Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation as exc:
        raise SchemaError(f"{key} is not an amount: {value!r}", record_id=record_id) from exc
    if not amount.is_finite():
        raise SchemaError(f"{key} is not a finite amount", record_id=record_id)
    return amount


def _date(record: Record, key: str, *, record_id: str) -> date | None:
    value = record.get(key)
    if value in (None, ""):
        return None
    return msdate_date(value, field=key, record_id=record_id)


def _updated_at(record: Record, *, record_id: str) -> datetime:
    """UpdatedDateUTC is required: sync keeps the newest copy and moves its watermark by it."""
    return msdate_datetime(_required(record, "UpdatedDateUTC", record_id=record_id), field="UpdatedDateUTC",
                           record_id=record_id)


def _enum[E: StrEnum](kind: type[E], record: Record, key: str, *, record_id: str, default: E | None = None) -> E:
    value = record.get(key)
    if value in (None, "") and default is not None:
        return default
    try:
        return kind(value)
    except (ValueError, TypeError) as exc:
        raise SchemaError(f"unknown {key} {value!r}", record_id=record_id) from exc


# --- records ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class XeroPhone:
    """`number` joins PhoneCountryCode, PhoneAreaCode and PhoneNumber with spaces, skipping empty parts (Xero
    stores a country code without "+"; it is kept as entered). `type` is Xero's PhoneType, kept as text."""

    type: str
    number: str


@dataclass(frozen=True)
class XeroAddress:
    """`lines` are the non-empty AddressLine1..4. `type` is Xero's AddressType (POBOX, STREET), kept as text."""

    type: str
    lines: tuple[str, ...]
    city: str
    region: str
    postal_code: str
    country: str


@dataclass(frozen=True)
class XeroContact:
    """A Xero contact. Text fields are "" when Xero leaves them out.

    `receivable_outstanding`/`receivable_overdue` are Balances.AccountsReceivable.Outstanding/Overdue in the
    contact's own currency (not base); Xero omits Balances for a contact without invoices, so missing means 0.
    A missing ContactStatus means ACTIVE (Xero's default). Empty phones and addresses (Xero lists every phone
    type, usually blank) are dropped.
    """

    contact_id: str
    name: str
    first_name: str
    last_name: str
    email: str
    phones: tuple[XeroPhone, ...]
    addresses: tuple[XeroAddress, ...]
    status: ContactStatus
    is_customer: bool
    is_supplier: bool
    updated_at: datetime
    receivable_outstanding: Decimal
    receivable_overdue: Decimal
    default_currency: str


@dataclass(frozen=True)
class XeroPayment:
    """A payment on an invoice (`invoice_id` is None when it pays a credit note, i.e. a refund).

    Payments listed inside an invoice carry no Status or UpdatedDateUTC at Xero: there `status` and `updated_at`
    are None and `invoice_id` is the invoice's. `amount` and `currency_rate` are None only if Xero left them out.
    """

    payment_id: str
    invoice_id: str | None
    date: date | None
    amount: Decimal | None
    currency_rate: Decimal | None
    status: PaymentStatus | None
    updated_at: datetime | None


@dataclass(frozen=True)
class XeroInvoice:
    """A Xero invoice or bill. Every amount is one Xero always sends, so a missing one is None (never guessed).

    `date`/`due_date`/`fully_paid_on` are calendar dates (None when absent: drafts may have no DueDate, only PAID
    invoices have FullyPaidOnDate). `currency_rate` is units of `currency_code` per unit of base currency.
    """

    invoice_id: str
    type: InvoiceType
    status: InvoiceStatus
    number: str
    reference: str
    contact_id: str
    contact_name: str
    date: date | None
    due_date: date | None
    currency_code: str
    currency_rate: Decimal | None
    sub_total: Decimal | None
    total_tax: Decimal | None
    total: Decimal | None
    amount_due: Decimal | None
    amount_paid: Decimal | None
    amount_credited: Decimal | None
    fully_paid_on: date | None
    updated_at: datetime
    payments: tuple[XeroPayment, ...]


@dataclass(frozen=True)
class XeroAllocation:
    """Part of a credit note applied to an invoice."""

    invoice_id: str
    amount: Decimal | None
    date: date | None


@dataclass(frozen=True)
class XeroCreditNote:
    """A Xero credit note. `total` and `remaining_credit` are always sent by Xero: None when missing."""

    credit_note_id: str
    type: InvoiceType
    status: InvoiceStatus
    number: str
    reference: str
    contact_id: str
    date: date | None
    currency_code: str
    currency_rate: Decimal | None
    total: Decimal | None
    remaining_credit: Decimal | None
    updated_at: datetime
    allocations: tuple[XeroAllocation, ...]


@dataclass(frozen=True)
class XeroQuote:
    """A Xero quote. `total` is always sent by Xero: None when missing."""

    quote_id: str
    number: str
    status: QuoteStatus
    contact_id: str
    date: date | None
    expiry_date: date | None
    currency_code: str
    total: Decimal | None
    reference: str
    title: str
    updated_at: datetime


def _record_of(value: object) -> Record:
    if not isinstance(value, dict):
        raise SchemaError("record is not an object")
    return value


def _contact_of(record: Record, *, record_id: str) -> tuple[str, str]:
    """The (ContactID, Name) of a document's Contact. A document we could not link to a contact is quarantined."""
    ref = _object(record, "Contact", record_id=record_id)
    contact_id = ref.get("ContactID")
    if not contact_id or not isinstance(contact_id, str):
        raise SchemaError("missing Contact.ContactID", record_id=record_id)
    return contact_id, _text(ref, "Name", record_id=record_id)


def _phone(item: Record, *, record_id: str) -> XeroPhone:
    parts = (_text(item, key, record_id=record_id).strip()
             for key in ("PhoneCountryCode", "PhoneAreaCode", "PhoneNumber"))
    return XeroPhone(type=_text(item, "PhoneType", record_id=record_id), number=" ".join(p for p in parts if p))


def _address(item: Record, *, record_id: str) -> XeroAddress:
    lines = (_text(item, f"AddressLine{n}", record_id=record_id).strip() for n in range(1, 5))
    return XeroAddress(
        type=_text(item, "AddressType", record_id=record_id),
        lines=tuple(line for line in lines if line),
        city=_text(item, "City", record_id=record_id).strip(),
        region=_text(item, "Region", record_id=record_id).strip(),
        postal_code=_text(item, "PostalCode", record_id=record_id).strip(),
        country=_text(item, "Country", record_id=record_id).strip(),
    )


def contact(record: Record) -> XeroContact:
    """Parse one element of `Contacts`. Raises SchemaError(record_id=...) on a missing id, bad date or unknown
    enum (or any value of the wrong type)."""
    record = _record_of(record)
    record_id = _id(record, "ContactID")
    receivable = _object(_object(record, "Balances", record_id=record_id), "AccountsReceivable", record_id=record_id)
    phones = (_phone(item, record_id=record_id) for item in _objects(record, "Phones", record_id=record_id))
    addresses = (_address(item, record_id=record_id) for item in _objects(record, "Addresses", record_id=record_id))
    return XeroContact(
        contact_id=record_id,
        name=_text(record, "Name", record_id=record_id),
        first_name=_text(record, "FirstName", record_id=record_id),
        last_name=_text(record, "LastName", record_id=record_id),
        email=_text(record, "EmailAddress", record_id=record_id),
        phones=tuple(phone for phone in phones if phone.number),
        addresses=tuple(a for a in addresses if a.lines or a.city or a.region or a.postal_code or a.country),
        status=_enum(ContactStatus, record, "ContactStatus", record_id=record_id, default=ContactStatus.ACTIVE),
        is_customer=_flag(record, "IsCustomer", record_id=record_id),
        is_supplier=_flag(record, "IsSupplier", record_id=record_id),
        updated_at=_updated_at(record, record_id=record_id),
        receivable_outstanding=_money(receivable, "Outstanding", record_id=record_id, default=Decimal(0)),
        receivable_overdue=_money(receivable, "Overdue", record_id=record_id, default=Decimal(0)),
        default_currency=_text(record, "DefaultCurrency", record_id=record_id),
    )


def _payment(record: Record, *, invoice_id: str | None, embedded: bool) -> XeroPayment:
    record = _record_of(record)
    record_id = _id(record, "PaymentID")
    if not embedded:
        invoice = _object(record, "Invoice", record_id=record_id)
        invoice_id = _id(invoice, "InvoiceID", record_id=record_id) if invoice else None
    return XeroPayment(
        payment_id=record_id,
        invoice_id=invoice_id,
        date=_date(record, "Date", record_id=record_id),
        amount=_money(record, "Amount", record_id=record_id),
        currency_rate=_money(record, "CurrencyRate", record_id=record_id),
        status=None if embedded else _enum(PaymentStatus, record, "Status", record_id=record_id),
        updated_at=None if embedded else _updated_at(record, record_id=record_id),
    )


def payment(record: Record) -> XeroPayment:
    """Parse one element of `Payments` (GET /Payments). Raises SchemaError(record_id=...)."""
    return _payment(record, invoice_id=None, embedded=False)


def invoice(record: Record) -> XeroInvoice:
    """Parse one element of `Invoices`. Raises SchemaError(record_id=...) on a missing id (the invoice's or its
    contact's), a bad date or an unknown Type/Status."""
    record = _record_of(record)
    record_id = _id(record, "InvoiceID")
    contact_id, contact_name = _contact_of(record, record_id=record_id)
    return XeroInvoice(
        invoice_id=record_id,
        type=_enum(InvoiceType, record, "Type", record_id=record_id),
        status=_enum(InvoiceStatus, record, "Status", record_id=record_id),
        number=_text(record, "InvoiceNumber", record_id=record_id),
        reference=_text(record, "Reference", record_id=record_id),
        contact_id=contact_id,
        contact_name=contact_name,
        date=_date(record, "Date", record_id=record_id),
        due_date=_date(record, "DueDate", record_id=record_id),
        currency_code=_text(record, "CurrencyCode", record_id=record_id),
        currency_rate=_money(record, "CurrencyRate", record_id=record_id),
        sub_total=_money(record, "SubTotal", record_id=record_id),
        total_tax=_money(record, "TotalTax", record_id=record_id),
        total=_money(record, "Total", record_id=record_id),
        amount_due=_money(record, "AmountDue", record_id=record_id),
        amount_paid=_money(record, "AmountPaid", record_id=record_id),
        amount_credited=_money(record, "AmountCredited", record_id=record_id),
        fully_paid_on=_date(record, "FullyPaidOnDate", record_id=record_id),
        updated_at=_updated_at(record, record_id=record_id),
        payments=tuple(
            _payment(item, invoice_id=record_id, embedded=True)
            for item in _objects(record, "Payments", record_id=record_id)
        ),
    )


def _allocation(item: Record, *, record_id: str) -> XeroAllocation:
    return XeroAllocation(
        invoice_id=_id(_object(item, "Invoice", record_id=record_id), "InvoiceID", record_id=record_id),
        amount=_money(item, "Amount", record_id=record_id),
        date=_date(item, "Date", record_id=record_id),
    )


def credit_note(record: Record) -> XeroCreditNote:
    """Parse one element of `CreditNotes`. Raises SchemaError(record_id=...) like `invoice`."""
    record = _record_of(record)
    record_id = _id(record, "CreditNoteID")
    contact_id, _ = _contact_of(record, record_id=record_id)
    return XeroCreditNote(
        credit_note_id=record_id,
        type=_enum(InvoiceType, record, "Type", record_id=record_id),
        status=_enum(InvoiceStatus, record, "Status", record_id=record_id),
        number=_text(record, "CreditNoteNumber", record_id=record_id),
        reference=_text(record, "Reference", record_id=record_id),
        contact_id=contact_id,
        date=_date(record, "Date", record_id=record_id),
        currency_code=_text(record, "CurrencyCode", record_id=record_id),
        currency_rate=_money(record, "CurrencyRate", record_id=record_id),
        total=_money(record, "Total", record_id=record_id),
        remaining_credit=_money(record, "RemainingCredit", record_id=record_id),
        updated_at=_updated_at(record, record_id=record_id),
        allocations=tuple(
            _allocation(item, record_id=record_id) for item in _objects(record, "Allocations", record_id=record_id)
        ),
    )


def quote(record: Record) -> XeroQuote:
    """Parse one element of `Quotes`. Raises SchemaError(record_id=...) like `invoice`."""
    record = _record_of(record)
    record_id = _id(record, "QuoteID")
    contact_id, _ = _contact_of(record, record_id=record_id)
    return XeroQuote(
        quote_id=record_id,
        number=_text(record, "QuoteNumber", record_id=record_id),
        status=_enum(QuoteStatus, record, "Status", record_id=record_id),
        contact_id=contact_id,
        date=_date(record, "Date", record_id=record_id),
        expiry_date=_date(record, "ExpiryDate", record_id=record_id),
        currency_code=_text(record, "CurrencyCode", record_id=record_id),
        total=_money(record, "Total", record_id=record_id),
        reference=_text(record, "Reference", record_id=record_id),
        title=_text(record, "Title", record_id=record_id),
        updated_at=_updated_at(record, record_id=record_id),
    )


# --- responses --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordError:
    """A record that did not parse, kept whole (`payload`) for the quarantine."""

    record_id: str
    reason: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Page[T]:
    """One response of a list call. `page_count` is Xero's pagination.pageCount where Xero gives one (None on
    Quotes); `server_time` is the envelope's DateTimeUTC, Xero's clock when it answered."""

    records: list[T]
    errors: list[RecordError]
    page: int
    page_count: int | None
    server_time: datetime


def _collection(payload: object, collection: str) -> tuple[Record, list[Any]]:
    if not isinstance(payload, dict):
        raise SchemaError("the response is not a JSON object")
    items = payload.get(collection)
    if not isinstance(items, list):
        raise SchemaError(f"the response has no {collection} list")
    return payload, items


def page_of[T](payload: object, *, collection: str, id_field: str, parse: Callable[[Record], T], page: int) -> Page[T]:
    """Parse a list response (`{"DateTimeUTC": ..., "pagination": {...}, "<collection>": [...]}`).

    Records that fail to parse become `errors`, so one bad record never sinks the page. Raises SchemaError (without
    a record id) only when the envelope itself is unusable: not an object, no list, no valid DateTimeUTC.
    """
    envelope, items = _collection(payload, collection)
    server_time = msdate_datetime(envelope.get("DateTimeUTC"), field="DateTimeUTC")
    page_count = _object(envelope, "pagination", record_id="").get("pageCount")
    if page_count is not None and (isinstance(page_count, bool) or not isinstance(page_count, int)):
        raise SchemaError(f"pagination.pageCount is not a number: {page_count!r}")
    records: list[T] = []
    errors: list[RecordError] = []
    for item in items:
        try:
            records.append(parse(item))
        except SchemaError as exc:
            payload_kept = item if isinstance(item, dict) else {"value": item}
            record_id = exc.record_id or str(payload_kept.get(id_field) or "")
            errors.append(RecordError(record_id=record_id, reason=exc.reason, payload=payload_kept))
    return Page(records=records, errors=errors, page=page, page_count=page_count, server_time=server_time)


def only[T](payload: object, *, collection: str, parse: Callable[[Record], T]) -> T:
    """The single record of a write's answer (`{"Contacts": [{...}]}`). Raises SchemaError."""
    _, items = _collection(payload, collection)
    if len(items) != 1:
        raise SchemaError(f"expected one element in {collection}, got {len(items)}")
    return parse(items[0])


# --- contact writes: what Capsync sends, and Xero's answer element by element ------------------------------------


@dataclass(frozen=True)
class ContactChange:
    """A linked contact's details as the CRM holds them, to be written over Xero's copy.

    `first_name`/`last_name` are None for an organisation, whose Xero FirstName/LastName (its main person) the CRM
    does not hold and so leaves alone. An empty `email`, `default_phone`, `mobile_phone` or `street` clears Xero's.
    """

    contact_id: str
    name: str
    first_name: str | None
    last_name: str | None
    email: str
    default_phone: str
    mobile_phone: str
    street: XeroAddress


def contact_change_json(change: ContactChange) -> Record:
    """The element of a POST /Contacts body for `change`.

    Phones and addresses are sent by type, every part included, so an emptied number or a Xero-side area code
    does not linger next to the CRM's number. AddressLine1..4 are the street's first four lines (a fifth and later
    lines are joined onto the fourth).
    """
    lines = [*change.street.lines[:3], ", ".join(change.street.lines[3:])]
    element: Record = {
        "ContactID": change.contact_id,
        "Name": change.name,
        "EmailAddress": change.email,
        "Phones": [
            {"PhoneType": phone_type, "PhoneNumber": number, "PhoneAreaCode": "", "PhoneCountryCode": ""}
            for phone_type, number in (("DEFAULT", change.default_phone), ("MOBILE", change.mobile_phone))
        ],
        "Addresses": [{
            "AddressType": "STREET",
            **{f"AddressLine{n}": line for n, line in enumerate([*lines, "", "", ""][:4], start=1)},
            "City": change.street.city,
            "Region": change.street.region,
            "PostalCode": change.street.postal_code,
            "Country": change.street.country,
        }],
    }
    if change.first_name is not None and change.last_name is not None:
        element["FirstName"] = change.first_name
        element["LastName"] = change.last_name
    return element


@dataclass(frozen=True)
class ContactWriteResult:
    """One element of a batched contact write sent with summarizeErrors=false.

    `errors` holds Xero's validation messages when it refused the element (then nothing of it was saved).
    Otherwise the element was saved and `contact` is Xero's copy, or None if that copy could not be read.
    """

    contact_id: str
    errors: tuple[str, ...]
    contact: XeroContact | None

    @property
    def refused(self) -> bool:
        return bool(self.errors)


def contact_write_results(payload: object, *, sent_ids: list[str]) -> list[ContactWriteResult]:
    """Xero's per-element answer to a batched contact write, in the order the elements were sent.

    An element is refused when it carries ValidationErrors, HasValidationErrors or StatusAttributeString ERROR.
    Raises SchemaError (without a record id) when the answer has not one element per element sent.
    """
    _, items = _collection(payload, "Contacts")
    if len(items) != len(sent_ids):
        raise SchemaError(f"expected {len(sent_ids)} elements in Contacts, got {len(items)}")
    results = []
    for sent_id, item in zip(sent_ids, items, strict=True):
        record = item if isinstance(item, dict) else {}
        try:
            messages = tuple(
                _text(error, "Message", record_id=sent_id)
                for error in _objects(record, "ValidationErrors", record_id=sent_id)
            )
            refused = (bool(messages) or _flag(record, "HasValidationErrors", record_id=sent_id)
                       or _text(record, "StatusAttributeString", record_id=sent_id).upper() == "ERROR")
        except SchemaError:
            messages, refused = (), True
        if refused:
            results.append(ContactWriteResult(
                contact_id=sent_id, errors=messages or ("Xero refused the change without saying why.",),
                contact=None,
            ))
            continue
        try:
            saved = contact(record)
        except SchemaError:
            saved = None
        results.append(ContactWriteResult(contact_id=sent_id, errors=(), contact=saved))
    return results


# --- identity and organisation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenSet:
    """What Xero's token endpoint returned, with the expiry made absolute."""

    access_token: str
    refresh_token: str
    expires_at: datetime
    scopes: tuple[str, ...]
    auth_event_id: str
    xero_user_id: str

    def __repr__(self) -> str:  # never let a token reach a log or a traceback through repr()
        return f"TokenSet(expires_at={self.expires_at.isoformat()}, scopes={self.scopes!r})"


@dataclass(frozen=True)
class TenantConnection:
    """One organisation the user let Capsync reach (an entry of GET /connections)."""

    connection_id: str
    tenant_id: str
    tenant_type: str
    tenant_name: str
    auth_event_id: str


def token_set(payload: dict[str, Any], *, now: datetime) -> TokenSet:
    """Parse a token response. Xero's access token is a JWT whose claims name the consent and the user.

    The claims are read without verifying the signature: they only say which consent the token belongs to,
    and the API itself verifies every token it is given.
    """
    access_token = _required(payload, "access_token")
    refresh_token = _required(payload, "refresh_token")
    try:
        claims = jwt.decode(access_token, options={"verify_signature": False})
    except jwt.DecodeError:
        claims = {}
    try:
        expires_in = int(payload.get("expires_in", 1800))
    except (TypeError, ValueError) as exc:
        raise SchemaError("expires_in is not a number") from exc
    return TokenSet(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_at=now + timedelta(seconds=expires_in),
        scopes=tuple(str(payload.get("scope", "")).split()),
        auth_event_id=str(claims.get("authentication_event_id", "")),
        xero_user_id=str(claims.get("xero_userid", "")),
    )


def tenant_connections(payload: Any) -> list[TenantConnection]:
    """Parse GET /connections: a bare JSON array."""
    if not isinstance(payload, list):
        raise SchemaError("connections is not a list")
    return [
        TenantConnection(
            connection_id=_required(item, "id"),
            tenant_id=_required(item, "tenantId", record_id=item.get("id", "")),
            tenant_type=str(item.get("tenantType", "")),
            tenant_name=str(item.get("tenantName") or ""),
            auth_event_id=str(item.get("authEventId") or ""),
        )
        for item in payload
    ]


def _zone_key(name: str) -> str:
    # Xero's TimeZone enum is the Windows name upper-cased without spaces and dots, and without the minus of
    # "UTC-11" (UTC11) but with the plus of "UTC+12": dropping every non-alphanumeric maps both sides alike.
    return re.sub(r"[^A-Z0-9]", "", name.upper())


_IANA_BY_XERO_ZONE = {_zone_key(windows): iana for windows, iana in win_tz.items()}


def iana_timezone(xero_timezone: str) -> str:
    """The IANA zone of an Organisation.Timezone ("GMTSTANDARDTIME" -> "Europe/London"), or "" when unknown."""
    return _IANA_BY_XERO_ZONE.get(_zone_key(xero_timezone), "")


@dataclass(frozen=True)
class Organisation:
    """GET /Organisation. `timezone` is Xero's enum value; `timezone_iana` its IANA name ("" = unknown, use UTC)."""

    organisation_id: str
    name: str
    short_code: str
    base_currency: str
    timezone: str
    country_code: str
    timezone_iana: str


def organisation(payload: dict[str, Any]) -> Organisation:
    """Parse GET /Organisation ({"Organisations": [...]}, one element)."""
    records = payload.get("Organisations")
    if not isinstance(records, list) or not records:
        raise SchemaError("Organisations is missing or empty")
    record = records[0]
    record_id = str(record.get("OrganisationID", ""))
    timezone = str(record.get("Timezone") or "")
    return Organisation(
        organisation_id=record_id,
        name=_required(record, "Name", record_id=record_id),
        short_code=str(record.get("ShortCode") or ""),
        base_currency=str(record.get("BaseCurrency") or ""),
        timezone=timezone,
        country_code=str(record.get("CountryCode") or ""),
        timezone_iana=iana_timezone(timezone),
    )


@dataclass(frozen=True)
class WebhookEvent:
    """One event of a Xero webhook delivery: what changed, not the data (fetch `resource_id` to see it)."""

    tenant_id: str
    category: str
    event_type: str
    resource_id: str
    event_date: datetime

    @property
    def key(self) -> str:
        """The same event delivered twice has the same key."""
        text = "|".join([self.tenant_id, self.category, self.event_type, self.resource_id, self.event_date.isoformat()])
        return hashlib.sha256(text.encode()).hexdigest()


def webhook_events(payload: object) -> tuple[list[WebhookEvent], list[RecordError]]:
    """Parse a delivery's `events` list; events that do not parse are returned apart, whole."""
    events, errors = [], []
    for item in payload if isinstance(payload, list) else []:
        record = _record_of(item)
        record_id = str(record.get("resourceId") or "")
        try:
            raw_date = _text(record, "eventDateUtc", record_id=record_id)
            try:
                event_date = datetime.fromisoformat(raw_date)
            except ValueError as exc:
                raise SchemaError(f"eventDateUtc is not a date: {raw_date!r}", record_id=record_id) from exc
            events.append(WebhookEvent(
                tenant_id=_id(record, "tenantId", record_id=record_id),
                category=_id(record, "eventCategory", record_id=record_id).upper(),
                event_type=_id(record, "eventType", record_id=record_id).upper(),
                resource_id=_id(record, "resourceId", record_id=record_id),
                # Xero writes UTC without a zone ("2024-06-21T01:15:39.902").
                event_date=event_date if event_date.tzinfo else event_date.replace(tzinfo=UTC),
            ))
        except SchemaError as exc:
            errors.append(RecordError(record_id=record_id, reason=exc.reason, payload=record))
    return events, errors
