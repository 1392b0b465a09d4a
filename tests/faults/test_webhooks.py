"""Issue 9, cases 17-21: Xero's webhooks, posted by the test client or delivered by the sandbox to a live server."""

import json
import socket
import time
import uuid
from urllib.parse import urlsplit

import pytest

from contacts.models import Contact
from integrations.xero.models import SyncRun, WebhookEvent
from invoices.models import Invoice
from tests.xero.sync_data import load, sync
from tests.xero.webhook_data import WEBHOOK_KEY, delivery, event, post, sign
from tests.xero_records import xero_contact, xero_invoice

pytestmark = pytest.mark.usefixtures("webhook_key")

WEBHOOK_PATH = "/integrations/xero/webhooks/"


def register_webhook(xero, live_server) -> None:
    """Point the app's webhook at the live server, as an admin does in Xero's developer portal."""
    xero.sandbox.create_app(
        client_id=xero.client_id,
        client_secret=xero.client_secret,
        name="Capsync",
        redirect_uris=[xero.redirect_uri],
        webhook_url=f"{live_server.url}{WEBHOOK_PATH}",
        webhook_key=WEBHOOK_KEY,
    )


@pytest.mark.django_db
def test_a_bad_signature_is_refused_and_nothing_is_stored_or_queued(
    client, xero_connection, xero, django_capture_on_commit_callbacks
):
    """Case 17: a bad signature gets 401; no event is stored and no task is queued."""
    body = delivery(event(xero.uk_tenant_id, str(uuid.uuid4())))

    with django_capture_on_commit_callbacks() as queued:
        response = post(client, body, signature=sign(body, key="not-the-key"))

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()
    assert queued == []


@pytest.mark.django_db
def test_intent_to_receive_gets_an_empty_200(client):
    """Case 18: Xero's intent-to-receive (a signed delivery with no events) gets 200 and an empty body."""
    response = post(client, delivery())

    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.django_db(transaction=True)
def test_xeros_intent_to_receive_check_passes_against_the_running_server(xero, live_server):
    """Case 18: the sandbox runs Xero's intent-to-receive (good, bad, good, bad signatures) against Capsync."""
    register_webhook(xero, live_server)

    xero.sandbox.validate_webhooks()

    assert xero.sandbox.webhooks()["intent_to_receive"] == "ok"


@pytest.mark.django_db
def test_a_repeated_delivery_is_stored_once(client, xero_connection, xero, django_capture_on_commit_callbacks):
    """Case 19: the same delivery twice: stored once, one task queued."""
    body = delivery(event(xero.uk_tenant_id, str(uuid.uuid4())))

    with django_capture_on_commit_callbacks() as first:
        post(client, body)
    with django_capture_on_commit_callbacks() as second:
        post(client, body)

    assert WebhookEvent.objects.count() == 1
    assert (len(first), len(second)) == (1, 0)


@pytest.mark.django_db
def test_an_older_event_arriving_late_does_not_undo_a_newer_change(client, xero_connection, xero, tasks_run_inline):
    """Case 19: events out of order: the newer state wins."""
    customer = xero_contact(name="Bluebell Bakery")
    invoice = xero_invoice(contact=customer, amount_due="120.00")
    load(xero, contacts=[customer], invoices=[invoice])
    sync(xero_connection)
    xero.sandbox.clock_advance(60)
    load(xero, invoices=[{**invoice, "Status": "PAID", "AmountDue": 0.0, "AmountPaid": 120.0}])
    tasks_run_inline(
        lambda: post(client, delivery(event(xero.uk_tenant_id, invoice["InvoiceID"], when="2026-11-25T10:20:00.000")))
    )

    tasks_run_inline(
        lambda: post(client, delivery(event(xero.uk_tenant_id, invoice["InvoiceID"], when="2026-11-25T10:10:00.000")))
    )

    stored = Contact.objects.get(name="Bluebell Bakery").invoices.get()
    assert (stored.status, stored.amount_due) == ("PAID", 0)


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_a_thousand_events_is_answered_fast_and_fetched_in_few_calls(xero_connection, xero, live_server):
    """Case 20: 1,000 invoices changed at once in Xero: the sandbox delivers the events to the live server in
    Xero's batches, each answered well within 5 s, and the webhook sync fetches them in a bounded number of
    calls (ids coalesced, 40 a call), not one call per event."""
    register_webhook(xero, live_server)
    customers = [xero_contact(name=f"Customer {n}") for n in range(10)]
    invoices = [xero_invoice(contact=customers[n % 10]) for n in range(1000)]
    xero.sandbox.load(xero.uk_tenant_id, {"Contacts": customers, "Invoices": invoices}, notify=True)

    xero.sandbox.flush_webhooks()
    since = xero.sandbox.calls(since_id=2**62)["last_id"]
    finished = sync(xero_connection, kind=SyncRun.Kind.WEBHOOK)

    report = xero.sandbox.webhooks()
    deliveries = [d for d in report["deliveries"] if d["kind"] == "events"]
    fetches = xero.sandbox.calls(since_id=since, tenant_id=xero.uk_tenant_id)["calls"]
    assert report["receiver_state"] == "ok"
    assert sum(d["event_count"] for d in deliveries) >= 1000
    assert {d["status_code"] for d in deliveries} == {200}
    assert max(d["duration_ms"] for d in deliveries) < 5000
    assert WebhookEvent.objects.count() >= 1000
    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    assert Invoice.objects.count() == 1000
    assert len(fetches) <= 30


