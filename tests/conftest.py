from datetime import UTC, datetime

import pytest
import redis
from django.conf import settings

from integrations.xero.models import XeroConnection, XeroGrant
from tests.factories import LedgerOrganisationFactory, TeamFactory, UserFactory
from tests.services import running_in_ci

pytest_plugins = [
    "tests.sandbox",
    "tests.xero_contract",
    "tests.xero_world",  # before tests.browser, which imports it
    "tests.browser",
    "tests.celery_worker",
    "tests.demo_world",
    "tests.xero.quote_data",
]


@pytest.fixture
def redis_client() -> redis.Redis:
    """A client for the real Redis. Missing Redis skips locally but fails in CI, where it must be there."""
    if not settings.REDIS_URL:
        message = "Redis is not reachable at 127.0.0.1:6379 and REDIS_URL is not set"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        if running_in_ci():
            pytest.fail(f"Redis at {settings.REDIS_URL} does not answer: {exc}")
        pytest.skip(f"Redis at {settings.REDIS_URL} does not answer: {exc}")
    return client


@pytest.fixture
def team_a():
    return TeamFactory(name="Team A")


@pytest.fixture
def team_b():
    return TeamFactory(name="Team B")


@pytest.fixture
def member(team_a):
    """A non-admin user in team A."""
    return UserFactory(email="member@example.com", teams=[team_a])


@pytest.fixture
def admin_user():
    return UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture(autouse=True)
def fast_password_hashing(request):
    """Hash passwords cheaply in tests; strength is the real hasher's job, not the suite's."""
    if request.config.pluginmanager.hasplugin("django"):
        request.getfixturevalue("settings").PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _connection(*, name: str, short_code: str, base_currency: str, timezone: str, tenant_id: str) -> XeroConnection:
    grant = XeroGrant.objects.create(
        access_token_encrypted="not-a-token",
        refresh_token_encrypted="not-a-token",
        access_token_expires_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    return XeroConnection.objects.create(
        grant=grant,
        tenant_id=tenant_id,
        organisation=LedgerOrganisationFactory(
            name=name, short_code=short_code, base_currency=base_currency, timezone=timezone
        ),
        connected_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


@pytest.fixture
def uk_org(db) -> XeroConnection:
    """A GBP organisation on London time, linked to Xero (its ledger organisation is `uk_org.organisation`)."""
    return _connection(
        name="Demo UK Ltd", short_code="!uk01", base_currency="GBP", timezone="Europe/London", tenant_id="tenant-uk"
    )


@pytest.fixture
def nz_org(db) -> XeroConnection:
    """An NZD organisation on Auckland time (12 or 13 hours ahead of UTC)."""
    return _connection(
        name="Demo NZ Ltd", short_code="!nz01", base_currency="NZD", timezone="Pacific/Auckland", tenant_id="tenant-nz"
    )
