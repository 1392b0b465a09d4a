"""What Capsync writes to Xero, and what Xero answers about each element of a write."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from integrations.xero.schemas.fields import Record, SchemaError, _flag, _money, _objects, _text
from integrations.xero.schemas.pages import _collection
from integrations.xero.schemas.records import XeroContact, contact


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
            refused = (
                bool(messages)
                or _flag(record, "HasValidationErrors", record_id=sent_id)
                or _text(record, "StatusAttributeString", record_id=sent_id).upper() == "ERROR"
            )
        except SchemaError:
            messages, refused = (), True
        if refused:
            results.append(
                ContactWriteResult(
                    contact_id=sent_id,
                    errors=messages or ("Xero refused the change without saying why.",),
                    contact=None,
                )
            )
            continue
        try:
            saved = contact(record)
        except SchemaError:
            saved = None
        results.append(ContactWriteResult(contact_id=sent_id, errors=(), contact=saved))
    return results


# --- identity and organisation -----------------------------------------------------------------------------------


# --- quote drafts ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteLine:
    description: str
    quantity: Decimal
    unit_amount: Decimal


@dataclass(frozen=True)
class QuoteDraft:
    """A new DRAFT quote as Capsync asks Xero to make it. `line_amount_types` is EXCLUSIVE, INCLUSIVE or NOTAX
    (upper case on quotes, unlike invoices)."""

    contact_id: str
    reference: str
    title: str
    summary: str
    date: date
    expiry_date: date | None
    line_amount_types: str
    currency_code: str
    lines: tuple[QuoteLine, ...]


def quote_draft_json(draft: QuoteDraft) -> Record:
    """The element of a PUT /Quotes body for `draft`. The same draft always gives the same element (key order
    included), so a retried create sends the very body its Idempotency-Key was first used with."""
    element: Record = {
        "Contact": {"ContactID": draft.contact_id},
        "Status": "DRAFT",
        "Reference": draft.reference,
        "Title": draft.title,
        "Summary": draft.summary,
        "Date": draft.date.isoformat(),
        "LineAmountTypes": draft.line_amount_types,
        "CurrencyCode": draft.currency_code,
        "LineItems": [
            {"Description": line.description, "Quantity": line.quantity, "UnitAmount": line.unit_amount}
            for line in draft.lines
        ],
    }
    if draft.expiry_date is not None:
        element["ExpiryDate"] = draft.expiry_date.isoformat()
    return element


# --- invoices ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceLine:
    """One line of a new sales invoice. Empty `item_code`, `account_code`, `tax_type` and a None `discount_rate`
    are left out (Xero then applies the item's or account's defaults). `tracking` is (category name, option name)
    pairs, as Xero's LineItemTracking names them."""

    description: str
    quantity: Decimal
    unit_amount: Decimal
    item_code: str = ""
    account_code: str = ""
    tax_type: str = ""
    discount_rate: Decimal | None = None
    tracking: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class InvoiceDraft:
    """A new ACCREC invoice as Capsync asks Xero to make it. `status` is DRAFT, SUBMITTED or AUTHORISED;
    `line_amount_types` is Exclusive, Inclusive or NoTax (Xero's invoice spelling, unlike quotes')."""

    contact_id: str
    reference: str
    status: str
    date: date
    due_date: date | None
    line_amount_types: str
    currency_code: str
    lines: tuple[InvoiceLine, ...]


def _invoice_line_json(line: InvoiceLine) -> Record:
    element: Record = {"Description": line.description, "Quantity": line.quantity, "UnitAmount": line.unit_amount}
    if line.item_code:
        element["ItemCode"] = line.item_code
    if line.account_code:
        element["AccountCode"] = line.account_code
    if line.tax_type:
        element["TaxType"] = line.tax_type
    if line.discount_rate is not None:
        element["DiscountRate"] = line.discount_rate
    if line.tracking:
        element["Tracking"] = [{"Name": name, "Option": option} for name, option in line.tracking]
    return element


def document_line(record: Record) -> InvoiceLine:
    """One element of a document's LineItems (a quote's, to copy into an invoice). Raises SchemaError."""
    record_id = str(record.get("LineItemID") or "")
    quantity = _money(record, "Quantity", record_id=record_id, places=4)
    unit_amount = _money(record, "UnitAmount", record_id=record_id, places=4)
    discount = _money(record, "DiscountRate", record_id=record_id)
    return InvoiceLine(
        description=_text(record, "Description", record_id=record_id),
        quantity=quantity if quantity is not None else Decimal(1),
        unit_amount=unit_amount if unit_amount is not None else Decimal(0),
        item_code=_text(record, "ItemCode", record_id=record_id),
        account_code=_text(record, "AccountCode", record_id=record_id),
        tax_type=_text(record, "TaxType", record_id=record_id),
        discount_rate=discount or None,
        tracking=tuple(
            (_text(option, "Name", record_id=record_id), _text(option, "Option", record_id=record_id))
            for option in _objects(record, "Tracking", record_id=record_id)
        ),
    )


def invoice_draft_json(draft: InvoiceDraft) -> Record:
    """The element of a PUT /Invoices body for `draft`. The same draft always gives the same element, so a retried
    create sends the very body its Idempotency-Key was first used with."""
    element: Record = {
        "Type": "ACCREC",
        "Contact": {"ContactID": draft.contact_id},
        "Status": draft.status,
        "Reference": draft.reference,
        "Date": draft.date.isoformat(),
        "LineAmountTypes": draft.line_amount_types,
        "CurrencyCode": draft.currency_code,
        "LineItems": [_invoice_line_json(line) for line in draft.lines],
    }
    if draft.due_date is not None:
        element["DueDate"] = draft.due_date.isoformat()
    return element
