"""PUT /CreditNotes/{CreditNoteID}/Allocations: apply a credit note to an invoice of the same contact."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xero_sandbox import msdate
from xero_sandbox.accounting import writes
from xero_sandbox.accounting.invoices import CREDIT_NOTE, INVOICE, find_document, render, settle, stamp
from xero_sandbox.accounting.results import ApiResult, ElementInvalid, money, not_found, to_decimal
from xero_sandbox.store import Event, TenantData

Record = dict[str, Any]


def _request_date(value: Any, field_name: str) -> date:
    try:
        return msdate.parse_request_date(value)
    except ValueError as exc:
        raise ElementInvalid([f"{field_name} must be a valid date."]) from exc


def allocation_save(
    *, data: TenantData, credit_note_id: str, element: Record, now: datetime
) -> tuple[Record, list[Event]]:
    """Apply part of a credit note to an invoice of the same contact. Raises ElementInvalid on a broken rule."""
    writes.require_shapes(element, objects=("Invoice",))
    writes.require_shapes(element.get("Invoice") or {}, strings=("InvoiceID", "InvoiceNumber"))
    credit = data.credit_notes.get(credit_note_id)
    if credit is None:
        raise ElementInvalid([f"Credit Note with ID {credit_note_id} could not be found."])
    invoice_ref = element.get("Invoice") or {}
    invoice = None
    if isinstance(invoice_ref, dict):
        ref = invoice_ref.get("InvoiceID") or invoice_ref.get("InvoiceNumber")
        invoice = data.find_invoice(ref) if ref else None
    if invoice is None:
        raise ElementInvalid(["Invoice could not be found."])
    # pyxero (PR #375, credit note allocations) sends the amount as <AppliedAmount>, the name Xero's responses use.
    amount_field = next((name for name in ("Amount", "AppliedAmount") if name in element), None)
    if amount_field is None:
        raise ElementInvalid(["Amount is required."])
    amount = money(to_decimal(element[amount_field], field_name=amount_field))
    day = _request_date(
        element.get("Date") or msdate.format_date(msdate.local_today(now=now, timezone_name=data.timezone)), "Date"
    )
    errors = []
    if credit.get("Status") != "AUTHORISED":
        errors.append("Credit Note must be AUTHORISED to be allocated.")
    if invoice.get("Status") != "AUTHORISED":
        errors.append("Invoice must be AUTHORISED to receive an allocation.")
    if {"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"}.get(credit.get("Type", "")) != invoice.get("Type"):
        errors.append("The credit note and invoice types do not match.")
    if (credit.get("Contact") or {}).get("ContactID") != (invoice.get("Contact") or {}).get("ContactID"):
        errors.append("The credit note and invoice must belong to the same contact.")
    if credit.get("CurrencyCode") != invoice.get("CurrencyCode"):
        errors.append("The credit note and invoice must be in the same currency.")
    if amount <= 0:
        errors.append("Amount must be greater than zero.")
    elif amount > Decimal(str(credit.get("RemainingCredit", 0))):
        errors.append("The amount applied exceeds the remaining credit on this credit note.")
    elif amount > Decimal(str(invoice.get("AmountDue", 0))):
        errors.append("The amount applied exceeds the amount outstanding on this invoice.")
    if errors:
        raise ElementInvalid(errors)
    allocation_id = data.make_id()
    when = msdate.format_date(day)
    credit = dict(credit)
    credit["Allocations"] = [
        *credit.get("Allocations", []),
        {
            "AllocationID": allocation_id,
            "Amount": amount,
            "Date": when,
            "Invoice": {"InvoiceID": invoice["InvoiceID"], "InvoiceNumber": invoice.get("InvoiceNumber", "")},
        },
    ]
    credit["AppliedAmount"] = money(Decimal(str(credit.get("AppliedAmount", 0))) + amount)
    credit["RemainingCredit"] = money(Decimal(str(credit["RemainingCredit"])) - amount)
    settle(credit, kind=CREDIT_NOTE, last_date=when)
    stamp(credit, now)
    data.save("CreditNotes", credit)
    invoice = dict(invoice)
    invoice["CreditNotes"] = [
        *invoice.get("CreditNotes", []),
        {
            "CreditNoteID": credit["CreditNoteID"],
            "CreditNoteNumber": credit.get("CreditNoteNumber", ""),
            "ID": credit["CreditNoteID"],
            "AppliedAmount": amount,
            "Date": when,
            "DateString": msdate.date_string(day),
            "Total": credit["Total"],
            "HasErrors": False,
        },
    ]
    invoice["AmountCredited"] = money(Decimal(str(invoice.get("AmountCredited", 0))) + amount)
    invoice["AmountDue"] = money(Decimal(str(invoice["AmountDue"])) - amount)
    settle(invoice, kind=INVOICE, last_date=when)
    stamp(invoice, now)
    data.save("Invoices", invoice)
    response = {
        "AllocationID": allocation_id,
        "Amount": amount,
        "Date": when,
        "IsDeleted": False,
        "Invoice": render(data=data, record=invoice, summary=True),
        "CreditNote": {
            "CreditNoteID": credit["CreditNoteID"],
            "CreditNoteNumber": credit.get("CreditNoteNumber", ""),
            "Type": credit["Type"],
        },
    }
    events = [
        Event("INVOICE", "UPDATE", invoice["InvoiceID"], f"Invoices/{invoice['InvoiceID']}"),
        Event("CREDITNOTE", "UPDATE", credit["CreditNoteID"], f"CreditNotes/{credit['CreditNoteID']}"),
    ]
    return response, events


def write_allocations(
    *, data: TenantData, credit_note_id: str, query: dict[str, list[str]], body: bytes, now: datetime
) -> ApiResult:
    """PUT /CreditNotes/{CreditNoteID}/Allocations."""
    credit = find_document(data, "CreditNotes", credit_note_id)
    if credit is None:
        return not_found()
    elements = writes.parse_elements(body, "Allocations")
    return writes.run_batch(
        collection="Allocations",
        elements=elements,
        save=lambda element: allocation_save(
            data=data, credit_note_id=credit["CreditNoteID"], element=element, now=now
        ),
        id_field=None,
        query=query,
    )
