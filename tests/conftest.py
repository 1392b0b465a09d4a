import pytest
import redis
from django.conf import settings

from tests.services import running_in_ci

pytest_plugins = ["tests.sandbox", "tests.xero_contract", "tests.browser", "tests.celery_worker"]


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
    from tests.factories import TeamFactory

    return TeamFactory(name="Team A")


@pytest.fixture
def team_b():
    from tests.factories import TeamFactory

    return TeamFactory(name="Team B")


@pytest.fixture
def member(team_a):
    """A non-admin user in team A."""
    from tests.factories import UserFactory

    return UserFactory(email="member@example.com", teams=[team_a])


@pytest.fixture
def admin_user():
    from tests.factories import UserFactory

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
