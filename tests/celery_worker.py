"""Pytest plugin: real Celery worker processes on the real Redis, against the test database.

Tests that use them must use committed data (`django_db(transaction=True)`): a worker is another process with
its own database connection.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from capsync.celery import app as celery_app
from tests.services import running_in_ci

REPO_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_SECONDS = 30


def _database_url() -> str:
    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        pytest.skip("the worker tests need PostgreSQL (SQLite cannot be shared across processes reliably)")
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def _environment(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DJANGO_SETTINGS_MODULE": "capsync.settings",
        "XERO_LOGIN_URL": settings.XERO_LOGIN_URL,
        "XERO_IDENTITY_URL": settings.XERO_IDENTITY_URL,
        "XERO_API_URL": settings.XERO_API_URL,
        "XERO_CLIENT_ID": settings.XERO_CLIENT_ID,
        "XERO_CLIENT_SECRET": settings.XERO_CLIENT_SECRET,
        "CAPSYNC_ENCRYPTION_KEYS": ",".join(settings.CAPSYNC_ENCRYPTION_KEYS),
        "DB_CONN_MAX_AGE": "0",
        **extra,
    }


@pytest.fixture
def celery_workers(redis_client, transactional_db, tmp_path) -> Iterator[Callable[..., subprocess.Popen]]:
    """A function that starts a `celery worker` (queues celery and xero), waits until it is ready and returns
    the process; every worker started is stopped afterwards. Keyword arguments become environment variables."""
    # Tasks enqueued by earlier tests (which ran with no worker) are not this test's work.
    with celery_app.connection_for_write() as connection:
        for queue in ("celery", "xero"):
            connection.default_channel.queue_purge(queue)
    workers: list[subprocess.Popen] = []

    def start(**extra_env: str) -> subprocess.Popen:
        log = tmp_path / f"worker-{len(workers)}.log"
        with log.open("w") as output:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "capsync",
                    "worker",
                    "--pool=solo",
                    "--queues=celery,xero",
                    "--loglevel=INFO",
                    "-n",
                    f"test-{uuid.uuid4().hex[:8]}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=REPO_ROOT,
                env=_environment(**extra_env),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        workers.append(worker)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while "ready." not in log.read_text():
            if time.monotonic() > deadline or worker.poll() is not None:
                message = f"the Celery worker did not start:\n{log.read_text()[-2000:]}"
                if running_in_ci():
                    pytest.fail(message)
                pytest.skip(message)
            time.sleep(0.2)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.fixture
def celery_worker_process(celery_workers) -> subprocess.Popen:
    """One worker, started for the test."""
    return celery_workers()
