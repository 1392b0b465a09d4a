"""Xero's JSON records for the tests, built in one place.

Xero has two shapes, and so do these builders:

- A record as Xero returns it (`xero_contact`, `xero_invoice`, `xero_credit_note`, `xero_payment`, `xero_quote`): ids,
  numbers, totals and `/Date(...)/` dates, amounts as the JSON numbers Xero sends (floats: `json` cannot write
  Decimal, and the text of each of these floats is exact). Load it into the sandbox (`sandbox.load`), or pass it
  through `decoded()` to get what Capsync's client hands the parsers (amounts as Decimal).
- An element a client sends to create one (`invoice_element`, `credit_note_element`, `payment_element`,
  `quote_element`): no id, no number, no totals; Xero numbers it and works its totals out from the lines.

Every builder takes keyword arguments only, with defaults for a small authorised GBP sale to Bluebell Bakery; any
other field goes in `**fields`, which has the last word (`xero_invoice(contact=c, Status="OVERDUE")` too).
Plain Python, no Django: the sandbox's tests use it as well.
"""

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

Record = dict[str, Any]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ISSUED = date(2026, 9, 1)
DUE = date(2026, 10, 1)
# Statuses of an invoice on which nothing is left to pay.
_SETTLED = {"PAID", "VOIDED", "DELETED"}


def msdate(day: date | datetime) -> str:
    """Xero's `/Date(<ms since the epoch>+0000)/`: a calendar day at midnight UTC, or an aware moment."""
    moment = day if isinstance(day, datetime) else datetime(day.year, day.month, day.day, tzinfo=UTC)
    return f"/Date({(moment - EPOCH) // timedelta(milliseconds=1)}+0000)/"


def decoded(record: Record) -> Record:
    """The record as Capsync's client decodes Xero's answer: every JSON number with a fraction becomes Decimal."""
    return json.loads(json.dumps(record), parse_float=Decimal)


def contact_ref(contact: Record) -> Record:
    """How a document names its contact: the id, and the name when the contact has one."""
    ref = {"ContactID": contact["ContactID"]}
    if "Name" in contact:
        ref["Name"] = contact["Name"]
    return ref


def _amount(value: str | Decimal) -> float:
    return float(Decimal(value))


# --- records as Xero returns them --------------------------------------------------------------------------------


def xero_contact(
    *,
    name: str = "Bluebell Bakery",
    contact_id: str | None = None,
    status: str = "ACTIVE",
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    updated: datetime | None = None,
    **fields: Any,
) -> Record:
    """A contact; email, names, phone and UpdatedDateUTC are left out when not given, as Xero leaves out empties."""
    record: Record = {
        "ContactID": contact_id or str(uuid.uuid4()),
        "Name": name,
        "ContactStatus": status,
        "IsSupplier": False,
        "IsCustomer": False,
        "Phones": [],
        "Addresses": [],
    }
    if email:
        record["EmailAddress"] = email
    if first_name:
        record["FirstName"] = first_name
    if last_name:
        record["LastName"] = last_name
    if phone:
        record["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": phone}]
    if updated is not None:
        record["UpdatedDateUTC"] = msdate(updated)
    return {**record, **fields}


def xero_invoice(
    *,
    contact: Record,
    invoice_id: str | None = None,
    number: str | None = None,
    type_: str = "ACCREC",
    status: str = "AUTHORISED",
    total: str = "120.00",
    tax: str = "0.00",
    amount_due: str | None = None,
    issued: date = ISSUED,
    due: date = DUE,
    currency: str = "GBP",
    reference: str = "",
    updated: datetime | None = None,
    **fields: Any,
) -> Record:
    """An invoice of `contact` for `total` (of which `tax` is tax). What is due is the total, nothing once PAID,
    VOIDED or DELETED, or `amount_due`; an AUTHORISED or PAID invoice has been paid the rest."""
    total_amount = Decimal(total)
    settled = Decimal(0) if status in _SETTLED else total_amount
    due_amount = Decimal(amount_due) if amount_due is not None else settled
    record: Record = {
        "InvoiceID": invoice_id or str(uuid.uuid4()),
        "Type": type_,
        "InvoiceNumber": number or f"INV-{uuid.uuid4().hex[:6]}",
        "Reference": reference,
        "Contact": contact_ref(contact),
        "Status": status,
        "LineAmountTypes": "Exclusive",
        "Date": msdate(issued),
        "DueDate": msdate(due),
        "CurrencyCode": currency,
        "CurrencyRate": 1,
        "SubTotal": float(total_amount - Decimal(tax)),
        "TotalTax": _amount(tax),
        "Total": float(total_amount),
        "AmountDue": float(due_amount),
        "AmountPaid": float(total_amount - due_amount) if status in {"AUTHORISED", "PAID"} else 0.0,
        "AmountCredited": 0.0,
        "LineItems": [],
        "Payments": [],
    }
    if updated is not None:
        record["UpdatedDateUTC"] = msdate(updated)
    return {**record, **fields}


def xero_credit_note(
    *,
    contact: Record,
    credit_note_id: str | None = None,
    number: str | None = None,
    total: str = "30.00",
    remaining: str | None = None,
    issued: date = ISSUED,
    currency: str = "GBP",
    updated: datetime | None = None,
    **fields: Any,
) -> Record:
    """A sales credit note of `contact`, authorised, with `remaining` of it still to allocate (all of it unless
    given)."""
    record: Record = {
        "CreditNoteID": credit_note_id or str(uuid.uuid4()),
        "Type": "ACCRECCREDIT",
        "CreditNoteNumber": number or f"CN-{uuid.uuid4().hex[:6]}",
        "Reference": "",
        "Contact": contact_ref(contact),
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "Date": msdate(issued),
        "CurrencyCode": currency,
        "CurrencyRate": 1,
        "SubTotal": _amount(total),
        "TotalTax": 0.0,
        "Total": _amount(total),
        "RemainingCredit": _amount(remaining or total),
        "LineItems": [],
        "Allocations": [],
    }
    if updated is not None:
        record["UpdatedDateUTC"] = msdate(updated)
    return {**record, **fields}


