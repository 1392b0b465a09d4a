"""/Payments: list, get, create (PUT batch, POST single bare or wrapped), delete (POST {"Status": "DELETED"})."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from xero_sandbox import msdate
from xero_sandbox.accounting import invoices, listing, writes
from xero_sandbox.accounting.results import ApiResult, ElementInvalid, money, not_found, ok, to_decimal
from xero_sandbox.store import Event, TenantData

Record = dict[str, Any]

_PAYMENT_TYPES = {
    "ACCREC": "ACCRECPAYMENT",
    "ACCPAY": "ACCPAYPAYMENT",
    "ACCRECCREDIT": "ARCREDITPAYMENT",
    "ACCPAYCREDIT": "APCREDITPAYMENT",
}


def list_payments(*, data: TenantData, query: dict[str, list[str]], headers: dict[str, str]) -> ApiResult:
    """GET /Payments."""
    page = listing.select(collection=data.payments, query=query, headers=headers, page_size_allowed=True)
    body: Record = {"Payments": [dict(record) for record in page.records]}
    if page.pagination is not None:
        body = {"pagination": page.pagination, **body}
    return ok(body)


def get_payment(*, data: TenantData, payment_id: str) -> ApiResult:
    """GET /Payments/{PaymentID}."""
    record = data.payments.get(payment_id)
    if record is None:
        return not_found()
    return ok({"Payments": [dict(record)]})


def _target(data: TenantData, element: Record) -> tuple[invoices.Kind, Record]:
    invoice_ref = element.get("Invoice")
    credit_ref = element.get("CreditNote")
    if isinstance(invoice_ref, dict) or element.get("InvoiceNumber"):
        ref = (
            (invoice_ref or {}).get("InvoiceID")
            or (invoice_ref or {}).get("InvoiceNumber")
            or element.get("InvoiceNumber")
        )
        record = data.find_invoice(ref) if ref else None
        if record is None:
            raise ElementInvalid(["Invoice could not be found."])
        return invoices.INVOICE, record
    if isinstance(credit_ref, dict) or element.get("CreditNoteNumber"):
        ref = (
            (credit_ref or {}).get("CreditNoteID")
            or (credit_ref or {}).get("CreditNoteNumber")
            or element.get("CreditNoteNumber")
        )
        record = invoices.find_document(data, "CreditNotes", ref) if ref else None
        if record is None:
            raise ElementInvalid(["Credit Note could not be found."])
        return invoices.CREDIT_NOTE, record
    raise ElementInvalid(["You must specify either an Invoice or a Credit Note for a payment."])


def payment_create(*, data: TenantData, element: Record, now: datetime) -> tuple[Record, list[Event]]:
    """Record a payment against an invoice (or a refund against a credit note) and update that document.

    Raises ElementInvalid (nothing saved) when the document, account, date or amount is not acceptable.
    """
    writes.require_shapes(
        element,
        strings=("PaymentID", "InvoiceNumber", "CreditNoteNumber", "Code", "Reference"),
        objects=("Invoice", "CreditNote", "Account"),
    )
    for name, fields in (
        ("Invoice", ("InvoiceID", "InvoiceNumber")),
        ("CreditNote", ("CreditNoteID", "CreditNoteNumber")),
        ("Account", ("AccountID", "Code")),
    ):
        writes.require_shapes(element.get(name) or {}, strings=fields)
    if element.get("PaymentID"):
        raise ElementInvalid(["A payment cannot be updated; delete it and create a new one."])
    kind, document = _target(data, element)
    errors: list[str] = []
    account_ref = element.get("Account") if isinstance(element.get("Account"), dict) else {}
    account = data.find_account(
        account_id=account_ref.get("AccountID"), code=account_ref.get("Code") or element.get("Code")
    )
    if account is None:
        errors.append("Account could not be found.")
    elif account.get("Type") != "BANK" and not account.get("EnablePaymentsToAccount"):
        errors.append("Account type is invalid for making a payment to.")
    day = None
    if not element.get("Date"):
        errors.append("Date is required.")
    else:
        try:
            day = msdate.parse_request_date(element["Date"])
        except ValueError:
            errors.append("Date must be a valid date.")
    if element.get("Amount") is None:
        errors.append("Amount is required.")
        amount = Decimal(0)
    else:
        amount = money(to_decimal(element["Amount"], field_name="Amount"))
    outstanding_field = "AmountDue" if kind is invoices.INVOICE else "RemainingCredit"
    if document.get("Status") != "AUTHORISED":
        errors.append("Payment can only be made against Authorised documents.")
    elif element.get("Amount") is not None and amount <= 0:
        errors.append("Payment amount must be greater than zero.")
    elif amount > Decimal(str(document.get(outstanding_field, 0))):
        errors.append("The payment amount exceeds the amount outstanding on this document.")
    if errors:
        raise ElementInvalid(errors)
    assert account is not None
    assert day is not None
    payment_id = data.make_id()
    when = msdate.format_date(day)
    rate = element.get("CurrencyRate", document.get("CurrencyRate", Decimal("1.000000")))
    id_field = kind.id_field
    document_summary = {
        id_field: document[id_field],
        kind.number_field: document.get(kind.number_field, ""),
        "Type": document["Type"],
        "Contact": dict(document.get("Contact") or {}),
        "CurrencyCode": document.get("CurrencyCode"),
        "IsDiscounted": False,
        "HasErrors": False,
    }
    payment: Record = {
        "PaymentID": payment_id,
        "Date": when,
        "BankAmount": amount,
        "Amount": amount,
        "Reference": element.get("Reference", ""),
        "CurrencyRate": rate,
        "PaymentType": _PAYMENT_TYPES[document["Type"]],
        "Status": "AUTHORISED",
        "IsReconciled": bool(element.get("IsReconciled", False)),
        "HasAccount": True,
        "HasValidationErrors": False,
        "Account": {"AccountID": account["AccountID"], "Code": account["Code"]},
        ("Invoice" if kind is invoices.INVOICE else "CreditNote"): document_summary,
    }
    invoices.stamp(payment, now)
    updated = dict(document)
    updated["Payments"] = [
        *document.get("Payments", []),
        {
            "PaymentID": payment_id,
            "Date": when,
            "Amount": amount,
            "Reference": payment["Reference"],
            "CurrencyRate": rate,
            "HasAccount": True,
            "HasValidationErrors": False,
        },
    ]
    updated["AmountPaid"] = money(Decimal(str(document.get("AmountPaid", 0))) + amount)
    updated[outstanding_field] = money(Decimal(str(document[outstanding_field])) - amount)
    invoices.settle(updated, kind=kind, last_date=when)
    invoices.stamp(updated, now)
    data.save(kind.collection, updated)
    data.save("Payments", payment)
    event = Event(kind.category, "UPDATE", document[id_field], f"{kind.collection}/{document[id_field]}")
    return dict(payment), [event]


def payment_delete(*, data: TenantData, payment_id: str, element: Record, now: datetime) -> tuple[Record, list[Event]]:
    """Delete a payment (``{"Status": "DELETED"}``) and give the amount back to its document."""
    writes.require_shapes(element, strings=("Status",))
    payment = data.payments.get(payment_id)
    if payment is None:
        raise ElementInvalid([f"Payment with ID {payment_id} could not be found."])
    if element.get("Status") != "DELETED":
        raise ElementInvalid(["Only a Status of DELETED can be set on an existing payment."])
    if payment.get("Status") == "DELETED":
        raise ElementInvalid(["This payment has already been deleted."])
    events: list[Event] = []
    amount = Decimal(str(payment["Amount"]))
    for kind, key in ((invoices.INVOICE, "Invoice"), (invoices.CREDIT_NOTE, "CreditNote")):
        ref = (payment.get(key) or {}).get(kind.id_field)
        document = data.collections[kind.collection].get(ref) if ref else None
        if document is None:
            continue
        outstanding_field = "AmountDue" if kind is invoices.INVOICE else "RemainingCredit"
        updated = dict(document)
        updated["Payments"] = [p for p in document.get("Payments", []) if p.get("PaymentID") != payment["PaymentID"]]
        updated["AmountPaid"] = money(Decimal(str(document.get("AmountPaid", 0))) - amount)
        updated[outstanding_field] = money(Decimal(str(document.get(outstanding_field, 0))) + amount)
        invoices.settle(updated, kind=kind, last_date=None)
        invoices.stamp(updated, now)
        data.save(kind.collection, updated)
        events.append(Event(kind.category, "UPDATE", ref, f"{kind.collection}/{ref}"))
    deleted = {**payment, "Status": "DELETED"}
    invoices.stamp(deleted, now)
    data.save("Payments", deleted)
    return dict(deleted), events


def write_payments(
    *, data: TenantData, method: str, payment_id: str | None, query: dict[str, list[str]], body: bytes, now: datetime
) -> ApiResult:
    """PUT /Payments (batch), POST /Payments (single bare or wrapped), POST /Payments/{PaymentID} (delete)."""
    elements = writes.parse_elements(body, "Payments")
    if payment_id is not None:
        if data.payments.get(payment_id) is None:
            return not_found()
        return writes.run_batch(
            collection="Payments",
            elements=elements[:1],
            id_field="PaymentID",
            query=query,
            save=lambda element: payment_delete(data=data, payment_id=payment_id, element=element, now=now),
        )
    return writes.run_batch(
        collection="Payments",
        elements=elements,
        id_field="PaymentID",
        query=query,
        save=lambda element: (
            payment_delete(data=data, payment_id=element["PaymentID"], element=element, now=now)
            if isinstance(element.get("PaymentID"), str) and element.get("Status") == "DELETED"
            else payment_create(data=data, element=element, now=now)
        ),
    )
