"""Pytest plugin: a real Celery worker process on the real Redis, against the test database.

Tests that use it must use committed data (`django_db(transaction=True)`): the worker is another process with
its own database connection.
"""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from capsync.celery import app as celery_app
from tests.services import running_in_ci

REPO_ROOT = Path(__file__).resolve().parents[1]


def _database_url() -> str:
    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        pytest.skip("the worker tests need PostgreSQL (SQLite cannot be shared across processes reliably)")
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@pytest.fixture
def celery_worker_process(redis_client, settings, transactional_db, tmp_path) -> Iterator[subprocess.Popen]:
    """Start `celery worker` (queues celery and xero) on the test Redis; stop it afterwards."""
    broker = settings.CELERY_BROKER_URL
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": broker,
        "CELERY_BROKER_URL": broker,
        "DJANGO_SETTINGS_MODULE": "capsync.settings",
        "XERO_LOGIN_URL": settings.XERO_LOGIN_URL,
        "XERO_IDENTITY_URL": settings.XERO_IDENTITY_URL,
        "XERO_API_URL": settings.XERO_API_URL,
        "XERO_CLIENT_ID": settings.XERO_CLIENT_ID,
        "XERO_CLIENT_SECRET": settings.XERO_CLIENT_SECRET,
        "CAPSYNC_ENCRYPTION_KEYS": ",".join(settings.CAPSYNC_ENCRYPTION_KEYS),
        "DB_CONN_MAX_AGE": "0",
    }
    # Tasks enqueued by earlier tests (which ran with no worker) are not this test's work.
    celery_app.control.purge()
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "capsync", "worker", "--pool=solo", "--queues=celery,xero",
             "--loglevel=INFO", "-n", name, "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while "ready." not in log.read_text():
        if time.monotonic() > deadline or worker.poll() is not None:
            worker.kill()
            message = f"the Celery worker did not start:\n{log.read_text()[-2000:]}"
            if running_in_ci():
                pytest.fail(message)
            pytest.skip(message)
        time.sleep(0.2)
    worker.log_path = log
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
