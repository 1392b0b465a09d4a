"""Xero invoices and credit notes into the CRM's invoice mirror (the invoices app owns the storage).

The mirror is keyed by the CRM's accounting organisation; a connection names its own (`organisation_id_of`).
"""

from datetime import datetime
from decimal import Decimal

from django.db import connection as db

from integrations.xero import schemas
from integrations.xero.models import XeroConnection, XeroContact
from invoices import selectors as invoice_selectors
from invoices import services as invoice_services

ZERO = Decimal("0")


def organisation_id_of(*, connection_id: int) -> int:
    """The CRM organisation whose books this connection fills. Raises XeroConnection.DoesNotExist."""
    return XeroConnection.objects.values_list("organisation_id", flat=True).get(pk=connection_id)


def _text_array(values: set[str]) -> str:
    """PostgreSQL's text form of a text[] of `values`: each element quoted, a backslash before `\\` and `"`."""
    return "{" + ",".join('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values) + "}"


def _linked_contacts(connection_id: int, xero_contact_ids: set[str]) -> dict[str, int]:
    linked = XeroContact.objects.filter(connection_id=connection_id, contact__isnull=False)
    if db.vendor != "postgresql":
        return dict(linked.filter(xero_id__in=xero_contact_ids).values_list("xero_id", "contact_id"))
    # One parameter, the array's own text: `__in` gives a placeholder per id, which Django and psycopg's client-side
    # binding then handle one by one (a third of a page's store time at 1,000 ids), and even a list parameter is
    # quoted id by id in Python by psycopg (2-3 ms a page). The array stays a constant, so the planner still sees
    # how many ids there are and looks each up through the (connection, xero_id) index.
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT xero_id, contact_id FROM {XeroContact._meta.db_table} "  # noqa: S608
            "WHERE connection_id = %s AND contact_id IS NOT NULL AND xero_id = ANY(%s::text[])",
            [connection_id, _text_array(xero_contact_ids)],
        )
        return dict(cursor.fetchall())


def _invoice_data(invoice: schemas.XeroInvoice) -> invoice_services.InvoiceData:
    return invoice_services.InvoiceData(
        xero_id=invoice.invoice_id,
        xero_contact_id=invoice.contact_id,
        kind="invoice",
        type=str(invoice.type),
        status=str(invoice.status),
        number=invoice.number or "",
        reference=invoice.reference or "",
        issued_on=invoice.date,
        due_on=invoice.due_date,
        currency_code=invoice.currency_code,
        currency_rate=invoice.currency_rate,
        sub_total=invoice.sub_total or ZERO,
        total_tax=invoice.total_tax or ZERO,
        total=invoice.total or ZERO,
        amount_due=invoice.amount_due or ZERO,
        amount_paid=invoice.amount_paid or ZERO,
        amount_credited=invoice.amount_credited or ZERO,
        remaining_credit=ZERO,
        fully_paid_on=invoice.fully_paid_on,
        xero_updated_at=invoice.updated_at,
        payments=tuple(
            invoice_services.PaymentData(
                xero_id=payment.payment_id,
                paid_on=payment.date,
                amount=payment.amount,
                currency_rate=payment.currency_rate,
                # Payments listed inside an invoice carry no status; only live payments are listed there.
                status=str(payment.status or schemas.PaymentStatus.AUTHORISED),
            )
            for payment in invoice.payments
            if payment.date is not None and payment.amount is not None
        ),
        allocations=(),
    )


def _credit_note_data(note: schemas.XeroCreditNote) -> invoice_services.InvoiceData:
    return invoice_services.InvoiceData(
        xero_id=note.credit_note_id,
        xero_contact_id=note.contact_id,
        kind="credit_note",
        type=str(note.type),
        status=str(note.status),
        number=note.number or "",
        reference=note.reference or "",
        issued_on=note.date,
        due_on=None,
        currency_code=note.currency_code,
        currency_rate=note.currency_rate,
        sub_total=note.total or ZERO,
        total_tax=ZERO,
        total=note.total or ZERO,
        amount_due=ZERO,
        amount_paid=ZERO,
        amount_credited=ZERO,
        remaining_credit=note.remaining_credit or ZERO,
        fully_paid_on=None,
        xero_updated_at=note.updated_at,
        payments=(),
        allocations=tuple(
            invoice_services.AllocationData(
                invoice_xero_id=allocation.invoice_id, amount=allocation.amount, allocated_on=allocation.date
            )
            for allocation in note.allocations
        ),
    )


def invoices_apply(
    *, connection_id: int, invoices: list[schemas.XeroInvoice], now: datetime, durable: bool = False
) -> int:
    """Store one page of invoices (newer wins); returns how many were written.

    Not `durable` by default: a page lost in a crash is read again, because the sync's cursors move only in a
    later commit (invoices_upsert). A writer that must not lose its commit (an invoice just made in Xero) passes
    True."""
    result = invoice_services.invoices_upsert(
        organisation_id=organisation_id_of(connection_id=connection_id),
        items=[_invoice_data(invoice) for invoice in invoices],
        contact_ids_by_xero_id=_linked_contacts(connection_id, {invoice.contact_id for invoice in invoices}),
        now=now,
        durable=durable,
    )
    return result.created + result.updated


def credit_notes_apply(*, connection_id: int, credit_notes: list[schemas.XeroCreditNote], now: datetime) -> int:
    """Store one page of credit notes (newer wins), not durably (see invoices_apply); returns how many were
    written."""
    result = invoice_services.invoices_upsert(
        organisation_id=organisation_id_of(connection_id=connection_id),
        items=[_credit_note_data(note) for note in credit_notes],
        contact_ids_by_xero_id=_linked_contacts(connection_id, {note.contact_id for note in credit_notes}),
        now=now,
        durable=False,
    )
    return result.created + result.updated


def invoices_relink(*, connection_id: int) -> int:
    """Attach invoices still unattached to the CRM contact their Xero contact is now linked to; returns how many
    moved. Only those are looked at, so a sync with nothing new costs two queries."""
    organisation_id = organisation_id_of(connection_id=connection_id)
    waiting = invoice_selectors.xero_contact_ids_with_unattached_invoices(organisation_id=organisation_id)
    links = (
        dict(
            XeroContact.objects.filter(
                connection_id=connection_id, contact__isnull=False, xero_id__in=waiting
            ).values_list("xero_id", "contact_id")
        )
        if waiting
        else {}
    )
    return invoice_services.invoices_link_contacts(organisation_id=organisation_id, contact_ids_by_xero_id=links)
