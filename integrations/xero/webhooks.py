"""Xero's webhook receiver: verify, store, enqueue, answer fast (Xero wants 200 within 5 s, empty body).

The signature is an HMAC-SHA256 of the raw body with the webhook key, compared in constant time before the
body is parsed. Events only say *what* changed; the work of fetching it happens in a task, coalesced per
organisation, and each event is stored under its own key first, so a repeated delivery is applied once.
"""

import base64
import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.xero import services, tasks
from integrations.xero.models import SyncRun

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


def signature_valid(*, body: bytes, signature: str, key: str) -> bool:
    """Whether `signature` is Xero's x-xero-signature for this exact body; any other header value (not ASCII
    included) is simply not valid."""
    if not key or not signature.isascii():
        # compare_digest refuses str that is not ASCII (TypeError); such a header is no signature of ours.
        return False
    expected = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, signature)


def _events_of(body: bytes) -> list | None:
    """The `events` list of a signed delivery, or None when the body is not Xero's shape."""
    try:
        payload = json.loads(body)
    except ValueError:  # not JSON, or not UTF-8
        return None
    events = payload.get("events") if isinstance(payload, dict) else None
    return events if isinstance(events, list) else None


@csrf_exempt
@login_not_required
@require_POST
def receive(request: HttpRequest) -> HttpResponse:
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return HttpResponse(status=400)
    if length > MAX_BODY_BYTES:
        # Refused from the header alone, without reading the body.
        return HttpResponse(status=413)
    body = request.body
    if not signature_valid(
        body=body, signature=request.headers.get("x-xero-signature", ""), key=settings.XERO_WEBHOOK_KEY
    ):
        return HttpResponse(status=401)
    events = _events_of(body)
    if events is None:
        logger.warning("Signed Xero webhook body is not a JSON object with an events list")
        return HttpResponse(status=400)
    for connection_id in services.webhook_events_store(events=events, now=timezone.now()):
        tasks.organisation_sync.delay_on_commit(connection_id=connection_id, kind=SyncRun.Kind.WEBHOOK)
    return HttpResponse(status=200)
