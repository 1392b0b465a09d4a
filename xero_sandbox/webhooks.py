"""Webhook delivery like Xero's: batched, HMAC-signed, retried with decreasing frequency, disabled after 24 hours.

A background thread collects events per app for BATCH_WINDOW_SECONDS, then POSTs payloads of at most
MAX_EVENTS_PER_PAYLOAD events. Retries follow the sandbox clock, so tests drive them with /_sandbox/clock and
/_sandbox/webhooks/flush instead of waiting.
"""

import base64
import hashlib
import hmac
import logging
import secrets
import string
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import requests

from xero_sandbox import jsonutil
from xero_sandbox.events import AppRegistered, RecordsChanged, SandboxEvent, SandboxReset
from xero_sandbox.records import App, Tenant
from xero_sandbox.store import Event

logger = logging.getLogger(__name__)

BATCH_WINDOW_SECONDS = 1.0
MAX_EVENTS_PER_PAYLOAD = 100
DELIVERY_TIMEOUT_SECONDS = 5.0
FIRST_RETRY = timedelta(minutes=5)
GIVE_UP_AFTER = timedelta(hours=24)
RESOURCE_URL_BASE = "https://api.xero.com/api.xro/2.0/"
# Intent to receive: True = correctly signed (expects 200), False = badly signed (expects 401).
INTENT_PATTERN = (True, False, True, False)


