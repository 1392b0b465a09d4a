"""Issue 18: the sync stores invoice pages on page writers (integrations/xero/sync/writers.py), each on its own
database connection, while it reads and parses the next pages. What it stores is what page after page stores; a
failed store stops the sync; a slice ends only once its pages are stored.

Real PostgreSQL outside any test transaction (`transaction=True`), as in production: a writer's connection must
see what the sync's connection committed."""

import threading
import time
from datetime import timedelta

import psycopg
import pytest
from django.db import OperationalError, connection

from integrations.xero.models import SyncCursor, SyncRun
from integrations.xero.sync import invoices as invoice_sync
from integrations.xero.sync import writers
from integrations.xero.sync.context import SliceEnd
from invoices.models import Invoice
from tests.xero.sync_data import forget_synced, load, stored_state, sync, sync_slice
from tests.xero.test_receivable_summary import kept, recomputed
from tests.xero_records import DUE, xero_contact, xero_invoice

PAGES = 4


@pytest.fixture(autouse=True)
def cpus_to_spare(settings):
    """Whatever else runs on the machine, the sync takes writers (test_while_every_cpu_is_busy... shows the rule)."""
    settings.XERO_SYNC_PAGE_WRITERS_MAX_LOAD = 1000.0


@pytest.fixture
def org_of_four_pages(xero):
    """3,200 invoices (four pages) of 300 contacts, owing on four due dates: pages stored at once add to the same
    keys of the receivable summary."""
    customers = [xero_contact(name=f"Customer {n:03}") for n in range(300)]
    statuses = ("AUTHORISED", "PAID", "DRAFT", "AUTHORISED")
    invoices = [
        xero_invoice(
            contact=customers[n % 300],
            status=statuses[n % 4],
            number=f"INV-{n:05}",
            total=f"{100 + n % 7}.00",
            due=DUE + timedelta(days=n % 4),
        )
        for n in range(1000 * (PAGES - 1) + 200)
    ]
    load(xero, contacts=customers, invoices=invoices)
    return customers, invoices


class StoresSeen:
    """Wraps the sync's page store: which thread and database backend stored each page."""

    def __init__(self, monkeypatch, *, fail_on_page: int | None = None) -> None:
        self.stores: list[tuple[str, int]] = []
        self.fail_on_page = fail_on_page
        self.lock = threading.Lock()
        store = invoice_sync.invoices_apply

        def seen(**kwargs) -> int:
            with self.lock:
                self.stores.append((threading.current_thread().name, _backend()))
                number = len(self.stores)
            if number == self.fail_on_page:
                raise RuntimeError(f"page store {number} failed")
            return store(**kwargs)

        monkeypatch.setattr(invoice_sync, "invoices_apply", seen)


def _backend() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _backends_left(backends: set[int]) -> set[int]:
    """Which of `backends` still run, after giving the ones closing a few seconds to go."""
    left = backends
    for _ in range(50):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s)", [list(backends)])
            left = {row[0] for row in cursor.fetchall()}
        if not left:
            break
        time.sleep(0.1)
    return left


def _by_writers(stores: list[tuple[str, int]]) -> bool:
    return bool(stores) and all(name.startswith("page-writer-") for name, _ in stores)


@pytest.mark.django_db(transaction=True)
def test_page_writers_store_exactly_what_page_after_page_stores(
    xero_connection, xero, org_of_four_pages, settings, monkeypatch
):
    settings.XERO_SYNC_PAGE_WRITERS = 0
    serial = sync(xero_connection)
    page_after_page, summary = stored_state(), kept()
    forget_synced()

    settings.XERO_SYNC_PAGE_WRITERS = 2
    seen = StoresSeen(monkeypatch)
    by_writers = sync(xero_connection)

    assert (serial.outcome, by_writers.outcome) == (SyncRun.Outcome.SUCCEEDED, SyncRun.Outcome.SUCCEEDED)
    assert len(page_after_page["invoices"]) == 3200
    assert stored_state() == page_after_page
    assert summary
    assert kept() == summary == recomputed()
    assert serial.counts["invoices"] == by_writers.counts["invoices"] == 3200
    # Every page went to a writer thread, on a connection other than the sync's, and the writers' connections
    # are closed once the invoices are read.
    assert len(seen.stores) == PAGES
    assert _by_writers(seen.stores)
    writer_backends = {backend for _, backend in seen.stores}
    assert _backend() not in writer_backends
    assert _backends_left(writer_backends) == set()


