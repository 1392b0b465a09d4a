"""Xero-shaped records to load into the sandbox (as Xero's API returns them), and running a sync on them."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils import timezone

from integrations.xero import client
from integrations.xero.models import MatchConflict, SyncRun
from integrations.xero.sync import run
from tests.factories import OrganisationFactory


def msdate(day: date) -> str:
    return f"/Date({int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)}+0000)/"


def xero_contact(name: str, *, email: str = "", first_name: str = "", last_name: str = "", phone: str = "",
                 status: str = "ACTIVE", contact_id: str | None = None) -> dict:
    record = {"ContactID": contact_id or str(uuid.uuid4()), "Name": name, "ContactStatus": status,
              "IsSupplier": False, "IsCustomer": False, "Phones": [], "Addresses": []}
    if email:
        record["EmailAddress"] = email
    if first_name:
        record["FirstName"] = first_name
    if last_name:
        record["LastName"] = last_name
    if phone:
        record["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": phone}]
    return record


def xero_invoice(contact: dict, *, status: str = "AUTHORISED", type_: str = "ACCREC", total: str = "120.00",
                 amount_due: str | None = None, issued: date = date(2026, 9, 1), due: date = date(2026, 10, 1),
                 currency: str = "GBP", number: str | None = None) -> dict:
    total_amount = Decimal(total)
    due_amount = Decimal(amount_due) if amount_due is not None else (
        Decimal("0") if status in {"PAID", "VOIDED", "DELETED"} else total_amount)
    return {
        "InvoiceID": str(uuid.uuid4()),
        "Type": type_,
        "InvoiceNumber": number or f"INV-{uuid.uuid4().hex[:6]}",
        "Reference": "",
        "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
        "Status": status,
        "LineAmountTypes": "Exclusive",
        "Date": msdate(issued),
        "DueDate": msdate(due),
        "CurrencyCode": currency,
        "CurrencyRate": 1,
        # JSON numbers, as Xero sends them (json cannot write Decimal; the text of a float is exact here).
        "SubTotal": float(total_amount),
        "TotalTax": 0.0,
        "Total": float(total_amount),
        "AmountDue": float(due_amount),
        "AmountPaid": float(total_amount - due_amount) if status in {"AUTHORISED", "PAID"} else 0.0,
        "AmountCredited": 0.0,
        "LineItems": [],
        "Payments": [],
    }


def xero_credit_note(contact: dict, *, total: str = "30.00", credit_note_id: str | None = None,
                     number: str | None = None) -> dict:
    """A sales credit note of `contact`, authorised and not yet allocated."""
    amount = float(Decimal(total))
    return {
        "CreditNoteID": credit_note_id or str(uuid.uuid4()), "Type": "ACCRECCREDIT",
        "CreditNoteNumber": number or f"CN-{uuid.uuid4().hex[:6]}", "Reference": "",
        "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]}, "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive", "Date": msdate(date(2026, 9, 1)), "CurrencyCode": "GBP", "CurrencyRate": 1,
        "SubTotal": amount, "TotalTax": 0.0, "Total": amount, "RemainingCredit": amount, "LineItems": [],
        "Allocations": [],
    }


class Sleeps(list):
    """Stands in for time.sleep: records how long the sync chose to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class WaitsThatPass(Sleeps):
    """Waits that really pass, on the sandbox's clock (Xero's minute windows follow it)."""

    def __init__(self, sandbox) -> None:
        super().__init__()
        self.sandbox = sandbox

    def __call__(self, seconds: float) -> None:
        super().__call__(seconds)
        self.sandbox.clock_advance(seconds)


def sync(connection, *, kind=SyncRun.Kind.FULL, sleeps=None) -> SyncRun:
    return run.organisation_sync(
        connection_id=connection.pk, kind=kind, clock=timezone.now, identity=client.identity_from_settings(),
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


def load(xero, *, contacts=(), invoices=()):
    body = {}
    if contacts:
        body["Contacts"] = list(contacts)
    if invoices:
        body["Invoices"] = list(invoices)
    xero.sandbox.load(xero.uk_tenant_id, body)


def doubtful_match(xero, connection):
    """Two CRM organisations that both match one paying Xero contact by name, synced: one open conflict."""
    OrganisationFactory(name="Smith & Co", team=connection.default_team)
    OrganisationFactory(name="Smith and Co", team=connection.default_team)
    customer = xero_contact("Smith & Co")
    load(xero, contacts=[customer], invoices=[xero_invoice(customer)])
    sync(connection)
    return MatchConflict.objects.get(xero_contact__xero_id=customer["ContactID"])
