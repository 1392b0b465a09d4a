"""Tokens and connections from Xero's identity service, and the organisation they reach."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from tzlocal.windows_tz import win_tz

from integrations.xero.schemas.catalogue import PaymentTerms, sales_terms
from integrations.xero.schemas.fields import SchemaError, _required


@dataclass(frozen=True)
class TokenSet:
    """What Xero's token endpoint returned, with the expiry made absolute."""

    access_token: str
    refresh_token: str
    expires_at: datetime
    scopes: tuple[str, ...]
    auth_event_id: str
    xero_user_id: str

    def __repr__(self) -> str:  # never let a token reach a log or a traceback through repr()
        return f"TokenSet(expires_at={self.expires_at.isoformat()}, scopes={self.scopes!r})"


@dataclass(frozen=True)
class TenantConnection:
    """One organisation the user let Capsync reach (an entry of GET /connections)."""

    connection_id: str
    tenant_id: str
    tenant_type: str
    tenant_name: str
    auth_event_id: str


def token_set(payload: dict[str, Any], *, now: datetime) -> TokenSet:
    """Parse a token response. Xero's access token is a JWT whose claims name the consent and the user.

    The claims are read without verifying the signature: they only say which consent the token belongs to,
    and the API itself verifies every token it is given.
    """
    access_token = _required(payload, "access_token")
    refresh_token = _required(payload, "refresh_token")
    try:
        claims = jwt.decode(access_token, options={"verify_signature": False})
    except jwt.DecodeError:
        claims = {}
    try:
        expires_in = int(payload.get("expires_in", 1800))
    except (TypeError, ValueError) as exc:
        raise SchemaError("expires_in is not a number") from exc
    return TokenSet(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_at=now + timedelta(seconds=expires_in),
        scopes=_scopes(payload.get("scope")),
        auth_event_id=str(claims.get("authentication_event_id", "")),
        xero_user_id=str(claims.get("xero_userid", "")),
    )


def _scopes(value: object) -> tuple[str, ...]:
    # Xero writes the granted scopes as one space-separated string (RFC 6749 section 3.3); an OAuth library may
    # already have split it into a list.
    if isinstance(value, list | tuple):
        return tuple(str(scope) for scope in value if scope)
    return tuple(str(value or "").split())


def tenant_connections(payload: Any) -> list[TenantConnection]:
    """Parse GET /connections: a bare JSON array."""
    if not isinstance(payload, list):
        raise SchemaError("connections is not a list")
    return [
        TenantConnection(
            connection_id=_required(item, "id"),
            tenant_id=_required(item, "tenantId", record_id=item.get("id", "")),
            tenant_type=str(item.get("tenantType", "")),
            tenant_name=str(item.get("tenantName") or ""),
            auth_event_id=str(item.get("authEventId") or ""),
        )
        for item in payload
    ]


def _zone_key(name: str) -> str:
    # Xero's TimeZone enum is the Windows name upper-cased without spaces and dots, and without the minus of
    # "UTC-11" (UTC11) but with the plus of "UTC+12": dropping every non-alphanumeric maps both sides alike.
    return re.sub(r"[^A-Z0-9]", "", name.upper())


_IANA_BY_XERO_ZONE = {_zone_key(windows): iana for windows, iana in win_tz.items()}


def iana_timezone(xero_timezone: str) -> str:
    """The IANA zone of an Organisation.Timezone ("GMTSTANDARDTIME" -> "Europe/London"), or "" when unknown."""
    return _IANA_BY_XERO_ZONE.get(_zone_key(xero_timezone), "")


@dataclass(frozen=True)
class Organisation:
    """GET /Organisation. `timezone` is Xero's enum value; `timezone_iana` its IANA name ("" = unknown, use UTC)."""

    organisation_id: str
    name: str
    short_code: str
    base_currency: str
    timezone: str
    country_code: str
    timezone_iana: str
    # PaymentTerms.Sales: when the organisation's invoices fall due unless the contact has its own terms.
    sales_terms: PaymentTerms | None = None


def organisation(payload: dict[str, Any]) -> Organisation:
    """Parse GET /Organisation ({"Organisations": [...]}, one element)."""
    records = payload.get("Organisations")
    if not isinstance(records, list) or not records:
        raise SchemaError("Organisations is missing or empty")
    record = records[0]
    record_id = str(record.get("OrganisationID", ""))
    timezone = str(record.get("Timezone") or "")
    return Organisation(
        organisation_id=record_id,
        name=_required(record, "Name", record_id=record_id),
        short_code=str(record.get("ShortCode") or ""),
        base_currency=str(record.get("BaseCurrency") or ""),
        timezone=timezone,
        country_code=str(record.get("CountryCode") or ""),
        timezone_iana=iana_timezone(timezone),
        sales_terms=sales_terms(record, record_id=record_id),
    )
