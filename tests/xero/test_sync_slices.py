"""A sync in slices (sync/slices.py): one task reads XERO_SYNC_SLICE_PAGES pages, then queues the rest of the run
behind other organisations' work. The same records and calls as one long task; organisations take turns on one
worker; a worker killed in a later slice loses nothing and the run goes on from where it last stopped."""

import signal

import pytest
from django.urls import reverse

from accounts.models import Team
from integrations.xero import tasks
from integrations.xero.models import SyncCursor, SyncRun, XeroConnection
from invoices.models import Invoice
from tests.sandbox import wait_for
from tests.xero.sync_data import sync, sync_slice
from tests.xero_records import xero_contact, xero_invoice

PAGES_OF_INVOICES = 3
FAST_RECOVERY = {"CELERY_VISIBILITY_TIMEOUT": "4", "XERO_SYNC_CLAIM_SECONDS": "30"}


def _three_pages(xero, tenant_id: str, *, tag: str) -> None:
    customers = [xero_contact(name=f"{tag} customer {n}") for n in range(3)]
    invoices = [
        xero_invoice(contact=customers[n % 3], number=f"{tag}-{n:05}")
        for n in range(1000 * (PAGES_OF_INVOICES - 1) + 1)
    ]
    xero.sandbox.load(tenant_id, {"Contacts": customers, "Invoices": invoices})


@pytest.mark.django_db
def test_a_run_in_slices_stores_what_one_task_stores_with_the_same_calls(xero_connection, xero):
    _three_pages(xero, xero.uk_tenant_id, tag="UK")
    xero.sandbox.clear_calls()

    finished = sync_slice(xero_connection)
    slices = 1
    cursors_mid_run = SyncCursor.objects.exists()
    while finished.outcome == SyncRun.Outcome.RUNNING:
        finished = sync_slice(xero_connection, run_id=finished.pk, slice_number=finished.resume["slice"])
        slices += 1
    sliced_calls = len(xero.sandbox.calls(tenant_id=xero.uk_tenant_id)["calls"])
    xero.sandbox.clear_calls()
    whole = sync(xero_connection)

    assert finished.outcome == whole.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    assert slices >= PAGES_OF_INVOICES + 2  # three invoice pages, credit notes, contacts: one page a slice
    assert cursors_mid_run is False  # cursors move only when the whole run has succeeded
    assert SyncCursor.objects.exists()
    assert finished.resume is None
    assert finished.finished_at is not None
    assert sliced_calls == finished.api_calls == whole.api_calls
    assert len(xero.sandbox.calls(tenant_id=xero.uk_tenant_id)["calls"]) == whole.api_calls
    assert Invoice.objects.count() == 1000 * (PAGES_OF_INVOICES - 1) + 1
    assert finished.counts["invoices"] == whole.counts["invoices"] == Invoice.objects.count()


def _resources_called(xero, *, since_id: int = 0) -> list[str]:
    """The accounting resources the sandbox was asked for, in the order the calls were logged."""
    calls = xero.sandbox.calls(since_id=since_id, tenant_id=xero.uk_tenant_id)["calls"]
    return [call["path"].split("/2.0/")[1].split("/")[0] for call in calls if "/2.0/" in call["path"]]


@pytest.mark.django_db
def test_the_invoice_pages_are_read_after_the_small_reads(xero_connection, xero):
    _three_pages(xero, xero.uk_tenant_id, tag="UK")
    xero.sandbox.clear_calls()

    finished = sync(xero_connection)

    called = _resources_called(xero)
    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    first_invoices = called.index("Invoices")
    # Every call before the invoice pages is a small read; after them only the one quotes call (a full run).
    assert set(called[:first_invoices]) >= {"Items", "Accounts", "CreditNotes", "Contacts"}
    assert called[first_invoices:] == ["Invoices"] * PAGES_OF_INVOICES + ["Quotes"]


