"""Webhook delivery: HMAC signatures, batching, intent to receive, failing receivers, retries and disabling."""

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.sandbox import make_connected_tenant, wait_for

WEBHOOK_KEY = "whk-0123456789abcdef"


@dataclass
class Receiver:
    """A tiny webhook receiver: checks the signature like Capsync must, and records what arrived."""

    url: str = ""
    mode: str = "ok"  # "ok" | "fail" (500 for event payloads) | "accept-all" (200 even for bad signatures)
    payloads: list[dict] = field(default_factory=list)
    raw: list[tuple[bytes, str]] = field(default_factory=list)

    def event_payloads(self) -> list[dict]:
        return [p for p in self.payloads if p["events"]]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            signature = self.headers.get("x-xero-signature", "")
            expected = base64.b64encode(hmac.new(WEBHOOK_KEY.encode(), body, hashlib.sha256).digest()).decode()
            valid = hmac.compare_digest(signature, expected)
            state.raw.append((body, signature))
            if valid:
                state.payloads.append(json.loads(body))
            if state.mode == "accept-all":
                status = 200
            elif not valid:
                status = 401
            elif state.mode == "fail" and json.loads(body)["events"]:
                status = 500
            else:
                status = 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/xero/webhooks/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def hooked(sandbox, receiver):
    """A connected tenant whose app has a webhook pointing at the receiver (intent to receive already passed)."""
    tenant = make_connected_tenant(sandbox)
    sandbox.create_app(
        client_id=tenant.client_id,
        client_secret=tenant.client_secret,
        redirect_uris=[tenant.redirect_uri],
        webhook_url=receiver.url,
        webhook_key=WEBHOOK_KEY,
    )
    sandbox.validate_webhooks()
    return tenant


def _put_contacts(sandbox, tenant, names: list[str]):
    return sandbox.api(
        "PUT",
        "Contacts",
        access_token=tenant.access_token,
        tenant_id=tenant.tenant_id,
        json={"Contacts": [{"Name": name} for name in names]},
    )


def test_intent_to_receive_passes_when_receiver_answers_200_and_401(sandbox, hooked):
    report = sandbox.validate_webhooks()

    assert report["intent_to_receive"] == {hooked.client_id: "ok"}
    deliveries = [d for d in sandbox.webhooks()["deliveries"] if d["kind"] == "intent_to_receive"]
    assert {d["signature_valid"] for d in deliveries} == {True, False}
    assert {d["status_code"] for d in deliveries if not d["signature_valid"]} == {401}


def test_intent_to_receive_payload_has_zero_sequences_and_no_events(sandbox, hooked, receiver):
    intent = receiver.payloads[0]

    assert intent["events"] == []
    assert intent["firstEventSequence"] == 0
    assert intent["lastEventSequence"] == 0
    assert intent["entropy"]


def test_intent_to_receive_fails_when_receiver_accepts_bad_signatures(sandbox, hooked, receiver):
    receiver.mode = "accept-all"

    report = sandbox.validate_webhooks()

    assert report["intent_to_receive"] == {hooked.client_id: "failed"}
    assert sandbox.webhooks()["intent_to_receive"] == "failed"


def test_event_payload_is_signed_with_hmac_sha256_of_the_raw_body(sandbox, hooked, receiver):
    _put_contacts(sandbox, hooked, ["Signed Ltd"])

    sandbox.flush_webhooks()

    body, signature = next((b, s) for b, s in receiver.raw if json.loads(b)["events"])
    expected = base64.b64encode(hmac.new(WEBHOOK_KEY.encode(), body, hashlib.sha256).digest()).decode()
    assert signature == expected


def test_event_payload_has_xero_fields(sandbox, hooked, receiver):
    contact = _put_contacts(sandbox, hooked, ["Shape Ltd"]).json()["Contacts"][0]

    sandbox.flush_webhooks()

    payload = receiver.event_payloads()[0]
    assert set(payload) == {"events", "firstEventSequence", "lastEventSequence", "entropy"}
    assert payload["events"] == [
        {
            "resourceUrl": f"https://api.xero.com/api.xro/2.0/Contacts/{contact['ContactID']}",
            "resourceId": contact["ContactID"],
            "eventDateUtc": payload["events"][0]["eventDateUtc"],
            "eventType": "CREATE",
            "eventCategory": "CONTACT",
            "tenantId": hooked.tenant_id,
            "tenantType": "ORGANISATION",
        }
    ]
    assert len(payload["events"][0]["eventDateUtc"]) == len("2024-06-21T01:15:39.902")


def test_events_close_together_are_batched_in_one_payload(sandbox, hooked, receiver):
    _put_contacts(sandbox, hooked, ["One Ltd"])
    _put_contacts(sandbox, hooked, ["Two Ltd", "Three Ltd"])

    sandbox.flush_webhooks()

    payloads = receiver.event_payloads()
    assert len(payloads) == 1
    assert len(payloads[0]["events"]) == 3
    assert (payloads[0]["firstEventSequence"], payloads[0]["lastEventSequence"]) == (1, 3)


