"""Writes to the ledger: accounting organisations and the invoice mirror. The Xero sync builds InvoiceData records
and calls these; nothing else writes here. Quotes are written in `quotes.py`."""

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import batched

from django.db import connection, transaction

from contacts.models import Contact
from invoices import copy_upsert
from invoices.bulk import update_from_values
from invoices.models import CreditAllocation, Invoice, Organisation, Payment

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000

# Every Invoice column the sync owns: all of them are overwritten when a record is (re)applied.
_UPDATED_FIELDS = [
    "contact",
    "xero_contact_id",
    "kind",
    "type",
    "status",
    "number",
    "reference",
    "issued_on",
    "due_on",
    "currency_code",
    "currency_rate",
    "sub_total",
    "total_tax",
    "total",
    "amount_due",
    "amount_paid",
    "amount_credited",
    "remaining_credit",
    "fully_paid_on",
    "xero_updated_at",
    "synced_at",
]


# PaymentData and InvoiceData are not frozen: a frozen dataclass sets each field through object.__setattr__, which
# made building a page of 1,000 invoices twice as slow (12 against 6 ms, on the sync's page writers' shared CPU).
# Nothing changes them once built; they are records handed from the sync to the upsert.
@dataclass(slots=True)
class PaymentData:
    """A payment as read from Xero, in the currency of the document it pays."""

    xero_id: str
    paid_on: date
    amount: Decimal
    currency_rate: Decimal | None
    status: str


@dataclass(frozen=True, slots=True)
class AllocationData:
    """Part of a credit note applied to the invoice with Xero ID `invoice_xero_id`."""

    invoice_xero_id: str
    amount: Decimal
    allocated_on: date