@pytest.mark.django_db
def test_a_run_saved_in_the_order_before_small_reads_first_goes_on_in_that_order(xero_connection, xero):
    """A SyncRun.resume saved by the code that read the invoice pages first (no "steps" in it) goes on in its own
    order: from the credit notes on, then contacts, quotes and the catalogue, reading no invoice page again."""
    _three_pages(xero, xero.uk_tenant_id, tag="UK")
    first = sync_slice(xero_connection)
    old_style = {key: value for key, value in first.resume.items() if key != "steps"}
    SyncRun.objects.filter(pk=first.pk).update(resume={**old_style, "step": "CreditNotes", "page": 1})
    since = xero.sandbox.calls(since_id=2**62, tenant_id=xero.uk_tenant_id)["last_id"]

    finished = sync_slice(xero_connection, run_id=first.pk, slice_number=first.resume["slice"])
    while finished.outcome == SyncRun.Outcome.RUNNING:
        finished = sync_slice(xero_connection, run_id=finished.pk, slice_number=finished.resume["slice"])

    called = _resources_called(xero, since_id=since)
    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    assert "Invoices" not in called
    assert called.index("CreditNotes") < called.index("Contacts") < called.index("Items")
    assert SyncCursor.objects.filter(resource="Items").exists()


@pytest.mark.django_db
def test_a_slice_already_done_does_nothing_when_delivered_again(xero_connection, xero):
    _three_pages(xero, xero.uk_tenant_id, tag="UK")
    first = sync_slice(xero_connection)
    second = sync_slice(xero_connection, run_id=first.pk, slice_number=1)
    calls = second.api_calls

    again = sync_slice(xero_connection, run_id=first.pk, slice_number=1)  # a redelivered copy of slice 1

    assert again.resume["slice"] == 2
    assert again.api_calls == calls


@pytest.fixture
def two_organisations(admin_client, xero) -> list[XeroConnection]:
    """The UK and NZ organisations linked through the wizard, each with its options saved."""
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id, xero.nz_tenant_id])
    admin_client.post(reverse("xero:pick"), {"tenant_ids": [xero.uk_tenant_id, xero.nz_tenant_id]})
    team = Team.objects.create(name="Xero customers")
    for linked in XeroConnection.objects.all():
        admin_client.post(
            reverse("xero:options", args=[linked.pk]),
            {"suppliers": "ignore", "default_team": team.pk, "sync_interval_seconds": 7200},
        )
    return list(XeroConnection.objects.order_by("pk"))


@pytest.mark.django_db(transaction=True)
def test_two_organisations_take_turns_on_one_worker(two_organisations, xero, celery_workers):
    uk, nz = two_organisations
    _three_pages(xero, xero.uk_tenant_id, tag="UK")
    _three_pages(xero, xero.nz_tenant_id, tag="NZ")
    SyncRun.objects.all().delete()
    celery_workers(XERO_SYNC_SLICE_PAGES="1")  # one task at a time (solo pool)

    for connection in (uk, nz):
        tasks.organisation_sync.delay(connection_id=connection.pk, kind=SyncRun.Kind.FULL)

    wait_for(lambda: SyncRun.objects.filter(outcome=SyncRun.Outcome.SUCCEEDED).count() == 2, timeout=120)
    first, second = SyncRun.objects.order_by("started_at")
    # With one worker running one task at a time, the second organisation began before the first finished:
    # it did not wait for the first one's whole sync.
    assert second.started_at < first.finished_at
    assert Invoice.objects.filter(organisation=uk.organisation).count() == 2001
    assert Invoice.objects.filter(organisation=nz.organisation).count() == 2001


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_a_later_slice_loses_nothing_and_the_run_goes_on(xero_connection, xero, celery_workers):
    _three_pages(xero, xero.uk_tenant_id, tag="UK")
    xero.sandbox.config(latency_ms=1500)  # each call takes a while, so the worker dies inside a slice
    SyncRun.objects.all().delete()
    doomed = celery_workers(XERO_SYNC_SLICE_PAGES="1", **FAST_RECOVERY)
    tasks.organisation_sync.delay(connection_id=xero_connection.pk, kind=SyncRun.Kind.FULL)
    wait_for(lambda: SyncRun.objects.filter(resume__slice__gte=2).exists(), timeout=60)

    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    stopped_at = SyncRun.objects.get()
    xero.sandbox.config(latency_ms=0)
    celery_workers(XERO_SYNC_SLICE_PAGES="1", **FAST_RECOVERY)

    wait_for(lambda: SyncRun.objects.filter(outcome=SyncRun.Outcome.SUCCEEDED).exists(), timeout=90)
    finished = SyncRun.objects.get()  # the same run went on: none was started over, none skipped
    assert finished.pk == stopped_at.pk
    assert stopped_at.resume["slice"] >= 2
    assert stopped_at.outcome == SyncRun.Outcome.RUNNING
    assert Invoice.objects.count() == 2001
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [f"UK-{n:05}" for n in range(2001)]
    assert finished.counts["invoices"] == 2001
    assert SyncCursor.objects.exists()