@pytest.mark.django_db(transaction=True)
def test_writers_apply_changed_and_new_invoices_across_pages(
    xero_connection, xero, org_of_four_pages, settings, monkeypatch
):
    """An incremental sync whose pages both update and insert, on two writers at once: each upsert fires the
    summary's update and insert triggers, and the summary still adds up."""
    settings.XERO_SYNC_PAGE_WRITERS = 2
    customers, invoices = org_of_four_pages
    sync(xero_connection)
    changed = [
        {**invoice, "AmountDue": 50.0, "AmountPaid": invoice["Total"] - 50.0}
        for invoice in invoices[::2]
        if invoice["Status"] == "AUTHORISED"
    ]
    new = [
        xero_invoice(contact=customers[n % 300], number=f"NEW-{n:05}", due=DUE + timedelta(days=n % 5))
        for n in range(900)
    ]
    load(xero, invoices=[*changed, *new])
    seen = StoresSeen(monkeypatch)

    again = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    assert again.outcome == SyncRun.Outcome.SUCCEEDED, again.message
    assert len(seen.stores) >= 2
    assert _by_writers(seen.stores)
    assert Invoice.objects.count() == 3200 + 900
    assert set(
        Invoice.objects.filter(xero_id__in=[i["InvoiceID"] for i in changed]).values_list("amount_due", flat=True)
    ) == {50}
    assert kept() == recomputed()


@pytest.mark.django_db(transaction=True)
def test_a_failed_page_store_stops_the_sync_and_the_next_sync_reads_it_again(
    xero_connection, xero, org_of_four_pages, settings, monkeypatch
):
    settings.XERO_SYNC_PAGE_WRITERS = 2
    seen = StoresSeen(monkeypatch, fail_on_page=2)

    with pytest.raises(RuntimeError, match="page store 2 failed"):
        sync(xero_connection)

    failed = SyncRun.objects.get()
    assert failed.outcome == SyncRun.Outcome.FAILED
    assert not SyncCursor.objects.exists()  # nothing counts as read
    assert Invoice.objects.count() < 3200
    monkeypatch.undo()
    settings.XERO_SYNC_PAGE_WRITERS = 2

    again = sync(xero_connection)  # the organisation was released

    assert again.outcome == SyncRun.Outcome.SUCCEEDED, again.message
    assert Invoice.objects.count() == 3200
    assert len(seen.stores) >= 2


@pytest.mark.django_db(transaction=True)
def test_a_slice_of_a_run_ends_only_once_its_invoice_pages_are_stored(
    xero_connection, xero, org_of_four_pages, settings, monkeypatch
):
    settings.XERO_SYNC_PAGE_WRITERS = 2
    seen = StoresSeen(monkeypatch)
    stored_at_each_hand_over = []

    finished = sync_slice(xero_connection)
    while finished.outcome == SyncRun.Outcome.RUNNING:
        if finished.resume["step"] == "Invoices":
            # The run goes on from this page: every page before it is in the table.
            stored_at_each_hand_over.append((finished.resume["page"], Invoice.objects.count()))
        finished = sync_slice(xero_connection, run_id=finished.pk, slice_number=finished.resume["slice"])

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    assert stored_at_each_hand_over == [(page, 1000 * (page - 1)) for page in range(1, PAGES + 1)]
    assert Invoice.objects.count() == 3200
    assert len(seen.stores) == PAGES
    assert _by_writers(seen.stores)


