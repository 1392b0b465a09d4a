"""The invoice upsert on PostgreSQL: new rows COPied straight into the table; the others COPied into a temporary
table, then stored by one INSERT ... ON CONFLICT.

`services.invoices_upsert` calls `upsert_batch` on PostgreSQL; it stores exactly what the portable path
(`services._upsert_batch_portable`, bulk_create with update_conflicts, which the demo's SQLite takes) stores, at a
fraction of the cost: no ORM objects, no SQL compiled per row, and the "newer wins" rule applied by PostgreSQL
inside the upsert itself (`WHERE excluded.xero_updated_at >= stored`), under the row lock the upsert takes.
"""

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING

from django.db import IntegrityError, connection, transaction

from invoices.models import CreditAllocation, Invoice, Payment

if TYPE_CHECKING:
    from invoices.services import InvoiceData

logger = logging.getLogger(__name__)

INCOMING = "invoice_incoming"
# Every column but the primary key, in the model's order; the sync owns them all.
_COLUMNS = [field.column for field in Invoice._meta.concrete_fields if not field.primary_key]
_KEY = ["organisation_id", "xero_id"]
_PAYMENT_COLUMNS = ["invoice_id", "xero_id", "paid_on", "amount", "currency_rate", "status"]
_ALLOCATION_COLUMNS = ["credit_note_id", "invoice_xero_id", "amount", "allocated_on"]


# Every identifier below is the model's own (no input reaches the SQL text).
_CREATE_SQL = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {INCOMING} ON COMMIT DELETE ROWS AS "  # noqa: S608
    f"SELECT {', '.join(_COLUMNS)} FROM {Invoice._meta.db_table} WITH NO DATA"
)


def available() -> bool:
    """Whether the default database can take this path (PostgreSQL)."""
    return connection.vendor == "postgresql"


# The columns COPY fills, in the order each row is built: the three the call gives, then the item's own fields
# (read in one C call by attrgetter; a dict and a getattr per column cost more than the COPY itself).
_GIVEN = ["organisation_id", "contact_id", "synced_at"]
_ITEM_FIELDS = [column for column in _COLUMNS if column not in _GIVEN]
_COPY_COLUMNS = [*_GIVEN, *_ITEM_FIELDS]
_item_values = attrgetter(*_ITEM_FIELDS)


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    names = ", ".join(columns)
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _upsert_sql() -> str:
    names = ", ".join(_COLUMNS)
    updates = ", ".join(f"{column} = excluded.{column}" for column in _COLUMNS if column not in _KEY)
    table = Invoice._meta.db_table
    # ORDER BY: concurrent syncs of one organisation lock its rows in the same order, so they cannot deadlock.
    # xmax is 0 on a row version this statement inserted, and set on one it updated.
    return (
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {INCOMING} ORDER BY xero_id "  # noqa: S608
        f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET {updates} "
        f"WHERE excluded.xero_updated_at >= {table}.xero_updated_at "
        f"RETURNING id, xero_id, (xmax = 0)"
    )


_UPSERT_SQL = _upsert_sql()
# One round trip (no parameters, so several statements may go together): the table for this database session,
# emptied of the rows of an earlier call in the same transaction (it empties itself at commit). DELETE, not
# TRUNCATE: on a table of at most one batch it is cheaper than TRUNCATE's new file each time.
_PREPARE_SQL = f"{_CREATE_SQL}; DELETE FROM {INCOMING}"  # noqa: S608
_TABLE = Invoice._meta.db_table
_EXISTING_SQL = f"SELECT xero_id FROM {_TABLE} WHERE organisation_id = %s AND xero_id = ANY(%s)"  # noqa: S608
_IDS_SQL = f"SELECT nextval(pg_get_serial_sequence('{_TABLE}', 'id')) FROM generate_series(1, %s)"  # noqa: S608
_PAYMENTS_DELETE_SQL = f"DELETE FROM {Payment._meta.db_table} WHERE invoice_id = ANY(%s)"  # noqa: S608
_ALLOCATIONS_DELETE_SQL = f"DELETE FROM {CreditAllocation._meta.db_table} WHERE credit_note_id = ANY(%s)"  # noqa: S608
_by_xero_id = attrgetter("xero_id")  # the upsert's lock order too, so two writers of the same rows cannot deadlock


