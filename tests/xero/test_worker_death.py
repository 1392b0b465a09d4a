import signal

import pytest

from contacts.models import Contact
from integrations.xero import tasks
from integrations.xero.models import SyncRun
from invoices.models import Invoice
from tests.sandbox import wait_for
from tests.xero.sync_data import load, xero_contact, xero_invoice

pytestmark = pytest.mark.django_db(transaction=True)

# Short enough for a test to see a dead worker's task come back, and its claim on the organisation lapse.
FAST_RECOVERY = {"CELERY_VISIBILITY_TIMEOUT": "4", "XERO_SYNC_CLAIM_SECONDS": "4"}


def test_a_sync_whose_worker_is_killed_is_redelivered_and_completes_once(xero_connection, xero, celery_workers):
    customers = [xero_contact(f"Customer {n}") for n in range(5)]
    load(xero, contacts=customers, invoices=[xero_invoice(c) for c in customers for _ in range(2)])
    xero.sandbox.config(latency_ms=1500)  # each Xero call takes a while, so the worker dies mid-run
    doomed = celery_workers(**FAST_RECOVERY)
    SyncRun.objects.all().delete()
    tasks.organisation_sync.delay(connection_id=xero_connection.pk, kind=SyncRun.Kind.FULL)
    wait_for(lambda: SyncRun.objects.filter(outcome=SyncRun.Outcome.RUNNING).exists(), timeout=30)

    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    xero.sandbox.config(latency_ms=0)
    celery_workers(**FAST_RECOVERY)

    wait_for(lambda: SyncRun.objects.filter(outcome=SyncRun.Outcome.SUCCEEDED).exists(), timeout=90)
    outcomes = sorted(SyncRun.objects.exclude(outcome=SyncRun.Outcome.SKIPPED).values_list("outcome", flat=True))
    interrupted = SyncRun.objects.get(outcome=SyncRun.Outcome.FAILED)
    assert outcomes == [SyncRun.Outcome.FAILED, SyncRun.Outcome.SUCCEEDED]
    assert "Interrupted" in interrupted.message
    assert Invoice.objects.count() == 10
    assert Contact.objects.count() == 5
