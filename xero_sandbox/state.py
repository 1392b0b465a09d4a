"""The sandbox's state: apps, users, organisations, tokens, connections, sessions, the clock and the calls log.

Everything lives in memory behind one lock (per-tenant locks guard accounting data). Other modules read the
dictionaries but change them only through the methods here, which take the lock, mark the state dirty for the
state file (persistence.py) and tell subscribers (events.py) what changed. Seeding is in seed/, checking control-API
input in control.py.

Longer than 400 lines because the Sandbox's self-locking methods belong together: each one takes the same lock
and marks the same state dirty, and splitting them by record type would split that rule.
"""

import logging
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from xero_sandbox.calls import CallsLog
from xero_sandbox.events import AppRegistered, Listener, RecordsChanged, SandboxEvent, SandboxReset
from xero_sandbox.faults import FaultSet
from xero_sandbox.limits import RateLimiter
from xero_sandbox.records import App, AuthCode, Connection, RefreshToken, SandboxOptions, Tenant, User
from xero_sandbox.seed.start import start_records
from xero_sandbox.store import Event

logger = logging.getLogger(__name__)

RECORD_COLLECTIONS = ("Contacts", "Invoices", "CreditNotes", "Payments", "Quotes", "Items")


class TenantExists(ValueError):
    """An organisation with this id is already there."""

    def __init__(self, tenant_id: str) -> None:
        super().__init__(f"tenant {tenant_id} already exists")
        self.tenant_id = tenant_id


def _generate_signing_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


