"""What the health checks ask: does the database answer, does Redis answer, which queues does a worker consume.

Each probe returns a short, log-safe verdict ("ok", or "failed: <exception class>") rather than raising, so one
answer can say which service failed. The exception itself is logged, never returned: its message may carry a host
name or a URL with a password.
"""

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connections

from capsync.celery import app as celery_app

logger = logging.getLogger(__name__)

OK = "ok"
NOT_CONFIGURED = "not configured"
REDIS_TIMEOUT_SECONDS = 2


def database_check() -> str:
    """ "ok" when the default database runs `SELECT 1`, else "failed: <exception class>"."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("Health check: the database does not answer", exc_info=True)
        return f"failed: {type(exc).__name__}"
    return OK


def redis_check() -> str:
    """ "ok" when Redis (REDIS_URL) answers PING within two seconds, "not configured" without REDIS_URL (the
    demo's filesystem broker), else "failed: <exception class>"."""
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        logger.warning("Health check: Redis does not answer", exc_info=True)
        return f"failed: {type(exc).__name__}"
    finally:
        client.close()
    return OK


def services_check() -> dict[str, str]:
    """The verdict of each service the web process needs, by name ("database", "redis")."""
    return {"database": database_check(), "redis": redis_check()}


def services_healthy(checks: dict[str, str]) -> bool:
    """True when no service failed (an unconfigured Redis is the demo's choice, not a failure)."""
    return all(verdict in {OK, NOT_CONFIGURED} for verdict in checks.values())


def worker_queues(*, node: str, timeout: float) -> set[str] | None:
    """The queues the Celery worker `node` (e.g. "celery@web-1") consumes right now, or None when it did not
    answer within `timeout` seconds. Asked over the broker's control channel, which a worker answers even while
    every pool process is busy with a long sync."""
    replies = celery_app.control.inspect(destination=[node], timeout=timeout).active_queues() or {}
    if node not in replies:
        return None
    return {queue["name"] for queue in replies[node]}
