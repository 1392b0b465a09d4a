"""The benchmarks' surroundings: their own PostgreSQL database, Capsync's settings as production has them, and
the commit the figures were measured on."""

import os
import secrets
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from cryptography.fernet import Fernet
from psycopg import sql

from tests.sandbox import SandboxControl, SandboxProcess

ROOT = Path(__file__).resolve().parents[1]
DEMO_CLIENT_ID, DEMO_CLIENT_SECRET = "capsync-demo", "demo-secret"  # registered by the sandbox with the org
WEBHOOK_KEY = "bench-webhook-key"


def database_recreate(url: str) -> None:
    """Drop and create the benchmark's database, connecting to the server's `postgres` database to do it."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in {"postgres", "template0", "template1"}:
        raise SystemExit(f"refusing to drop the database {name!r}: give the benchmark its own database")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def environment_set(*, sandbox: SandboxControl, database_url: str) -> None:
    """Capsync's settings for this process and its workers, as production would have them (DEBUG off)."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "capsync.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "CAPSYNC_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DATABASE_URL": database_url,
            "XERO_LOGIN_URL": sandbox.login_url,
            "XERO_IDENTITY_URL": sandbox.identity_url,
            "XERO_API_URL": sandbox.api_url,
            "XERO_CLIENT_ID": DEMO_CLIENT_ID,
            "XERO_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "XERO_WEBHOOK_KEY": WEBHOOK_KEY,
            # Production refuses the console email backend; the bench sends no email, so it keeps none.
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            # The webhook's sync runs inside the delivery, so its time is measured from delivery to stored.
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "CELERY_BROKER_URL": "memory://",
            "LOG_LEVEL": "WARNING",
        }
    )


def git_revision() -> str:
    """The short commit the working tree is on, "with uncommitted changes" when it has some; "unknown" without git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} with uncommitted changes" if dirty else head


def sandbox_start(
    *, contacts: int, invoices: int, latency_ms: int, timeout: float, organisations: int = 1
) -> tuple[SandboxProcess, float]:
    """The Xero sandbox on a free port with generated organisations of this size, Xero's rate limits and
    `latency_ms` added to every call; returns it and the seconds it took to build them."""
    begun = time.perf_counter()
    arguments = ["--port", "0", "--contacts", str(contacts), "--invoices", str(invoices)]
    if organisations != 1:
        arguments += ["--organisations", str(organisations)]
    arguments += ["--rate-limits", "xero", "--latency-ms", str(latency_ms), "--log-level", "WARNING"]
    process = SandboxProcess(arguments, start_timeout=timeout)
    return process, time.perf_counter() - begun
