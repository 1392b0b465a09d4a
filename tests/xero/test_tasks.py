from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import Team
from contacts.models import Contact
from integrations.xero import tasks
from integrations.xero.models import SyncRun, XeroConnection
from tests.sandbox import wait_for
from tests.xero.sync_data import load
from tests.xero_records import xero_contact, xero_invoice

pytestmark = pytest.mark.django_db(transaction=True)


def test_saving_the_wizard_options_starts_the_first_sync_on_a_real_worker(admin_client, xero, celery_workers):
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    connection = XeroConnection.objects.get()
    celery_workers()

    admin_client.post(
        reverse("xero:options", args=[connection.pk]),
        {"suppliers": "ignore", "default_team": Team.objects.create(name="Sales").pk, "sync_interval_seconds": 7200},
    )

    first = wait_for(
        lambda: SyncRun.objects.filter(connection=connection).exclude(outcome=SyncRun.Outcome.RUNNING).first(),
        timeout=60,
    )
    assert (first.kind, first.outcome) == (SyncRun.Kind.FULL, SyncRun.Outcome.SUCCEEDED)


def test_a_real_worker_runs_the_sync_task(xero_connection, xero, celery_worker_process):
    customer = xero_contact(name="Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])

    run_id = tasks.organisation_sync.delay(connection_id=xero_connection.pk, kind=SyncRun.Kind.FULL).get(timeout=60)

    finished = SyncRun.objects.get(pk=run_id)
    if finished.outcome == SyncRun.Outcome.SKIPPED:  # the wizard's first sync was still running: ask again
        run_id = tasks.organisation_sync.delay(connection_id=xero_connection.pk, kind=SyncRun.Kind.FULL).get(timeout=60)
        finished = SyncRun.objects.get(pk=run_id)
    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    assert Contact.objects.filter(name="Bluebell Bakery").exists()


def test_beat_fan_out_enqueues_an_organisation_whose_interval_has_passed(xero_connection, celery_worker_process):
    tasks.organisation_sync.delay(connection_id=xero_connection.pk, kind=SyncRun.Kind.FULL).get(timeout=60)
    long_ago = SyncRun.objects.order_by("started_at").first().started_at - timedelta(days=1)
    SyncRun.objects.update(started_at=long_ago)

    enqueued = tasks.organisations_sync_due.delay().get(timeout=60)

    assert enqueued == 1
