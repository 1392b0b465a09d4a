"""The sandbox's records: apps, users, organisations, connections, codes and refresh tokens (plain dataclasses)."""

import threading
import uuid
from dataclasses import dataclass, field

from xero_sandbox.store import TenantData


@dataclass
class App:
    client_id: str
    client_secret: str
    name: str
    redirect_uris: list[str]
    webhook_url: str | None = None
    webhook_key: str | None = None

    def public(self) -> dict:
        return {
            "client_id": self.client_id,
            "name": self.name,
            "redirect_uris": self.redirect_uris,
            "webhook_url": self.webhook_url,
            "webhook_key": self.webhook_key,
        }


@dataclass
class User:
    email: str
    password: str
    name: str
    tenant_ids: list[str]
    xero_userid: str = field(default_factory=lambda: str(uuid.uuid4()))
    sub: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass
class TenantMeta:
    tenant_id: str
    name: str
    base_currency: str
    short_code: str
    timezone: str  # as Xero shows it (Windows name)
    iana_timezone: str
    country_code: str
    tenant_type: str
    created: float


@dataclass
class Tenant:
    meta: TenantMeta
    data: TenantData
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Connection:
    id: str
    auth_event_id: str
    tenant_id: str
    user_email: str
    client_id: str
    created: float
    updated: float


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    user_email: str
    auth_event_id: str
    expires: float
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    nonce: str | None = None
    used: bool = False


@dataclass
class RefreshToken:
    token: str
    chain_id: str
    client_id: str
    user_email: str
    scopes: list[str]
    auth_event_id: str
    issued: float
    pkce: bool = False
    first_used: float | None = None
    uses: int = 0
    revoked: bool = False


@dataclass(frozen=True)
class SandboxOptions:
    seed: str = "empty"  # "empty" | "demo"
    contacts: int | None = None
    invoices: int | None = None
    organisations: int = 1  # how many generated benchmark organisations (with --contacts/--invoices)
    rate_limits: bool = True
    tier: str = "default"  # "default" | "starter" (limits.TIERS)
    latency_ms: int = 0
    record_bodies: bool = False
    state_path: str | None = None
    webhook_url: str | None = None
    webhook_key: str | None = None