def xero_payment(
    *,
    invoice_id: str,
    payment_id: str | None = None,
    amount: str = "50.00",
    paid_on: date = ISSUED,
    status: str = "AUTHORISED",
    updated: datetime | None = None,
    **fields: Any,
) -> Record:
    """A payment received against a sales invoice, as /Payments lists it."""
    record: Record = {
        "PaymentID": payment_id or str(uuid.uuid4()),
        "Date": msdate(paid_on),
        "Amount": _amount(amount),
        "Reference": "",
        "CurrencyRate": 1.0,
        "PaymentType": "ACCRECPAYMENT",
        "Status": status,
        "Invoice": {"InvoiceID": invoice_id, "Type": "ACCREC"},
    }
    if updated is not None:
        record["UpdatedDateUTC"] = msdate(updated)
    return {**record, **fields}


def xero_quote(
    *,
    contact: Record,
    quote_id: str | None = None,
    number: str | None = None,
    status: str = "DRAFT",
    title: str = "Bakery refit",
    total: str = "1500.00",
    reference: str = "",
    issued: date = ISSUED,
    expires: date = DUE,
    currency: str = "GBP",
    updated: datetime | None = None,
    **fields: Any,
) -> Record:
    """A quote to `contact`."""
    record: Record = {
        "QuoteID": quote_id or str(uuid.uuid4()),
        "QuoteNumber": number or f"QU-{uuid.uuid4().hex[:6]}",
        "Reference": reference,
        "Title": title,
        "Contact": contact_ref(contact),
        "Date": msdate(issued),
        "ExpiryDate": msdate(expires),
        "Status": status,
        "CurrencyCode": currency,
        "Total": _amount(total),
        "LineAmountTypes": "EXCLUSIVE",
        "LineItems": [],
    }
    if updated is not None:
        record["UpdatedDateUTC"] = msdate(updated)
    return {**record, **fields}


# --- elements a client sends to create one ----------------------------------------------------------------------


def line(
    *,
    description: str = "Work",
    quantity: Any = 1,
    unit_amount: Any = "100.00",
    account_code: str | None = "200",
    **fields: Any,
) -> Record:
    """One line of a document to create (amounts passed through as given: string, int, float or Decimal)."""
    item: Record = {"Description": description, "Quantity": quantity, "UnitAmount": unit_amount}
    if account_code is not None:
        item["AccountCode"] = account_code
    return {**item, **fields}


def invoice_element(
    *,
    contact_id: str,
    type_: str = "ACCREC",
    issued: str = "2026-03-01",
    due: str = "2026-03-31",
    line_items: list[Record] | None = None,
    **fields: Any,
) -> Record:
    """A sales invoice to create (DRAFT unless `Status` says otherwise); by default two units of work at 50.25
    (100.50 net: 20.10 of UK VAT on top)."""
    lines = line_items if line_items is not None else [line(description="Work", quantity=2, unit_amount=50.25)]
    return {
        "Type": type_,
        "Contact": {"ContactID": contact_id},
        "Date": issued,
        "DueDate": due,
        "LineItems": lines,
        **fields,
    }


def credit_note_element(*, contact_id: str, amount: Any = "50.00", issued: str = "2026-03-01", **fields: Any) -> Record:
    """An authorised sales credit note to create: one refund line of `amount` (net)."""
    return {
        "Type": "ACCRECCREDIT",
        "Contact": {"ContactID": contact_id},
        "Date": issued,
        "Status": "AUTHORISED",
        "LineItems": [line(description="Refund", unit_amount=amount, account_code=None)],
        **fields,
    }


def payment_element(
    *,
    invoice_id: str,
    amount: Any = Decimal("20.00"),
    paid_on: str = "2026-03-02",
    account_code: str = "090",
    **fields: Any,
) -> Record:
    """A payment to make against an invoice, from the bank account `account_code`."""
    return {
        "Invoice": {"InvoiceID": invoice_id},
        "Account": {"Code": account_code},
        "Date": paid_on,
        "Amount": amount,
        **fields,
    }


def quote_element(
    *,
    contact_id: str,
    issued: str = "2026-03-01",
    expires: str = "2026-03-31",
    title: str = "Widget upgrade",
    line_items: list[Record] | None = None,
    **fields: Any,
) -> Record:
    """A quote to create (DRAFT), ten widgets at 25 by default."""
    lines = (
        line_items
        if line_items is not None
        else [line(description="Widgets", quantity=10, unit_amount=25, account_code=None)]
    )
    return {
        "Contact": {"ContactID": contact_id},
        "Date": issued,
        "ExpiryDate": expires,
        "Title": title,
        "LineItems": lines,
        **fields,
    }


def xero_item(
    *,
    code: str = "CAKE",
    name: str = "Celebration cake",
    price: str | None = "40.00",
    account: str = "200",
    **fields: Any,
) -> Record:
    """A sold Item as loaded into the sandbox (it adds the id and UpdatedDateUTC): its SalesDetails' price, account
    and, when given in `fields` as `tax_type`, tax type."""
    tax_type = fields.pop("tax_type", "")
    sales: Record = {"AccountCode": account}
    if price is not None:
        sales["UnitPrice"] = _amount(price)
    if tax_type:
        sales["TaxType"] = tax_type
    return {"Code": code, "Name": name, "IsSold": True, "SalesDetails": sales, **fields}
