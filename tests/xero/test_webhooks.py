import uuid

import pytest

from contacts.models import Contact
from integrations.xero.models import SyncRun, WebhookEvent
from tests.xero.sync_data import load, sync
from tests.xero.webhook_data import delivery, event, post
from tests.xero_records import xero_contact, xero_invoice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_key")]


def test_events_of_an_organisation_not_linked_are_ignored(client, xero_connection):
    response = post(client, delivery(event(str(uuid.uuid4()), str(uuid.uuid4()))))

    assert response.status_code == 200
    assert not WebhookEvent.objects.exists()


def test_a_webhook_brings_in_a_new_paying_customer_with_two_calls(client, xero_connection, xero, tasks_run_inline):
    sync(xero_connection)
    customer = xero_contact(name="Quayside Events LLP")
    invoice = xero_invoice(contact=customer)
    load(xero, contacts=[customer], invoices=[invoice])

    response = tasks_run_inline(lambda: post(client, delivery(event(xero.uk_tenant_id, invoice["InvoiceID"]))))

    assert response.status_code == 200
    webhook_run = SyncRun.objects.filter(kind=SyncRun.Kind.WEBHOOK).get()
    assert webhook_run.outcome == SyncRun.Outcome.SUCCEEDED, webhook_run.message
    assert webhook_run.api_calls <= 2
    assert Contact.objects.filter(name="Quayside Events LLP").exists()
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()
