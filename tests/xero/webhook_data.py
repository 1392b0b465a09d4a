"""Xero webhook deliveries as Xero sends them: signed JSON bodies of events, posted to Capsync's receiver."""

import base64
import hashlib
import hmac
import json
import uuid

from django.urls import reverse

WEBHOOK_KEY = "test-webhook-key"


def sign(body: bytes, key: str = WEBHOOK_KEY) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def delivery(*events: dict) -> bytes:
    return json.dumps(
        {"events": list(events), "firstEventSequence": 1, "lastEventSequence": len(events), "entropy": uuid.uuid4().hex}
    ).encode()


def event(
    tenant_id: str,
    resource_id: str,
    *,
    category: str = "INVOICE",
    event_type: str = "UPDATE",
    when: str = "2026-11-25T10:15:39.902",
) -> dict:
    return {
        "resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{resource_id}",
        "resourceId": resource_id,
        "eventDateUtc": when,
        "eventType": event_type,
        "eventCategory": category,
        "tenantId": tenant_id,
        "tenantType": "ORGANISATION",
    }


def post(client, body: bytes, signature: str | None = None):
    return client.post(
        reverse("xero:webhooks"),
        body,
        content_type="application/json",
        headers={"x-xero-signature": signature if signature is not None else sign(body)},
    )
