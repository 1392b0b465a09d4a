"""The sandbox's whole state: apps, users, organisations, tokens, connections, the clock, the calls log and faults.

Everything lives in memory behind one lock (per-tenant locks guard accounting data). With a state path the state is
written to a JSON file shortly after each change and on shutdown, and read back on start.
"""

import logging
import os
import secrets
import string
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from xero_sandbox import accounting, jsonutil, msdate, seed
from xero_sandbox.calls import CallsLog
from xero_sandbox.faults import FaultSet
from xero_sandbox.limits import RateLimiter
from xero_sandbox.records import App, AuthCode, Connection, RefreshToken, SandboxOptions, Tenant, TenantMeta, User
from xero_sandbox.store import TenantData

if TYPE_CHECKING:
    from xero_sandbox.webhooks import WebhookDispatcher

logger = logging.getLogger(__name__)

STATE_VERSION = 1
SAVE_INTERVAL_SECONDS = 2.0

DEMO_CLIENT_ID = "capsync-demo"
DEMO_CLIENT_SECRET = "demo-secret"
DEMO_REDIRECT_URIS = [
    "http://127.0.0.1:8000/integrations/xero/callback/",
    "http://localhost:8000/integrations/xero/callback/",
]
DEMO_USER_EMAIL = "demo@example.com"
DEMO_USER_PASSWORD = "demo"

CURRENCY_COUNTRY = {
    "GBP": "GB",
    "NZD": "NZ",
    "AUD": "AU",
    "USD": "US",
    "EUR": "IE",
    "ZAR": "ZA",
    "SGD": "SG",
    "CAD": "CA",
}

RECORD_COLLECTIONS = ("Contacts", "Invoices", "CreditNotes", "Payments", "Quotes")


class ControlError(ValueError):
    """A control-API request that cannot be carried out (the message is returned to the caller)."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _short_code() -> str:
    alphabet = string.ascii_letters + string.digits
    return "!" + "".join(secrets.choice(alphabet) for _ in range(5))


def _resolve_timezone(value: str) -> tuple[str, str]:
    """Return (Xero's Organisation.Timezone enum value, IANA name) for a Windows, enum or IANA time-zone name."""
    try:
        windows = msdate.windows_timezone(value)
    except ValueError as exc:
        raise ControlError(f"unknown timezone {value!r}") from exc
    return windows, msdate.zone_of(windows).key


def _floats(record: dict) -> dict:
    """jsonutil reads non-integer numbers as Decimal; timestamps in our records are floats."""
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in record.items()}


def _shallow_copy(value: object) -> object:
    if isinstance(value, list):
        return [dict(v) if isinstance(v, dict) else v for v in value]
    if isinstance(value, dict):
        return {k: dict(v) if isinstance(v, dict) else v for k, v in value.items()}
    return value


def _generate_signing_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