@pytest.mark.django_db(transaction=True)
def test_while_every_cpu_is_busy_the_sync_stores_pages_in_its_own_thread(
    xero_connection, xero, org_of_four_pages, settings, monkeypatch
):
    """Writers would only add contention then (many organisations' syncs at once on few CPUs)."""
    settings.XERO_SYNC_PAGE_WRITERS = 2
    settings.XERO_SYNC_PAGE_WRITERS_MAX_LOAD = 0.0  # no load average is below it
    seen = StoresSeen(monkeypatch)

    finished = sync(xero_connection)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    assert Invoice.objects.count() == 3200
    assert {name for name, _ in seen.stores} == {threading.current_thread().name}
    assert {backend for _, backend in seen.stores} == {_backend()}


def _counted_store(calls: list[tuple[str, int]], rows: int):
    def store() -> int:
        calls.append((threading.current_thread().name, _backend()))
        return rows

    return store


def _failing_store() -> int:
    raise ValueError("this page cannot be stored")


@pytest.mark.django_db(transaction=True)
def test_writers_report_in_the_callers_thread_and_close_their_connections():
    calls: list[tuple[str, int]] = []
    reported: list[tuple[int, str]] = []

    with writers.page_writers(2) as page_writers:
        assert page_writers is not None
        for rows in (10, 20, 30, 40, 50):
            page_writers.submit(
                _counted_store(calls, rows),
                on_stored=lambda written: reported.append((written, threading.current_thread().name)),
            )

    assert len(calls) == 5
    assert _by_writers(calls)
    assert sorted(written for written, _ in reported) == [10, 20, 30, 40, 50]
    assert {name for _, name in reported} == {threading.current_thread().name}
    writer_backends = {backend for _, backend in calls}
    assert 1 <= len(writer_backends) <= 2
    assert _backend() not in writer_backends
    assert _backends_left(writer_backends) == set()


@pytest.mark.django_db(transaction=True)
def test_after_a_failed_store_no_later_page_is_stored_and_the_failure_is_raised():
    calls: list[tuple[str, int]] = []

    # raised by a later submit or on leaving the block
    with pytest.raises(ValueError, match="cannot be stored"), writers.page_writers(1) as page_writers:  # noqa: PT012
        page_writers.submit(_failing_store, on_stored=lambda written: None)
        for _ in range(3):
            page_writers.submit(_counted_store(calls, 1), on_stored=lambda written: None)

    assert calls == []


@pytest.mark.django_db(transaction=True)
def test_a_failed_store_is_raised_in_place_of_the_slices_end():
    """A slice must not be handed over past a page that was not stored."""
    with pytest.raises(ValueError, match="cannot be stored") as raised, writers.page_writers(2) as page_writers:  # noqa: PT012
        page_writers.submit(_failing_store, on_stored=lambda written: None)
        raise SliceEnd(step="Invoices", page=3)

    assert isinstance(raised.value.__cause__, SliceEnd)


@pytest.mark.django_db
def test_inside_a_transaction_pages_are_stored_in_the_callers_thread():
    """Another connection could not see the transaction's rows (here, the test's own transaction)."""
    assert connection.in_atomic_block
    with writers.page_writers(2) as page_writers:
        assert page_writers is None


def test_a_store_stopped_by_a_deadlock_is_run_again_after_a_pause():
    """PostgreSQL breaks a deadlock by failing one of the transactions (SQLSTATE 40P01, which Django raises as an
    OperationalError from psycopg's DeadlockDetected); the page's store is an upsert, so it is simply run again."""
    attempts, pauses = [], []

    def store() -> int:
        attempts.append(1)
        if len(attempts) < 3:
            raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected("deadlock detected")
        return 1000

    assert writers._store_retrying(store, sleep=pauses.append) == 1000
    assert len(attempts) == 3
    assert len(pauses) == 2
    assert all(0 < pause < 1 for pause in pauses)


def test_a_deadlock_that_persists_and_any_other_failure_are_raised():
    def deadlocked() -> int:
        raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected("deadlock detected")

    def lost() -> int:
        raise OperationalError("server closed the connection") from psycopg.OperationalError("closed")

    with pytest.raises(OperationalError, match="deadlock"):
        writers._store_retrying(deadlocked, sleep=lambda seconds: None)
    with pytest.raises(OperationalError, match="closed"):
        writers._store_retrying(lost, sleep=lambda seconds: None)
