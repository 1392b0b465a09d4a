"""`/healthz`: 200 only when the database and Redis answer, and a JSON answer that names the one that failed."""

import socket

import pytest
from django.db import connections


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_and_redis_answer(client, redis_client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_healthz_answers_503_and_names_redis_when_redis_does_not_answer(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "failing", "checks": {"database": "ok", "redis": "failed: ConnectionError"}}


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_and_names_the_database_when_it_does_not_answer(client, redis_client):
    database = connections["default"]
    port = database.settings_dict["PORT"]
    if database.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite is a file and always answers")
    database.close()
    database.settings_dict["PORT"] = _closed_port()
    try:
        response = client.get("/healthz")
    finally:
        database.close()
        database.settings_dict["PORT"] = port

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "failed: OperationalError", "redis": "ok"}


@pytest.mark.django_db
def test_healthz_answers_a_probe_by_ip_over_plain_http_in_production(client, settings):
    settings.ALLOWED_HOSTS = ["crm.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    probe = client.get("/healthz", headers={"host": "10.0.0.7:8000"})
    page = client.get("/accounts/login/", headers={"host": "10.0.0.7:8000"})

    assert probe.status_code in {200, 503}
    assert probe.json()["checks"]["database"] == "ok"
    assert page.status_code == 400


def test_healthz_refuses_writes(client):
    response = client.post("/healthz")

    assert response.status_code == 405
