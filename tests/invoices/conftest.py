"""Two Xero organisations, created directly in the database (no sandbox: these tests never call Xero)."""

from datetime import UTC, datetime

import pytest

from integrations.xero.models import XeroConnection, XeroGrant


def _connection(*, name: str, short_code: str, base_currency: str, timezone: str, tenant_id: str) -> XeroConnection:
    grant = XeroGrant.objects.create(
        access_token_encrypted="not-a-token",
        refresh_token_encrypted="not-a-token",
        access_token_expires_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    return XeroConnection.objects.create(
        grant=grant,
        tenant_id=tenant_id,
        name=name,
        short_code=short_code,
        base_currency=base_currency,
        timezone=timezone,
        connected_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


@pytest.fixture
def uk_org(db) -> XeroConnection:
    """A GBP organisation on London time."""
    return _connection(
        name="Demo UK Ltd", short_code="!uk01", base_currency="GBP", timezone="Europe/London", tenant_id="tenant-uk"
    )


@pytest.fixture
def nz_org(db) -> XeroConnection:
    """An NZD organisation on Auckland time (12 or 13 hours ahead of UTC)."""
    return _connection(
        name="Demo NZ Ltd", short_code="!nz01", base_currency="NZD", timezone="Pacific/Auckland", tenant_id="tenant-nz"
    )