def signature(key: str, body: bytes) -> str:
    """Xero's x-xero-signature: base64(HMAC-SHA256(webhook key as UTF-8, raw body))."""
    return base64.b64encode(hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def _entropy() -> str:
    return "".join(secrets.choice(string.ascii_uppercase) for _ in range(20))


class Directory(Protocol):
    """What delivery reads from the sandbox (state.Sandbox is one; this module does not import it)."""

    apps: Mapping[str, App]
    tenants: Mapping[str, Tenant]

    def now(self) -> datetime: ...

    def tenant_connected_apps(self, tenant_id: str) -> set[str]: ...


@dataclass
class _Outgoing:
    body: bytes
    event_count: int
    first_sequence: int
    last_sequence: int


@dataclass
class _AppHooks:
    pending: list[dict] = field(default_factory=list)
    pending_since: float | None = None  # time.monotonic() of the oldest pending event
    outbox: list[_Outgoing] = field(default_factory=list)
    state: str = "ok"  # "ok" | "failing" | "disabled"
    failing_since: datetime | None = None
    next_attempt: datetime | None = None
    attempts: int = 0
    intent: str | None = None  # None (not run) | "ok" | "failed"
    sequence: int = 0
    dropped: int = 0


class WebhookDispatcher:
    """Queues events per app and delivers them from one background thread (or now, on flush).

    It hears about changes through ``handle_event``, which the wiring (runtime.py) subscribes to the sandbox.
    """

    def __init__(self, sandbox: Directory) -> None:
        self.sandbox = sandbox
        self._lock = threading.Lock()
        self._deliver_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._apps: dict[str, _AppHooks] = {}
        self._validate_queue: list[str] = []
        self._deliveries: list[dict] = []
        self._thread: threading.Thread | None = None
        self._http = requests.Session()

    # ----- lifecycle -----

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=DELIVERY_TIMEOUT_SECONDS + 1)

    def reset(self) -> None:
        with self._deliver_lock, self._lock:
            self._apps.clear()
            self._validate_queue.clear()
            self._deliveries.clear()

    def to_json(self) -> dict:
        with self._lock:
            return {
                client_id: {"sequence": hooks.sequence, "state": hooks.state, "intent": hooks.intent}
                for client_id, hooks in self._apps.items()
            }

    def from_json(self, data: dict) -> None:
        with self._lock:
            self._apps = {
                client_id: _AppHooks(
                    sequence=int(v.get("sequence", 0)), state=v.get("state", "ok"), intent=v.get("intent")
                )
                for client_id, v in data.items()
            }

    # ----- inputs -----

    def handle_event(self, event: SandboxEvent) -> None:
        """The sandbox's event callback: new or changed apps, changed records, a reset."""
        if isinstance(event, AppRegistered):
            self.app_changed(event.client_id, validate=event.webhook_changed)
        elif isinstance(event, RecordsChanged):
            self.emit(tenant_id=event.tenant_id, events=list(event.events))
        elif isinstance(event, SandboxReset):
            self.reset()

    def app_changed(self, client_id: str, *, validate: bool) -> None:
        """An app was (re-)registered; a new or changed webhook URL re-enables it and runs intent-to-receive."""
        if not validate:
            return
        with self._lock:
            hooks = self._apps.setdefault(client_id, _AppHooks())
            hooks.state, hooks.intent, hooks.failing_since, hooks.next_attempt, hooks.attempts = (
                "ok",
                None,
                None,
                None,
                0,
            )
            self._validate_queue.append(client_id)
        self._wake.set()

    def emit(self, *, tenant_id: str, events: list[Event]) -> None:
        """Queue events for every app with a webhook that is connected to the tenant."""
        if not events:
            return
        sandbox = self.sandbox
        client_ids = [
            client_id
            for client_id in sandbox.tenant_connected_apps(tenant_id)
            if (app := sandbox.apps.get(client_id)) and app.webhook_url and app.webhook_key
        ]
        if not client_ids:
            return
        tenant = sandbox.tenants.get(tenant_id)
        stamp = sandbox.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        payload_events = [self._event_json(event, tenant=tenant, tenant_id=tenant_id, stamp=stamp) for event in events]
        with self._lock:
            for client_id in client_ids:
                hooks = self._apps.setdefault(client_id, _AppHooks())
                if hooks.state == "disabled":
                    hooks.dropped += len(payload_events)
                    continue
                if hooks.pending_since is None:
                    hooks.pending_since = time.monotonic()
                hooks.pending.extend(payload_events)
        self._wake.set()

    @staticmethod
    def _event_json(event: Event, *, tenant: Tenant | None, tenant_id: str, stamp: str) -> dict:
        body = {
            "resourceUrl": RESOURCE_URL_BASE + event.resource_url_path,
            "resourceId": event.resource_id,
            "eventDateUtc": stamp,
            "eventType": event.event_type,
            "eventCategory": event.category,
            "tenantId": tenant_id,
            "tenantType": tenant.meta.tenant_type if tenant else "ORGANISATION",
        }
        if event.category == "CREDITNOTE" and tenant is not None:
            # Spec 16.1.0 (CreditNoteWebhookEvent): credit-note events also say the note's Type and Status.
            note = tenant.data.credit_notes.get(event.resource_id) or {}
            if note.get("Type") and note.get("Status"):
                body["data"] = {"Type": note["Type"], "Status": note["Status"]}
        return body

    # ----- outputs -----

    def flush(self) -> dict:
        """Deliver every pending batch now, plus retries that are due on the sandbox clock."""
        delivered_before = len(self._deliveries)
        self._validate_pending()
        for client_id in list(self._apps):
            self._deliver_app(client_id, force=True)
        return {"deliveries": len(self._deliveries) - delivered_before}

    def validate(self) -> dict:
        """Run intent-to-receive now for every app with a webhook URL."""
        results = {}
        for app in list(self.sandbox.apps.values()):
            if app.webhook_url and app.webhook_key:
                results[app.client_id] = self._intent_to_receive(app.client_id)
        return {"intent_to_receive": results}

    def report(self) -> dict:
        with self._lock:
            apps = {
                client_id: {
                    "receiver_state": hooks.state,
                    "intent_to_receive": hooks.intent,
                    "pending_events": len(hooks.pending) + sum(o.event_count for o in hooks.outbox),
                    "next_attempt": hooks.next_attempt.isoformat() if hooks.next_attempt else None,
                    "last_event_sequence": hooks.sequence,
                    "dropped_events": hooks.dropped,
                }
                for client_id, hooks in self._apps.items()
            }
            deliveries = list(self._deliveries)
        states = [a["receiver_state"] for a in apps.values()]
        intents = [a["intent_to_receive"] for a in apps.values() if a["intent_to_receive"]]
        receiver_state = "disabled" if "disabled" in states else "failing" if "failing" in states else "ok"
        intent = "failed" if "failed" in intents else ("ok" if intents else None)
        return {"deliveries": deliveries, "receiver_state": receiver_state, "intent_to_receive": intent, "apps": apps}

    # ----- the worker -----

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(0.1)
            self._wake.clear()
            try:
                self._validate_pending()
                for client_id in list(self._apps):
                    self._deliver_app(client_id, force=False)
            except Exception:
                logger.exception("Webhook worker failed; carrying on")

    def _validate_pending(self) -> None:
        with self._lock:
            queue, self._validate_queue = self._validate_queue, []
        for client_id in dict.fromkeys(queue):
            self._intent_to_receive(client_id)

    def _deliver_app(self, client_id: str, *, force: bool) -> None:
        with self._deliver_lock:
            app = self.sandbox.apps.get(client_id)
            now = self.sandbox.now()
            with self._lock:
                hooks = self._apps.get(client_id)
                if hooks is None or app is None or not app.webhook_url or not app.webhook_key:
                    return
                if hooks.pending and (force or time.monotonic() - (hooks.pending_since or 0) >= BATCH_WINDOW_SECONDS):
                    self._batch(hooks)
                if not hooks.outbox or hooks.state == "disabled":
                    return
                if hooks.state == "failing" and hooks.next_attempt and now < hooks.next_attempt:
                    return
                intent = hooks.intent
            if intent != "ok" and self._intent_to_receive(client_id, locked=True) != "ok":
                with self._lock:
                    hooks.dropped += sum(o.event_count for o in hooks.outbox)
                    hooks.outbox.clear()
                return
            while True:
                with self._lock:
                    if not hooks.outbox:
                        break
                    outgoing = hooks.outbox[0]
                ok = self._post(client_id, app.webhook_url, app.webhook_key, outgoing, good_signature=True)
                with self._lock:
                    if ok:
                        hooks.outbox.pop(0)
                        hooks.state, hooks.failing_since, hooks.next_attempt, hooks.attempts = "ok", None, None, 0
                        continue
                    now = self.sandbox.now()
                    hooks.failing_since = hooks.failing_since or now
                    if now - hooks.failing_since >= GIVE_UP_AFTER:
                        hooks.state = "disabled"
                        hooks.dropped += sum(o.event_count for o in hooks.outbox) + len(hooks.pending)
                        hooks.outbox.clear()
                        hooks.pending.clear()
                        hooks.pending_since = None
                    else:
                        hooks.state = "failing"
                        hooks.next_attempt = now + FIRST_RETRY * (2**hooks.attempts)
                        hooks.attempts += 1
                    break

    def _batch(self, hooks: _AppHooks) -> None:
        """Turn pending events into signed-later payloads with increasing sequence numbers (caller holds _lock)."""
        events, hooks.pending, hooks.pending_since = hooks.pending, [], None
        for start in range(0, len(events), MAX_EVENTS_PER_PAYLOAD):
            chunk = events[start : start + MAX_EVENTS_PER_PAYLOAD]
            first = hooks.sequence + 1
            hooks.sequence += len(chunk)
            body = jsonutil.dumps(
                {
                    "events": chunk,
                    "firstEventSequence": first,
                    "lastEventSequence": hooks.sequence,
                    "entropy": _entropy(),
                }
            )
            hooks.outbox.append(
                _Outgoing(body=body, event_count=len(chunk), first_sequence=first, last_sequence=hooks.sequence)
            )

    def _intent_to_receive(self, client_id: str, *, locked: bool = False) -> str | None:
        """Send validation payloads (some badly signed); the receiver passes if it answers 200 / 401 correctly."""
        app = self.sandbox.apps.get(client_id)
        if app is None or not app.webhook_url or not app.webhook_key:
            return None
        if not locked:
            with self._deliver_lock:
                return self._intent_to_receive(client_id, locked=True)
        results = []
        for good in INTENT_PATTERN:
            body = jsonutil.dumps(
                {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": _entropy()}
            )
            outgoing = _Outgoing(body=body, event_count=0, first_sequence=0, last_sequence=0)
            results.append(self._post(client_id, app.webhook_url, app.webhook_key, outgoing, good_signature=good))
        outcome = "ok" if all(results) else "failed"
        with self._lock:
            hooks = self._apps.setdefault(client_id, _AppHooks())
            hooks.intent = outcome
            if outcome == "ok" and hooks.state == "disabled":
                hooks.state = "ok"
        return outcome

    def _post(self, client_id: str, url: str, key: str, outgoing: _Outgoing, *, good_signature: bool) -> bool:
        """POST one payload and record it. True when the receiver answered as Xero requires."""
        sign_key = key if good_signature else key + secrets.token_hex(4)
        headers = {"Content-Type": "application/json", "x-xero-signature": signature(sign_key, outgoing.body)}
        expected = 200 if good_signature else 401
        started = time.monotonic()
        status_code: int | None = None
        error = None
        try:
            response = self._http.post(url, data=outgoing.body, headers=headers, timeout=DELIVERY_TIMEOUT_SECONDS)
            status_code = response.status_code
        except requests.RequestException as exc:
            error = type(exc).__name__
        duration = time.monotonic() - started
        ok = status_code == expected and duration <= DELIVERY_TIMEOUT_SECONDS
        with self._lock:
            self._deliveries.append(
                {
                    "id": len(self._deliveries) + 1,
                    "time": self.sandbox.now().isoformat(),
                    "client_id": client_id,
                    "url": url,
                    "kind": "events" if outgoing.event_count else "intent_to_receive",
                    "status_code": status_code,
                    "error": error,
                    "duration_ms": round(duration * 1000, 1),
                    "event_count": outgoing.event_count,
                    "first_event_sequence": outgoing.first_sequence,
                    "last_event_sequence": outgoing.last_sequence,
                    "signature_valid": good_signature,
                    "outcome": "ok" if ok else "failing",
                }
            )
        return ok