class Sandbox:
    """All sandbox state plus the services around it (limits, faults, webhooks, persistence)."""

    def __init__(
        self, options: SandboxOptions, *, webhooks_factory: Callable[["Sandbox"], "WebhookDispatcher"] | None = None
    ) -> None:
        self.options = options
        self.lock = threading.RLock()
        self.base_url = "http://127.0.0.1"
        self.latency_ms = options.latency_ms
        self.record_bodies = options.record_bodies
        self.limiter = RateLimiter(enabled=options.rate_limits, start_tier=options.tier)
        self.faults = FaultSet()
        self.clock_offset = 0.0
        self.signing_key_pem = _generate_signing_key()
        self.signing_kid = uuid.uuid4().hex[:16].upper()
        self.calls_log = CallsLog()
        self._dirty = False
        self.stopping = threading.Event()
        self._saver: threading.Thread | None = None
        self.sessions: dict[str, str] = {}  # login cookie -> user email
        self._clear_records()
        self.webhooks = webhooks_factory(self) if webhooks_factory else None

    # ----- clock -----

    def now(self) -> datetime:
        """The sandbox clock: real UTC time plus the offset set through /_sandbox/clock."""
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset)

    def clock_set(self, when: datetime) -> None:
        self.clock_offset = (when - datetime.now(UTC)).total_seconds()
        self.mark_dirty()

    def clock_advance(self, seconds: float) -> None:
        self.clock_offset += seconds
        self.mark_dirty()

    # ----- records -----

    def _clear_records(self) -> None:
        self.apps: dict[str, App] = {}
        self.users: dict[str, User] = {}
        self.tenants: dict[str, Tenant] = {}
        self.connections: dict[str, Connection] = {}
        self.codes: dict[str, AuthCode] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        # Scopes each user has granted each app ("email client_id" -> scopes): consents add up until revoked.
        self.grants: dict[str, list[str]] = {}

    def start(self) -> None:
        """Load the state file if there is one, otherwise seed; then start background threads."""
        path = self.options.state_path
        if path and Path(path).exists():
            self.load_file(Path(path))
        else:
            self.seed()  # deterministic: no need to write it until something changes (or on shutdown)
        if path:
            self._saver = threading.Thread(target=self._save_loop, name="sandbox-saver", daemon=True)
            self._saver.start()
        if self.webhooks:
            self.webhooks.start()
            for app in list(self.apps.values()):
                if app.webhook_url and app.webhook_key:
                    self.webhooks.app_changed(app.client_id, validate=True)

    def stop(self) -> None:
        """Stop background threads and write the state file one last time."""
        self.stopping.set()
        if self.webhooks:
            self.webhooks.stop()
        if self.options.state_path:
            self.save()

    def seed(self) -> None:
        """Fill the state from the start seed (--seed, --contacts/--invoices, --webhook-url)."""
        opts = self.options
        now = self.now()
        with self.lock:
            self._clear_records()
            tenant_ids: list[str] = []
            if opts.seed == "demo":
                for which, name, currency, tz in (
                    ("uk", "Demo Company (UK)", "GBP", "Europe/London"),
                    ("nz", "Demo Company (NZ)", "NZD", "Pacific/Auckland"),
                ):
                    tenant_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"xero-sandbox/demo/{which}"))
                    meta = self._tenant_meta(
                        {"name": name, "base_currency": currency, "timezone": tz}, tenant_id=tenant_id, now=now
                    )
                    data = seed.demo_tenant_data(
                        which=which,
                        tenant_id=tenant_id,
                        organisation=self._organisation(meta, now=now),
                        today=now.astimezone(ZoneInfo(tz)).date(),
                    )
                    self.tenants[tenant_id] = Tenant(meta=meta, data=data)
                    tenant_ids.append(tenant_id)
            if opts.contacts or opts.invoices:
                tenant_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "xero-sandbox/benchmark"))
                meta = self._tenant_meta(
                    {"name": "Benchmark Org", "base_currency": "GBP", "timezone": "Europe/London"},
                    tenant_id=tenant_id,
                    now=now,
                )
                data = seed.generate(
                    tenant_id=tenant_id,
                    organisation=self._organisation(meta, now=now),
                    contacts=opts.contacts or 0,
                    invoices=opts.invoices or 0,
                    today=now.astimezone(ZoneInfo("Europe/London")).date(),
                )
                self.tenants[tenant_id] = Tenant(meta=meta, data=data)
                tenant_ids.append(tenant_id)
            if tenant_ids or opts.webhook_url:
                self.apps[DEMO_CLIENT_ID] = App(
                    client_id=DEMO_CLIENT_ID,
                    client_secret=DEMO_CLIENT_SECRET,
                    name="Capsync Demo",
                    redirect_uris=list(DEMO_REDIRECT_URIS),
                    webhook_url=opts.webhook_url,
                    webhook_key=opts.webhook_key,
                )
                self.users[DEMO_USER_EMAIL] = User(
                    email=DEMO_USER_EMAIL,
                    password=DEMO_USER_PASSWORD,
                    name="Demo User",
                    tenant_ids=tenant_ids,
                    xero_userid=str(uuid.uuid5(uuid.NAMESPACE_URL, "xero-sandbox/demo-user")),
                    sub=uuid.uuid5(uuid.NAMESPACE_URL, "xero-sandbox/demo-user-sub").hex,
                )

    def reset(self) -> None:
        """Back to the start seed: records, clock, calls, faults, limits, sessions and webhook history."""
        with self.lock:
            self.clock_offset = 0.0
            self.seed()
            self.sessions.clear()
        self.faults.clear()
        self.limiter.reset_counters()
        self.limiter.enabled = self.options.rate_limits
        self.latency_ms = self.options.latency_ms
        self.record_bodies = self.options.record_bodies
        self.clear_calls()
        if self.webhooks:
            self.webhooks.reset()
        self.mark_dirty()

    # ----- control API: apps, users, tenants -----

    def create_app(self, spec: dict) -> App:
        """Register (or re-register) an app. A new or changed webhook URL triggers intent-to-receive."""
        client_id = spec.get("client_id")
        if not client_id or not isinstance(client_id, str):
            raise ControlError("client_id is required")
        redirect_uris = spec.get("redirect_uris") or []
        if not isinstance(redirect_uris, list) or not all(isinstance(u, str) for u in redirect_uris):
            raise ControlError("redirect_uris must be a list of strings")
        with self.lock:
            previous = self.apps.get(client_id)
            app = App(
                client_id=client_id,
                client_secret=spec.get("client_secret") or "",
                name=spec.get("name") or client_id,
                redirect_uris=redirect_uris,
                webhook_url=spec.get("webhook_url"),
                webhook_key=spec.get("webhook_key"),
            )
            if app.webhook_url and not app.webhook_key:
                raise ControlError("webhook_key is required with webhook_url")
            self.apps[client_id] = app
        self.mark_dirty()
        url_changed = app.webhook_url and (
            previous is None or previous.webhook_url != app.webhook_url or previous.webhook_key != app.webhook_key
        )
        if self.webhooks:
            self.webhooks.app_changed(client_id, validate=bool(url_changed))
        return app

    def create_user(self, spec: dict) -> User:
        email = spec.get("email")
        password = spec.get("password")
        if not email or not password:
            raise ControlError("email and password are required")
        tenant_ids = spec.get("tenant_ids") or []
        with self.lock:
            unknown = [t for t in tenant_ids if t not in self.tenants]
            if unknown:
                raise ControlError(f"unknown tenant_ids: {', '.join(unknown)}")
            existing = self.users.get(email)
            user = User(
                email=email, password=password, name=spec.get("name") or email.split("@")[0], tenant_ids=tenant_ids
            )
            if existing:
                user.xero_userid, user.sub = existing.xero_userid, existing.sub
            self.users[email] = user
        self.mark_dirty()
        return user

    def _tenant_meta(self, spec: dict, *, tenant_id: str, now: datetime) -> TenantMeta:
        name = spec.get("name")
        if not name:
            raise ControlError("name is required")
        currency = (spec.get("base_currency") or "GBP").upper()
        tz_name, iana = _resolve_timezone(spec.get("timezone") or "GMT Standard Time")
        return TenantMeta(
            tenant_id=tenant_id,
            name=name,
            base_currency=currency,
            short_code=spec.get("short_code") or _short_code(),
            timezone=tz_name,
            iana_timezone=iana,
            country_code=spec.get("country_code") or CURRENCY_COUNTRY.get(currency, "GB"),
            tenant_type=spec.get("tenant_type") or "ORGANISATION",
            created=now.timestamp(),
        )

    def _organisation(self, meta: TenantMeta, *, now: datetime) -> dict:
        return accounting.organisation_record(
            tenant_id=meta.tenant_id,
            name=meta.name,
            base_currency=meta.base_currency,
            short_code=meta.short_code,
            timezone=meta.timezone,
            country_code=meta.country_code,
            created=datetime.fromtimestamp(meta.created, UTC),
        )

    def create_tenant(self, spec: dict) -> Tenant:
        now = self.now()
        tenant_id = spec.get("tenant_id") or str(uuid.uuid4())
        meta = self._tenant_meta(spec, tenant_id=tenant_id, now=now)
        tenant = Tenant(meta=meta, data=TenantData(organisation=self._organisation(meta, now=now)))
        with self.lock:
            if tenant_id in self.tenants:
                raise ControlError(f"tenant {tenant_id} already exists", status=409)
            self.tenants[tenant_id] = tenant
        self.mark_dirty()
        return tenant

    def load(self, *, tenant_id: str, body: dict, notify: bool) -> dict:
        """Load Xero-shaped records into a tenant verbatim; with notify, emit webhooks as if edited in Xero."""
        tenant = self.tenants.get(tenant_id)
        if tenant is None:
            raise ControlError(f"unknown tenant_id {tenant_id}", status=404)
        if not isinstance(body, dict):
            raise ControlError('body must be an object like {"Contacts": [...]}')
        with tenant.lock:
            events = tenant.data.load(body, now=self.now())
        self.mark_dirty()
        if notify and self.webhooks:
            self.webhooks.emit(tenant_id=tenant_id, events=events)
        return {k: len(v) for k, v in body.items() if isinstance(v, list)}

    # ----- connections -----

    def connections_for(self, *, user_email: str, client_id: str) -> list[Connection]:
        with self.lock:
            return [c for c in self.connections.values() if c.user_email == user_email and c.client_id == client_id]

    def connection_allows(self, *, user_email: str, client_id: str, tenant_id: str) -> bool:
        with self.lock:
            return any(
                c.tenant_id == tenant_id and c.user_email == user_email and c.client_id == client_id
                for c in self.connections.values()
            )

    def tenant_connected_apps(self, tenant_id: str) -> set[str]:
        with self.lock:
            return {c.client_id for c in self.connections.values() if c.tenant_id == tenant_id}

    # ----- calls log -----

    def calls(self, *, since_id: int = 0, tenant_id: str | None = None, bodies: bool = False) -> dict:
        """The calls log after since_id, with counts and peak concurrency per tenant."""
        return self.calls_log.query(
            since_id=since_id, tenant_id=tenant_id, bodies=bodies, peak_concurrency=dict(self.limiter.peak_concurrency)
        )

    def clear_calls(self) -> None:
        self.calls_log.clear()
        self.limiter.reset_peaks()

    # ----- summary -----

    def summary(self) -> dict:
        """Tenants with record counts, apps, users and connections (no secrets)."""
        with self.lock:
            tenants = []
            for tenant in self.tenants.values():
                with tenant.lock:
                    data = tenant.data.to_json()
                counts = {name: len(data.get(name) or []) for name in RECORD_COLLECTIONS}
                tenants.append({**asdict(tenant.meta), "counts": counts})
            return {
                "now": self.now().isoformat(),
                "tenants": tenants,
                "apps": [a.public() for a in self.apps.values()],
                "users": [{"email": u.email, "name": u.name, "tenant_ids": u.tenant_ids} for u in self.users.values()],
                "connections": [asdict(c) for c in self.connections.values()],
            }

    # ----- persistence -----

    def mark_dirty(self) -> None:
        self._dirty = True

    def to_json(self) -> dict:
        with self.lock:
            tenants = {}
            for tenant_id, tenant in self.tenants.items():
                with tenant.lock:
                    # Shallow copies taken under the lock: serialising happens later, outside it.
                    data = {k: _shallow_copy(v) for k, v in tenant.data.to_json().items()}
                tenants[tenant_id] = {"meta": asdict(tenant.meta), "data": data}
            return {
                "version": STATE_VERSION,
                "clock_offset": self.clock_offset,
                "signing_key_pem": self.signing_key_pem,
                "signing_kid": self.signing_kid,
                "apps": [asdict(a) for a in self.apps.values()],
                "users": [asdict(u) for u in self.users.values()],
                "tenants": tenants,
                "connections": [asdict(c) for c in self.connections.values()],
                "codes": [asdict(c) for c in self.codes.values()],
                "refresh_tokens": [asdict(t) for t in self.refresh_tokens.values()],
                "grants": dict(self.grants),
                "webhooks": self.webhooks.to_json() if self.webhooks else {},
            }

    def load_file(self, path: Path) -> None:
        """Replace the state with the one saved in path."""
        data = jsonutil.loads(path.read_bytes())
        with self.lock:
            self.clock_offset = float(data.get("clock_offset", 0))
            self.signing_key_pem = data["signing_key_pem"]
            self.signing_kid = data["signing_kid"]
            self.apps = {a["client_id"]: App(**a) for a in data["apps"]}
            self.users = {u["email"]: User(**u) for u in data["users"]}
            self.tenants = {
                tenant_id: Tenant(meta=TenantMeta(**_floats(t["meta"])), data=TenantData.from_json(t["data"]))
                for tenant_id, t in data["tenants"].items()
            }
            self.connections = {c["id"]: Connection(**_floats(c)) for c in data["connections"]}
            self.codes = {c["code"]: AuthCode(**_floats(c)) for c in data["codes"]}
            self.refresh_tokens = {t["token"]: RefreshToken(**_floats(t)) for t in data["refresh_tokens"]}
            self.grants = dict(data.get("grants") or {})
        if self.webhooks:
            self.webhooks.from_json(data.get("webhooks") or {})

    def save(self) -> None:
        """Write the state file atomically (temp file + rename)."""
        path = self.options.state_path
        if not path:
            return
        self._dirty = False
        payload = jsonutil.dumps(self.to_json())
        target = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=".xero_sandbox_state.", dir=target.parent or ".")
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        Path(tmp).replace(target)

    def _save_loop(self) -> None:
        """Save shortly after changes, but never spend more than ~10% of the time saving (big benchmark states)."""
        next_allowed = 0.0
        while not self.stopping.wait(SAVE_INTERVAL_SECONDS / 4):
            if self._dirty and time.monotonic() >= next_allowed:
                started = time.monotonic()
                try:
                    self.save()
                except (OSError, RuntimeError, ValueError):
                    logger.exception("Unable to save the sandbox state; will retry")
                    self._dirty = True
                took = time.monotonic() - started
                next_allowed = time.monotonic() + max(SAVE_INTERVAL_SECONDS, 10 * took)
                logger.debug("state saved in %.3fs", took)