def test_large_bursts_are_split_into_payloads_of_100_with_continuing_sequences(sandbox, hooked, receiver):
    contacts = [{"Name": f"Burst {i}"} for i in range(150)]
    sandbox.load(hooked.tenant_id, {"Contacts": contacts}, notify=True)

    sandbox.flush_webhooks()

    payloads = receiver.event_payloads()
    assert [len(p["events"]) for p in payloads] == [100, 50]
    assert [(p["firstEventSequence"], p["lastEventSequence"]) for p in payloads] == [(1, 100), (101, 150)]


def test_events_are_delivered_in_the_background_without_flush(sandbox, hooked, receiver):
    _put_contacts(sandbox, hooked, ["Background Ltd"])

    payloads = wait_for(receiver.event_payloads, timeout=5)

    assert payloads[0]["events"][0]["eventCategory"] == "CONTACT"


def test_load_without_notify_sends_no_events(sandbox, hooked, receiver):
    sandbox.load(hooked.tenant_id, {"Contacts": [{"Name": "Quiet Ltd"}]})

    sandbox.flush_webhooks()

    assert receiver.event_payloads() == []


def test_no_events_for_tenants_not_connected_to_the_app(sandbox, hooked, receiver):
    other = sandbox.create_tenant(name="Unconnected Org")

    sandbox.load(other["tenant_id"], {"Contacts": [{"Name": "Elsewhere Ltd"}]}, notify=True)
    sandbox.flush_webhooks()

    assert receiver.event_payloads() == []


def test_failing_receiver_is_marked_failing(sandbox, hooked, receiver):
    receiver.mode = "fail"
    _put_contacts(sandbox, hooked, ["Fails Ltd"])

    sandbox.flush_webhooks()

    report = sandbox.webhooks()
    assert report["receiver_state"] == "failing"
    assert report["deliveries"][-1]["outcome"] == "failing"
    assert report["deliveries"][-1]["status_code"] == 500


def test_failed_delivery_is_retried_after_five_minutes(sandbox, hooked, receiver):
    receiver.mode = "fail"
    _put_contacts(sandbox, hooked, ["Retry Ltd"])
    sandbox.flush_webhooks()
    receiver.mode = "ok"
    sandbox.flush_webhooks()
    assert sandbox.webhooks()["receiver_state"] == "failing"

    sandbox.clock_advance(5 * 60 + 1)
    sandbox.flush_webhooks()

    assert sandbox.webhooks()["receiver_state"] == "ok"
    assert [e["resourceId"] for p in receiver.event_payloads() for e in p["events"]]


def test_webhook_disabled_after_24_hours_of_failures(sandbox, hooked, receiver):
    receiver.mode = "fail"
    _put_contacts(sandbox, hooked, ["Never Ltd"])
    sandbox.flush_webhooks()

    for _ in range(10):
        sandbox.clock_advance(4 * 3600)
        sandbox.flush_webhooks()

    report = sandbox.webhooks()
    assert report["receiver_state"] == "disabled"
    assert report["apps"][hooked.client_id]["pending_events"] == 0


def test_registering_a_webhook_url_runs_intent_to_receive_by_itself(sandbox, receiver):
    tenant = make_connected_tenant(sandbox)

    sandbox.create_app(
        client_id=tenant.client_id,
        client_secret=tenant.client_secret,
        redirect_uris=[tenant.redirect_uri],
        webhook_url=receiver.url,
        webhook_key=WEBHOOK_KEY,
    )

    assert wait_for(lambda: sandbox.webhooks()["intent_to_receive"], timeout=5) == "ok"


def test_registering_the_webhook_again_re_enables_a_disabled_one(sandbox, hooked, receiver):
    receiver.mode = "fail"
    _put_contacts(sandbox, hooked, ["Down Ltd"])
    sandbox.flush_webhooks()
    for _ in range(7):
        sandbox.clock_advance(4 * 3600)
        sandbox.flush_webhooks()
    receiver.mode = "ok"

    sandbox.create_app(
        client_id=hooked.client_id,
        client_secret=hooked.client_secret,
        redirect_uris=[hooked.redirect_uri],
        webhook_url=receiver.url + "v2/",
        webhook_key=WEBHOOK_KEY,
    )
    sandbox.flush_webhooks()

    assert sandbox.webhooks()["receiver_state"] == "ok"


def test_credit_note_events_carry_type_and_status_data(sandbox, hooked, receiver):
    note = {"CreditNoteID": "3b1f0f8e-2a59-4b8f-9a57-6f4b0b1f5c11", "Type": "ACCRECCREDIT", "Status": "AUTHORISED"}
    sandbox.load(hooked.tenant_id, {"CreditNotes": [note]}, notify=True)

    sandbox.flush_webhooks()

    event = receiver.event_payloads()[0]["events"][0]
    assert event["eventCategory"] == "CREDITNOTE"
    assert event["data"] == {"Type": "ACCRECCREDIT", "Status": "AUTHORISED"}
