"""Early pytest plugin (loaded with `-p tests.services`, before Django's settings): choose the test services.

Tests run on the real PostgreSQL and Redis when they answer at their default local addresses (as on CI), and
fall back to SQLite otherwise. DATABASE_URL / REDIS_URL set by the caller always win. The report header says
which database and broker were used.
"""

import os
import socket

import pytest

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/capsync"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


# Xero is the sandbox on 127.0.0.1 in tests, reached over plain http.
os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
if "DATABASE_URL" not in os.environ and _answers("127.0.0.1", 5432):
    os.environ["DATABASE_URL"] = DEFAULT_POSTGRES_URL
if "REDIS_URL" not in os.environ and _answers("127.0.0.1", 6379):
    os.environ["REDIS_URL"] = DEFAULT_REDIS_URL


def pytest_report_header(config: pytest.Config) -> list[str]:
    from django.conf import settings

    if not settings.configured:
        return ["capsync database: none (Django is not set up in this run)"]
    database = settings.DATABASES["default"]
    where = f"{database.get('HOST') or 'local'}:{database.get('PORT') or ''}" if database.get("HOST") else "file"
    return [
        f"capsync database: {database['ENGINE'].rsplit('.', 1)[-1]} ({where}, test database test_{database['NAME']})"
        if "postgresql" in database["ENGINE"]
        else f"capsync database: sqlite ({database['NAME']}) - PostgreSQL was not reachable at 127.0.0.1:5432",
        f"capsync redis: {settings.REDIS_URL or 'none (tests that need Redis fail under CI=true, skip otherwise)'}",
    ]