class Sandbox:
    """All sandbox state, plus the rate limiter, the faults and the calls log that requests share."""

    def __init__(self, options: SandboxOptions) -> None:
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
        self.stopping = threading.Event()  # set on shutdown: ends deliberate waits (latency, timeout faults)
        self.sessions: dict[str, str] = {}  # login cookie -> user email
        self._dirty = False
        self._listeners: list[Listener] = []
        self._clear_records()

    # ----- changes: dirty flag and subscribers -----

    def mark_dirty(self) -> None:
        """Something worth saving changed (persistence.py writes the state file soon after)."""
        self._dirty = True

    @property
    def dirty(self) -> bool:
        return self._dirty

    def mark_clean(self) -> None:
        self._dirty = False

    def subscribe(self, listener: Listener) -> None:
        """Call listener with every event (events.py) from now on, in the thread that made the change."""
        self._listeners.append(listener)

    def _publish(self, event: SandboxEvent) -> None:
        for listener in self._listeners:
            listener(event)

    # ----- clock -----

    def now(self) -> datetime:
        """The sandbox clock: real UTC time plus the offset set through /_sandbox/clock."""
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset)

    def clock_set(self, when: datetime) -> None:
        with self.lock:
            self.clock_offset = (when - datetime.now(UTC)).total_seconds()
        self.mark_dirty()

    def clock_advance(self, seconds: float) -> None:
        with self.lock:
            self.clock_offset += seconds
        self.mark_dirty()

    # ----- the whole state -----

    def _clear_records(self) -> None:
        self.apps: dict[str, App] = {}
        self.users: dict[str, User] = {}
        self.tenants: dict[str, Tenant] = {}
        self.connections: dict[str, Connection] = {}
        self.codes: dict[str, AuthCode] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        # Scopes each user has granted each app ("email client_id" -> scopes): consents add up until revoked.
        self.grants: dict[str, list[str]] = {}

    def seed(self) -> None:
        """Replace every record with the start seed (--seed, --contacts/--invoices, --webhook-url)."""
        records = start_records(self.options, now=self.now())
        with self.lock:
            self._clear_records()
            self.tenants = {t.meta.tenant_id: t for t in records.tenants}
            self.apps = {a.client_id: a for a in records.apps}
            self.users = {u.email: u for u in records.users}

    def restore(
        self,
        *,
        clock_offset: float,
        signing_key_pem: str,
        signing_kid: str,
        apps: Iterable[App],
        users: Iterable[User],
        tenants: Iterable[Tenant],
        connections: Iterable[Connection],
        codes: Iterable[AuthCode],
        refresh_tokens: Iterable[RefreshToken],
        grants: dict[str, list[str]],
    ) -> None:
        """Replace the whole state with saved records (persistence.py reads them from the state file)."""
        with self.lock:
            self.clock_offset = clock_offset
            self.signing_key_pem = signing_key_pem
            self.signing_kid = signing_kid
            self.apps = {a.client_id: a for a in apps}
            self.users = {u.email: u for u in users}
            self.tenants = {t.meta.tenant_id: t for t in tenants}
            self.connections = {c.id: c for c in connections}
            self.codes = {c.code: c for c in codes}
            self.refresh_tokens = {t.token: t for t in refresh_tokens}
            self.grants = dict(grants)

    def reset(self) -> None:
        """Back to the start seed: records, clock, calls, faults, limits, sessions and (via SandboxReset) webhooks."""
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
        self._publish(SandboxReset())
        self.mark_dirty()

    # ----- apps, users, organisations -----

    def app_put(self, app: App) -> App:
        """Register (or re-register) an app; subscribers hear whether its webhook URL or key changed."""
        with self.lock:
            previous = self.apps.get(app.client_id)
            self.apps[app.client_id] = app
        self.mark_dirty()
        webhook_changed = bool(app.webhook_url) and (
            previous is None or previous.webhook_url != app.webhook_url or previous.webhook_key != app.webhook_key
        )
        self._publish(AppRegistered(client_id=app.client_id, webhook_changed=webhook_changed))
        return app

    def user_put(self, user: User) -> User:
        """Add or replace a user; a replaced user keeps its Xero user id and subject."""
        with self.lock:
            existing = self.users.get(user.email)
            if existing:
                user.xero_userid, user.sub = existing.xero_userid, existing.sub
            self.users[user.email] = user
        self.mark_dirty()
        return user

    def user_by_sub(self, sub: str) -> User | None:
        with self.lock:
            return next((u for u in self.users.values() if u.sub == sub), None)

    def user_who_may_connect(self, tenant_ids: Iterable[str]) -> User | None:
        """The first user allowed to connect every one of these organisations."""
        wanted = set(tenant_ids)
        with self.lock:
            return next((u for u in self.users.values() if wanted <= set(u.tenant_ids)), None)

    def user_allow_tenants(self, user: User, tenant_ids: Iterable[str]) -> User:
        """Add the user unless one with its email exists, and let the stored user connect these organisations too."""
        with self.lock:
            stored = self.users.setdefault(user.email, user)
            stored.tenant_ids = sorted(set(stored.tenant_ids) | set(tenant_ids))
        self.mark_dirty()
        return stored

    def tenant_add(self, tenant: Tenant) -> Tenant:
        """Add an organisation. Raises TenantExists if its id is taken."""
        with self.lock:
            if tenant.meta.tenant_id in self.tenants:
                raise TenantExists(tenant.meta.tenant_id)
            self.tenants[tenant.meta.tenant_id] = tenant
        self.mark_dirty()
        return tenant

    def tenant_load(self, tenant: Tenant, body: dict, *, notify: bool) -> None:
        """Store Xero-shaped records verbatim; with notify, subscribers hear of them as if they were edited in Xero."""
        with tenant.lock:
            events = tenant.data.load(body, now=self.now())
        self.mark_dirty()
        if notify and events:
            self._publish(RecordsChanged(tenant_id=tenant.meta.tenant_id, events=tuple(events)))

    def tenant_changed(self, *, tenant_id: str, events: Iterable[Event]) -> None:
        """An API write changed a tenant's records: mark the state dirty and pass the write's events on."""
        self.mark_dirty()
        events = tuple(events)
        if events:
            self._publish(RecordsChanged(tenant_id=tenant_id, events=events))

    # ----- consents, codes, refresh tokens, connections, sessions -----

    def consent_record(
        self,
        *,
        user_email: str,
        client_id: str,
        scopes: list[str],
        tenant_ids: Iterable[str],
        auth_event_id: str,
        now: float,
        keep_auth_event: bool = False,
        check: Callable[[], None] = lambda: None,
    ) -> list[str]:
        """Record a consent and return every scope the user has now granted the app, in the order first granted.

        Each organisation gets a connection; one that was already connected keeps its id and creation time (and,
        with `keep_auth_event`, its old authEventId, as real Xero may do when it is consented again). `check` runs
        first under the lock and may raise to refuse the consent (the tier's connection limit).
        """
        grant_key = f"{user_email} {client_id}"
        with self.lock:
            check()
            granted = self.grants.get(grant_key, [])
            union = granted + [s for s in scopes if s not in granted]
            self.grants[grant_key] = union
            for tenant_id in tenant_ids:
                existing = next(
                    (
                        c
                        for c in self.connections.values()
                        if c.user_email == user_email and c.client_id == client_id and c.tenant_id == tenant_id
                    ),
                    None,
                )
                if existing:
                    if not keep_auth_event:
                        existing.auth_event_id = auth_event_id
                    existing.updated = now
                    continue
                connection = Connection(
                    id=str(uuid.uuid4()),
                    auth_event_id=auth_event_id,
                    tenant_id=tenant_id,
                    user_email=user_email,
                    client_id=client_id,
                    created=now,
                    updated=now,
                )
                self.connections[connection.id] = connection
        self.mark_dirty()
        return union

    def code_add(self, code: AuthCode) -> None:
        with self.lock:
            self.codes[code.code] = code
        self.mark_dirty()

    def code_mark_used(self, code: str) -> bool:
        """Mark an authorisation code used. False if it was already (of two racing exchanges, one wins)."""
        with self.lock:
            stored = self.codes.get(code)
            if stored is None or stored.used:
                return False
            stored.used = True
        self.mark_dirty()
        return True

    def refresh_token_add(self, token: RefreshToken) -> None:
        with self.lock:
            self.refresh_tokens[token.token] = token
        self.mark_dirty()

    def refresh_token_use(self, token: str, accept: Callable[[RefreshToken], bool]) -> bool:
        """Under the lock, let accept() check the refresh token and count the use; returns what it returned.

        The rotation rules stay with the caller (identity.py); the lock makes a check and its update one step.
        """
        with self.lock:
            stored = self.refresh_tokens.get(token)
            accepted = stored is not None and accept(stored)
        if accepted:
            self.mark_dirty()
        return accepted

    def refresh_chain_revoke(self, token: str, *, client_id: str) -> None:
        """Revoke the token's whole chain, remove that user's connections to the app and forget what they granted.

        An unknown token, or one of another app, changes nothing.
        """
        with self.lock:
            refresh = self.refresh_tokens.get(token)
            if refresh is not None and refresh.client_id == client_id:
                for other in self.refresh_tokens.values():
                    if other.chain_id == refresh.chain_id:
                        other.revoked = True
                for connection in list(self.connections.values()):
                    if connection.user_email == refresh.user_email and connection.client_id == client_id:
                        del self.connections[connection.id]
                self.grants.pop(f"{refresh.user_email} {client_id}", None)
        self.mark_dirty()

    def connection_remove(self, connection_id: str, *, user_email: str, client_id: str) -> bool:
        """Remove one of this user's connections to this app. False if there is no such connection."""
        with self.lock:
            connection = self.connections.get(connection_id)
            if connection is None or connection.user_email != user_email or connection.client_id != client_id:
                return False
            del self.connections[connection_id]
        self.mark_dirty()
        return True

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

    def session_start(self, user_email: str) -> str:
        """A new login session for the consent page; returns its cookie value (sessions are not saved)."""
        session_id = secrets.token_urlsafe(24)
        with self.lock:
            self.sessions[session_id] = user_email
        return session_id

    def session_user(self, session_id: str | None) -> User | None:
        with self.lock:
            email = self.sessions.get(session_id) if session_id else None
            return self.users.get(email) if email else None

    # ----- calls log -----

    def calls(self, *, since_id: int = 0, tenant_id: str | None = None, bodies: bool = False) -> dict:
        """The calls log after since_id, with counts and peak concurrency per tenant."""
        return self.calls_log.query(
            since_id=since_id,
            tenant_id=tenant_id,
            bodies=bodies,
            peak_concurrency=dict(self.limiter.peak_concurrency),
            peak_app_concurrency=dict(self.limiter.peak_app_concurrency),
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
