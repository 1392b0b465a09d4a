import base64
import hashlib
import hmac
import json
import uuid

import pytest
from django.urls import reverse

from contacts.models import Contact
from integrations.xero.models import SyncRun, WebhookEvent
from tests.xero.sync_data import load, sync, xero_contact, xero_invoice

pytestmark = pytest.mark.django_db

WEBHOOK_KEY = "test-webhook-key"


@pytest.fixture(autouse=True)
def webhook_key(settings):
    settings.XERO_WEBHOOK_KEY = WEBHOOK_KEY


def sign(body: bytes, key: str = WEBHOOK_KEY) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def delivery(*events: dict) -> bytes:
    return json.dumps({"events": list(events), "firstEventSequence": 1, "lastEventSequence": len(events),
                       "entropy": uuid.uuid4().hex}).encode()


def event(tenant_id: str, resource_id: str, *, category: str = "INVOICE", event_type: str = "UPDATE",
          when: str = "2026-11-25T10:15:39.902") -> dict:
    return {"resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{resource_id}", "resourceId": resource_id,
            "eventDateUtc": when, "eventType": event_type, "eventCategory": category, "tenantId": tenant_id,
            "tenantType": "ORGANISATION"}


def post(client, body: bytes, signature: str | None = None):
    return client.post(reverse("xero:webhooks"), body, content_type="application/json",
                       headers={"x-xero-signature": signature if signature is not None else sign(body)})


def test_a_bad_signature_is_refused_and_nothing_is_stored(client, xero_connection, xero):
    body = delivery(event(xero.uk_tenant_id, str(uuid.uuid4())))

    response = post(client, body, signature=sign(body, key="not-the-key"))

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_intent_to_receive_gets_an_empty_200(client):
    response = post(client, delivery())

    assert response.status_code == 200
    assert response.content == b""


def test_a_body_over_one_megabyte_is_refused_from_its_length(client):
    body = b"{" + b" " * (1024 * 1024) + b"}"

    response = post(client, body)

    assert response.status_code == 413


def test_a_repeated_delivery_is_stored_once(client, xero_connection, xero, django_capture_on_commit_callbacks):
    body = delivery(event(xero.uk_tenant_id, str(uuid.uuid4())))

    with django_capture_on_commit_callbacks() as first:
        post(client, body)
    with django_capture_on_commit_callbacks() as second:
        post(client, body)

    assert WebhookEvent.objects.count() == 1
    assert (len(first), len(second)) == (1, 0)


def test_events_of_an_organisation_not_linked_are_ignored(client, xero_connection):
    response = post(client, delivery(event(str(uuid.uuid4()), str(uuid.uuid4()))))

    assert response.status_code == 200
    assert not WebhookEvent.objects.exists()


def test_a_webhook_brings_in_a_new_paying_customer_with_two_calls(client, xero_connection, xero, tasks_run_inline):
    sync(xero_connection)
    customer = xero_contact("Quayside Events LLP")
    invoice = xero_invoice(customer)
    load(xero, contacts=[customer], invoices=[invoice])

    response = tasks_run_inline(lambda: post(client, delivery(event(xero.uk_tenant_id, invoice["InvoiceID"]))))

    assert response.status_code == 200
    webhook_run = SyncRun.objects.filter(kind=SyncRun.Kind.WEBHOOK).get()
    assert webhook_run.outcome == SyncRun.Outcome.SUCCEEDED, webhook_run.message
    assert webhook_run.api_calls <= 2
    assert Contact.objects.filter(name="Quayside Events LLP").exists()
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()


def test_an_older_event_arriving_late_does_not_undo_a_newer_change(client, xero_connection, xero, tasks_run_inline):
    customer = xero_contact("Bluebell Bakery")
    invoice = xero_invoice(customer, amount_due="120.00")
    load(xero, contacts=[customer], invoices=[invoice])
    sync(xero_connection)
    xero.sandbox.clock_advance(60)
    load(xero, invoices=[{**invoice, "Status": "PAID", "AmountDue": 0.0, "AmountPaid": 120.0}])
    tasks_run_inline(lambda: post(client, delivery(
        event(xero.uk_tenant_id, invoice["InvoiceID"], when="2026-11-25T10:20:00.000"))))

    tasks_run_inline(lambda: post(client, delivery(
        event(xero.uk_tenant_id, invoice["InvoiceID"], when="2026-11-25T10:10:00.000"))))

    stored = Contact.objects.get(name="Bluebell Bakery").invoices.get()
    assert (stored.status, stored.amount_due) == ("PAID", 0)
