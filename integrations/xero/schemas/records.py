"""Accounting records: contacts, invoices, payments, credit notes and quotes (their pages: `pages.py`)."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from integrations.xero.schemas.catalogue import PaymentTerms, sales_terms
from integrations.xero.schemas.fields import (
    ContactStatus,
    InvoiceStatus,
    InvoiceType,
    PaymentStatus,
    QuoteStatus,
    Record,
    SchemaError,
    _date,
    _enum,
    _flag,
    _id,
    _money,
    _object,
    _objects,
    _rate,
    _text,
    _updated_at,
)


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
class XeroContactPerson:
    """One of a contact's ContactPersons (at most five); those with `include_in_emails` get Xero's invoice and
    reminder emails beside the contact's own EmailAddress."""

    first_name: str
    last_name: str
    email: str
    include_in_emails: bool


@dataclass(frozen=True)
class XeroContact:
    """A Xero contact. Text fields are "" when Xero leaves them out.

    `receivable_outstanding`/`receivable_overdue` are Balances.AccountsReceivable.Outstanding/Overdue in the
    contact's own currency (not base); Xero omits Balances for a contact without invoices, so missing means 0.
    They are stored in no column, so they are not bounded (a contact is not quarantined for a balance too large to
    store). A missing ContactStatus means ACTIVE (Xero's default). Empty phones and addresses (Xero lists every phone
    type, usually blank) are dropped. `merged_to_contact_id` is the contact it was merged into in Xero ("" if none).
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
    merged_to_contact_id: str = ""
    contact_number: str = ""
    persons: tuple[XeroContactPerson, ...] = ()
    tax_number: str = ""
    account_number: str = ""
    # PaymentTerms.Sales (None: the organisation's terms apply). Absent from summaryOnly reads.
    sales_terms: PaymentTerms | None = None


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


# Xero's documented maximum lengths (OpenAPI spec: Contact Name/FirstName/LastName, InvoiceNumber, QuoteNumber
# 255; Quote Title 100), which Capsync's columns match. Longer text is quarantined, never cut without notice.
NAME_MAX = 255
CONTACT_NUMBER_MAX = 50  # Xero's limit on ContactNumber
QUOTE_TITLE_MAX = 100


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
    return contact_id, _text(ref, "Name", record_id=record_id, max_length=NAME_MAX)


def _phone(item: Record, *, record_id: str) -> XeroPhone:
    parts = (
        _text(item, key, record_id=record_id).strip() for key in ("PhoneCountryCode", "PhoneAreaCode", "PhoneNumber")
    )
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
        name=_text(record, "Name", record_id=record_id, max_length=NAME_MAX),
        first_name=_text(record, "FirstName", record_id=record_id, max_length=NAME_MAX),
        last_name=_text(record, "LastName", record_id=record_id, max_length=NAME_MAX),
        email=_text(record, "EmailAddress", record_id=record_id),
        phones=tuple(phone for phone in phones if phone.number),
        addresses=tuple(a for a in addresses if a.lines or a.city or a.region or a.postal_code or a.country),
        status=_enum(ContactStatus, record, "ContactStatus", record_id=record_id, default=ContactStatus.ACTIVE),
        is_customer=_flag(record, "IsCustomer", record_id=record_id),
        is_supplier=_flag(record, "IsSupplier", record_id=record_id),
        updated_at=_updated_at(record, record_id=record_id),
        receivable_outstanding=_money(receivable, "Outstanding", record_id=record_id, default=Decimal(0), limit=None),
        receivable_overdue=_money(receivable, "Overdue", record_id=record_id, default=Decimal(0), limit=None),
        default_currency=_text(record, "DefaultCurrency", record_id=record_id),
        merged_to_contact_id=_text(record, "MergedToContactID", record_id=record_id),
        contact_number=_text(record, "ContactNumber", record_id=record_id, max_length=CONTACT_NUMBER_MAX).strip(),
        persons=tuple(
            _person(item, record_id=record_id) for item in _objects(record, "ContactPersons", record_id=record_id)
        ),
        tax_number=_text(record, "TaxNumber", record_id=record_id, max_length=CONTACT_NUMBER_MAX),
        account_number=_text(record, "AccountNumber", record_id=record_id, max_length=CONTACT_NUMBER_MAX),
        sales_terms=sales_terms(record, record_id=record_id),
    )


def _person(item: Record, *, record_id: str) -> XeroContactPerson:
    return XeroContactPerson(
        first_name=_text(item, "FirstName", record_id=record_id, max_length=NAME_MAX),
        last_name=_text(item, "LastName", record_id=record_id, max_length=NAME_MAX),
        email=_text(item, "EmailAddress", record_id=record_id, max_length=NAME_MAX).strip(),
        include_in_emails=_flag(item, "IncludeInEmails", record_id=record_id),
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
        currency_rate=_rate(record, "CurrencyRate", record_id=record_id),
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
        number=_text(record, "InvoiceNumber", record_id=record_id, max_length=NAME_MAX),
        reference=_text(record, "Reference", record_id=record_id),
        contact_id=contact_id,
        contact_name=contact_name,
        date=_date(record, "Date", record_id=record_id),
        due_date=_date(record, "DueDate", record_id=record_id),
        currency_code=_text(record, "CurrencyCode", record_id=record_id),
        currency_rate=_rate(record, "CurrencyRate", record_id=record_id),
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
        number=_text(record, "CreditNoteNumber", record_id=record_id, max_length=NAME_MAX),
        reference=_text(record, "Reference", record_id=record_id),
        contact_id=contact_id,
        date=_date(record, "Date", record_id=record_id),
        currency_code=_text(record, "CurrencyCode", record_id=record_id),
        currency_rate=_rate(record, "CurrencyRate", record_id=record_id),
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
        number=_text(record, "QuoteNumber", record_id=record_id, max_length=NAME_MAX),
        status=_enum(QuoteStatus, record, "Status", record_id=record_id),
        contact_id=contact_id,
        date=_date(record, "Date", record_id=record_id),
        expiry_date=_date(record, "ExpiryDate", record_id=record_id),
        currency_code=_text(record, "CurrencyCode", record_id=record_id),
        total=_money(record, "Total", record_id=record_id),
        reference=_text(record, "Reference", record_id=record_id),
        title=_text(record, "Title", record_id=record_id, max_length=QUOTE_TITLE_MAX),
        updated_at=_updated_at(record, record_id=record_id),
    )
