"""The invoice upsert on PostgreSQL: COPY one batch into a temporary table, then one INSERT ... ON CONFLICT.

`services.invoices_upsert` calls `upsert_batch` on PostgreSQL; it stores exactly what the portable path
(`services._upsert_batch_portable`, bulk_create with update_conflicts, which the demo's SQLite takes) stores, at a
fraction of the cost: no ORM objects, no SQL compiled per row, and the "newer wins" rule applied by PostgreSQL
inside the upsert itself (`WHERE excluded.xero_updated_at >= stored`), under the row lock the upsert takes.
"""

from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING

from django.db import connection

from invoices.models import CreditAllocation, Invoice, Payment

if TYPE_CHECKING:
    from invoices.services import InvoiceData

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
_PAYMENTS_DELETE_SQL = f"DELETE FROM {Payment._meta.db_table} WHERE invoice_id = ANY(%s)"  # noqa: S608
_ALLOCATIONS_DELETE_SQL = f"DELETE FROM {CreditAllocation._meta.db_table} WHERE credit_note_id = ANY(%s)"  # noqa: S608


def upsert_batch(
    *, organisation_id: int, items: Sequence["InvoiceData"], contact_ids_by_xero_id: dict[str, int], now: datetime
) -> tuple[list["InvoiceData"], int]:
    """Store the items (one version per Xero ID) that are not older than the stored rows, replacing their payments
    and allocations; return them and how many were new. Runs inside the caller's transaction.

    Three round trips whatever the batch size (create the temporary table unless this database session has it
    and empty it, COPY, upsert), two deletes when a stored row was updated, and one COPY for payments and one for
    allocations when there are any.
    """
    contact_of = contact_ids_by_xero_id.get
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(_PREPARE_SQL)
        _copy(
            cursor,
            INCOMING,
            _COPY_COLUMNS,
            ((organisation_id, contact_of(item.xero_contact_id), now, *_item_values(item)) for item in items),
        )
        cursor.execute(_UPSERT_SQL)
        stored = cursor.fetchall()
        ids = {xero_id: pk for pk, xero_id, _ in stored}
        created = sum(1 for *_, inserted in stored if inserted)
        applied = [item for item in items if item.xero_id in ids]
        if not applied:
            return [], 0
        updated = [pk for pk, _, inserted in stored if not inserted]
        if updated:  # a row just inserted has no children to replace (a first sync inserts them all)
            cursor.execute(_PAYMENTS_DELETE_SQL, [updated])
            cursor.execute(_ALLOCATIONS_DELETE_SQL, [updated])
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