def upsert_batch(
    *, organisation_id: int, items: Sequence["InvoiceData"], contact_ids_by_xero_id: dict[str, int], now: datetime
) -> tuple[list["InvoiceData"], int]:
    """Store the items (one version per Xero ID) that are not older than the stored rows, replacing their payments
    and allocations; return them and how many were new. Runs inside the caller's transaction.

    Items the organisation has no row for yet (all of them in a first sync) are copied straight into the table
    with ids taken from its sequence: one lookup, one `nextval` and one COPY, where the upsert copies them into
    a temporary table first and then tries each against the unique index. The others, and every item when a
    concurrent writer stored one of the new ones first (the COPY then breaks the unique constraint and is rolled
    back to its savepoint), go through the upsert. A fixed number of round trips whatever the batch size.
    """
    contact_of = contact_ids_by_xero_id.get
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(_EXISTING_SQL, [organisation_id, [item.xero_id for item in items]])
        existing = {xero_id for (xero_id,) in cursor.fetchall()}
    fresh = sorted((item for item in items if item.xero_id not in existing), key=_by_xero_id)
    ids: dict[str, int] = {}
    created = 0
    if fresh:
        try:
            with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
                cursor.execute(_IDS_SQL, [len(fresh)])
                pks = [pk for (pk,) in cursor.fetchall()]
                _copy(
                    cursor,
                    Invoice._meta.db_table,
                    ["id", *_COPY_COLUMNS],
                    (
                        (pk, organisation_id, contact_of(item.xero_contact_id), now, *_item_values(item))
                        for pk, item in zip(pks, fresh, strict=True)
                    ),
                )
            ids = {item.xero_id: pk for pk, item in zip(pks, fresh, strict=True)}
            created = len(fresh)
        except IntegrityError:
            logger.info(
                "New invoices were stored by another writer first; upserting them",
                extra={"organisation_id": organisation_id, "invoices": len(fresh)},
            )
            existing = {item.xero_id for item in items}
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if existing:
            updated, inserted = _upsert(
                cursor,
                [item for item in items if item.xero_id in existing],
                organisation_id=organisation_id,
                contact_of=contact_of,
                now=now,
            )
            ids.update(updated)
            ids.update(inserted)
            created += len(inserted)
            if updated:  # a row just inserted has no children to replace (a first sync inserts them all)
                cursor.execute(_PAYMENTS_DELETE_SQL, [list(updated.values())])
                cursor.execute(_ALLOCATIONS_DELETE_SQL, [list(updated.values())])
        applied = [item for item in items if item.xero_id in ids]
        payments = [
            (ids[item.xero_id], payment.xero_id, payment.paid_on, payment.amount, payment.currency_rate, payment.status)
            for item in applied
            for payment in item.payments
        ]
        if payments:
            _copy(cursor, Payment._meta.db_table, _PAYMENT_COLUMNS, payments)
        allocations = [
            (ids[item.xero_id], allocation.invoice_xero_id, allocation.amount, allocation.allocated_on)
            for item in applied
            for allocation in item.allocations
        ]
        if allocations:
            _copy(cursor, CreditAllocation._meta.db_table, _ALLOCATION_COLUMNS, allocations)
    return applied, created


def _upsert(
    cursor, items: list["InvoiceData"], *, organisation_id: int, contact_of: Callable, now: datetime
) -> tuple[dict[str, int], dict[str, int]]:
    """Copy the items into the temporary table and upsert them (newer wins); return the ids of the rows updated
    and of those inserted, by Xero ID."""
    cursor.execute(_PREPARE_SQL)
    _copy(
        cursor,
        INCOMING,
        _COPY_COLUMNS,
        ((organisation_id, contact_of(item.xero_contact_id), now, *_item_values(item)) for item in items),
    )
    cursor.execute(_UPSERT_SQL)
    updated: dict[str, int] = {}
    inserted: dict[str, int] = {}
    for pk, xero_id, is_new in cursor.fetchall():
        (inserted if is_new else updated)[xero_id] = pk
    return updated, inserted