@dataclass(slots=True)
class InvoiceData:
    """An invoice or credit note as read from Xero (see Invoice for the meaning of each field).

    `payments` and `allocations` are the complete current lists: applying the record replaces the stored ones.
    """

    xero_id: str
    xero_contact_id: str
    kind: str
    type: str
    status: str
    number: str
    reference: str
    issued_on: date | None
    due_on: date | None
    currency_code: str
    currency_rate: Decimal | None
    sub_total: Decimal
    total_tax: Decimal
    total: Decimal
    amount_due: Decimal
    amount_paid: Decimal
    amount_credited: Decimal
    remaining_credit: Decimal
    fully_paid_on: date | None
    xero_updated_at: datetime
    payments: tuple[PaymentData, ...]
    allocations: tuple[AllocationData, ...]


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What invoices_upsert did. `newest_xero_updated_at` is the newest UpdatedDateUTC it stored (the sync's
    watermark candidate), None when nothing was stored."""

    created: int
    updated: int
    skipped_stale: int
    newest_xero_updated_at: datetime | None


def _newest_per_xero_id(items: Sequence[InvoiceData]) -> tuple[list[InvoiceData], int]:
    """The newest version of each record in `items` (the later one on a tie), and how many older copies were dropped.

    One INSERT ... ON CONFLICT cannot touch the same row twice, and the newest version must win.
    """
    newest: dict[str, InvoiceData] = {}
    for item in items:
        kept = newest.get(item.xero_id)
        if kept is None or item.xero_updated_at >= kept.xero_updated_at:
            newest[item.xero_id] = item
    return list(newest.values()), len(items) - len(newest)


def _invoice_row(item: InvoiceData, *, organisation_id: int, contact_id: int | None, now: datetime) -> Invoice:
    return Invoice(
        organisation_id=organisation_id,
        xero_id=item.xero_id,
        contact_id=contact_id,
        xero_contact_id=item.xero_contact_id,
        kind=item.kind,
        type=item.type,
        status=item.status,
        number=item.number,
        reference=item.reference,
        issued_on=item.issued_on,
        due_on=item.due_on,
        currency_code=item.currency_code,
        currency_rate=item.currency_rate,
        sub_total=item.sub_total,
        total_tax=item.total_tax,
        total=item.total,
        amount_due=item.amount_due,
        amount_paid=item.amount_paid,
        amount_credited=item.amount_credited,
        remaining_credit=item.remaining_credit,
        fully_paid_on=item.fully_paid_on,
        xero_updated_at=item.xero_updated_at,
        synced_at=now,
    )


def _children(
    items: Sequence[InvoiceData], ids: dict[str, int]
) -> tuple[Iterator[Payment], Iterator[CreditAllocation]]:
    payments = (
        Payment(
            invoice_id=ids[item.xero_id],
            xero_id=payment.xero_id,
            paid_on=payment.paid_on,
            amount=payment.amount,
            currency_rate=payment.currency_rate,
            status=payment.status,
        )
        for item in items
        for payment in item.payments
    )
    allocations = (
        CreditAllocation(
            credit_note_id=ids[item.xero_id],
            invoice_xero_id=allocation.invoice_xero_id,
            amount=allocation.amount,
            allocated_on=allocation.allocated_on,
        )
        for item in items
        for allocation in item.allocations
    )
    return payments, allocations


def _upsert_batch_portable(
    *, organisation_id: int, items: Sequence[InvoiceData], contact_ids_by_xero_id: dict[str, int], now: datetime
) -> tuple[list[InvoiceData], int]:
    """Store the items of one batch that are not older than the stored rows; return them and how many were new.

    Any database (the demo's SQLite takes this path). Six queries whatever the batch size (lock, upsert, two
    deletes, two inserts), plus one per extra 1,000 payments or allocations.
    """
    stored = dict(
        Invoice.objects.select_for_update()
        .filter(organisation_id=organisation_id, xero_id__in=[item.xero_id for item in items])
        .order_by("pk")
        .values_list("xero_id", "xero_updated_at")
    )
    fresh = [item for item in items if item.xero_id not in stored or item.xero_updated_at >= stored[item.xero_id]]
    if not fresh:
        return [], 0
    rows = Invoice.objects.bulk_create(
        [
            _invoice_row(
                item,
                organisation_id=organisation_id,
                contact_id=contact_ids_by_xero_id.get(item.xero_contact_id),
                now=now,
            )
            for item in fresh
        ],
        update_conflicts=True,
        unique_fields=["organisation", "xero_id"],
        update_fields=_UPDATED_FIELDS,
    )
    ids = {row.xero_id: row.pk for row in rows}
    Payment.objects.filter(invoice_id__in=ids.values()).delete()
    CreditAllocation.objects.filter(credit_note_id__in=ids.values()).delete()
    payments, allocations = _children(fresh, ids)
    Payment.objects.bulk_create(payments, batch_size=BATCH_SIZE)
    CreditAllocation.objects.bulk_create(allocations, batch_size=BATCH_SIZE)
    return fresh, sum(1 for item in fresh if item.xero_id not in stored)


@transaction.atomic
def invoices_upsert(
    *,
    organisation_id: int,
    items: list[InvoiceData],
    contact_ids_by_xero_id: dict[str, int],
    now: datetime,
    use_copy: bool | None = None,
    durable: bool = True,
) -> UpsertResult:
    """Store Xero invoices and credit notes of one organisation, idempotently and whatever the arrival order.

    A record older (by `xero_updated_at`) than the stored copy is skipped and counted in `skipped_stale`; an equal
    or newer one overwrites every field, and its payments and allocations replace the stored ones. Within `items`,
    only the newest version of a record counts (the older copies are counted as stale). `contact` is set from
    `contact_ids_by_xero_id` (None when the Xero contact is not linked), so the mapping must cover every
    `xero_contact_id` that is linked. Rows are written in batches of 1,000 with a fixed number of queries per batch.

    `use_copy` None takes PostgreSQL's COPY path on PostgreSQL and the portable one elsewhere; False takes the
    portable path anywhere (both store the same rows). `durable` False lets PostgreSQL acknowledge the commit
    before its WAL is on disk (`synchronous_commit = off` for this transaction only): a crash can then lose the
    last such commits, never corrupt them, and never one that a durable commit followed (the WAL is flushed in
    order). For a writer that fetches again whatever was not stored, such as the sync, whose cursors
    move in a later commit. Raises ValueError for `use_copy` True on another database,
    and IntegrityError when a record breaks a constraint (e.g. a credit note with an invoice type) or the
    organisation does not exist; nothing is stored then.
    """
    if use_copy is None:
        use_copy = copy_upsert.available()
    elif use_copy and not copy_upsert.available():
        raise ValueError("the COPY upsert needs PostgreSQL")
    write = copy_upsert.upsert_batch if use_copy else _upsert_batch_portable
    if not durable and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
    unique_items, skipped = _newest_per_xero_id(items)
    created = updated = 0
    stored_times: list[datetime] = []
    for batch in batched(unique_items, BATCH_SIZE):
        applied, batch_created = write(
            organisation_id=organisation_id, items=batch, contact_ids_by_xero_id=contact_ids_by_xero_id, now=now
        )
        created += batch_created
        updated += len(applied) - batch_created
        skipped += len(batch) - len(applied)
        stored_times.extend(item.xero_updated_at for item in applied)
    if skipped:
        logger.info("Skipped stale Xero invoices", extra={"organisation_id": organisation_id, "skipped_stale": skipped})
    return UpsertResult(
        created=created, updated=updated, skipped_stale=skipped, newest_xero_updated_at=max(stored_times, default=None)
    )


@transaction.atomic
def invoices_link_contact(*, organisation_id: int, xero_contact_id: str, contact_id: int | None) -> int:
    """Attach every invoice of the Xero contact to the CRM contact (None detaches them); return how many changed.

    Raises Contact.DoesNotExist when `contact_id` names no contact.
    """
    if contact_id is not None and not Contact.objects.filter(pk=contact_id).exists():
        raise Contact.DoesNotExist(f"No contact {contact_id}")
    return Invoice.objects.filter(organisation_id=organisation_id, xero_contact_id=xero_contact_id).update(
        contact_id=contact_id
    )


@transaction.atomic
def invoices_link_contacts(*, organisation_id: int, contact_ids_by_xero_id: dict[str, int]) -> int:
    """Attach the invoices of each Xero contact in the mapping to its CRM contact; return how many rows moved.

    The bulk form of invoices_link_contact, for the sync's relinking pass: one set-based UPDATE ... FROM (VALUES
    ...) per 1,000 Xero contacts, joined on the Xero contact (invoices.bulk). Rows already attached to their
    contact are not written. Invoices of Xero contacts missing from the mapping are left as they are.
    """
    return update_from_values(
        model=Invoice,
        match="xero_contact_id",
        columns=["contact_id"],
        rows=sorted(contact_ids_by_xero_id.items()),
        where=f"{Invoice._meta.db_table}.organisation_id = %s",
        where_params=[organisation_id],
        changed_only=True,
    )


def organisation_save(
    *, organisation_id: int | None, name: str, short_code: str, base_currency: str, timezone: str
) -> Organisation:
    """Create an accounting organisation (`organisation_id` None) or update the details of an existing one, as
    its accounting system last told them; returns it. Raises Organisation.DoesNotExist for an unknown id."""
    if organisation_id is None:
        return Organisation.objects.create(
            name=name, short_code=short_code, base_currency=base_currency, timezone=timezone
        )
    organisation = Organisation.objects.get(pk=organisation_id)
    organisation.name, organisation.short_code = name, short_code
    organisation.base_currency, organisation.timezone = base_currency, timezone
    organisation.save(update_fields=["name", "short_code", "base_currency", "timezone"])
    return organisation