def test_a_body_over_one_megabyte_is_refused_before_it_is_read(live_server):
    """Case 21: a body announced as over 1 MB gets 413 while the sender is still holding back all but its first
    byte: Capsync answers from Content-Length without reading the body."""
    address = urlsplit(live_server.url)
    head = (
        f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {5 * 1024 * 1024}\r\nx-xero-signature: {sign(b'{}')}\r\nConnection: close\r\n\r\n{{"
    )

    with socket.create_connection((address.hostname, address.port), timeout=10) as sender:
        sender.sendall(head.encode())
        started = time.monotonic()
        answer = sender.recv(1024)
        waited = time.monotonic() - started

    assert answer.startswith(b"HTTP/1.1 413")
    assert waited < 5


# Issue 19 items 4 and 5 (issue 14 point 11): a header or body that is not what Xero sends


@pytest.mark.django_db
@pytest.mark.parametrize("signature", ["\u00e9", "sign\u00e9d=", "\u00ff" * 44])
def test_a_signature_that_is_not_ascii_is_refused_with_401(client, xero_connection, xero, signature):
    """Case i19.4 (issue 14 point 11 too): an x-xero-signature header that is not ASCII is a bad signature: 401, nothing
    stored (it used to be a 500, without needing the key)."""
    body = delivery(event(xero.uk_tenant_id, str(uuid.uuid4())))

    response = post(client, body, signature=signature)

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b'"x"',
        b"null",
        b"[]",
        b"1",
        b'{"events": "x"}',
        b'{"events": null}',
        b'{"events": {"a": 1}}',
        b"{}",
        b"\xff\xfe{}",
    ],
    ids=["string", "null", "list", "number", "events-string", "events-null", "events-object", "no-events", "not-utf8"],
)
def test_a_signed_body_that_is_not_xeros_shape_gets_400(client, body):
    """Case i19.5: a correctly signed body that is JSON but not an object with an `events` list gets 400."""
    response = post(client, body)

    assert response.status_code == 400


def _hostile_events(tenant_id: str) -> dict[str, object]:
    return {
        "number": 1,
        "string": "x",
        "null": None,
        "list": [],
        "lone-surrogate-id": event(tenant_id, "\ud800"),
        "lone-surrogate-date": {**event(tenant_id, str(uuid.uuid4())), "eventDateUtc": "2026-11-25T10:15:39\ud800"},
        "lone-surrogate-type": {**event(tenant_id, str(uuid.uuid4())), "eventType": "UPDATE\udfff"},
        "id-too-long": event(tenant_id, "9" * 65),
        "category-too-long": event(tenant_id, str(uuid.uuid4()), category="INVOICE" * 4),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(_hostile_events("t")))
def test_events_that_are_not_xeros_shape_are_dropped_and_the_rest_stored(
    client, xero_connection, xero, kind, django_capture_on_commit_callbacks
):
    """Case i19.5: in a signed delivery, an event that is not Xero's shape (not an object, a lone surrogate
    "\\ud800", an id longer than Xero's) is dropped and logged; the delivery gets 200 and its good events are
    stored and fetched."""
    good = event(xero.uk_tenant_id, str(uuid.uuid4()))
    body = json.dumps({"events": [_hostile_events(xero.uk_tenant_id)[kind], good]}).encode()

    with django_capture_on_commit_callbacks() as queued:
        response = post(client, body)

    assert response.status_code == 200
    assert list(WebhookEvent.objects.values_list("resource_id", flat=True)) == [good["resourceId"]]
    assert len(queued) == 1
