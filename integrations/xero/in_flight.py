"""At most five calls in flight per Xero organisation, and Xero's calls a minute for the whole app, across every
Capsync process.

Xero refuses a sixth concurrent call for an organisation (429, X-Rate-Limit-Problem: concurrent). A sync reads
one page at a time, but pushes of CRM edits run in any number of workers beside it, so the slots are counted
where all of them can see: a Redis sorted set per organisation holding one lease per call, scored by when it
expires, so a slot held by a killed process frees itself. Without Redis (the demo, with one worker) a semaphore
per organisation in this process stands in.

The app's limit (10,000 calls a minute over every organisation, XERO_APP_MINUTE_LIMIT) is kept the same way: a
Redis sorted set holds the moment of each call of the last minute, and a call that would be one too many waits
until the oldest leaves the window. Each sync paces its own organisation's 60 a minute (sync/pacing.py); this is
the one place that sees them all.
"""

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import redis
from django.conf import settings

MAX_CALLS_IN_FLIGHT = 5  # Xero's concurrent limit per organisation
# Longer than any call: a minute's wait for the pacer (transport.py paces once the slot is held), then connect 5 s
# and read 30 s. A dead holder's slot lapses after this.
LEASE_SECONDS = 120
WAIT_SECONDS = 60  # how long a call waits for a slot before giving up
POLL_SECONDS = 0.02

# Drop expired leases, then take a slot if one is free. Redis's own clock scores the leases, so workers on hosts
# whose clocks disagree still agree on when a lease lapses.
_ACQUIRE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])))
  return 1
end
return 0
"""


# Forget the calls older than the window, then count this one if the window has room; otherwise say how long
# until the oldest call leaves it (seconds, as a string: Lua would truncate a number to an integer).
_APP_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(window) + 1)
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""
APP_KEY = "capsync:xero:app-minute"
APP_WINDOW_SECONDS = 60.0


class NoSlotFree(Exception):
    """No call slot for the organisation came free within WAIT_SECONDS."""


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


_local_lock = threading.Lock()
_local_slots: dict[str, threading.BoundedSemaphore] = {}


def _local(tenant_id: str) -> threading.BoundedSemaphore:
    with _local_lock:
        return _local_slots.setdefault(tenant_id, threading.BoundedSemaphore(MAX_CALLS_IN_FLIGHT))


@contextmanager
def call_slot(tenant_id: str) -> Iterator[None]:
    """Hold one of the organisation's call slots for the duration of one HTTP call. Raises NoSlotFree."""
    if not settings.REDIS_URL:
        slots = _local(tenant_id)
        if not slots.acquire(timeout=WAIT_SECONDS):
            raise NoSlotFree(f"No Xero call slot came free in {WAIT_SECONDS} s")
        try:
            yield
        finally:
            slots.release()
        return
    server, key, lease = _redis(settings.REDIS_URL), f"capsync:xero:in-flight:{tenant_id}", secrets.token_hex(8)
    deadline = time.monotonic() + WAIT_SECONDS
    while not server.eval(_ACQUIRE, 1, key, MAX_CALLS_IN_FLIGHT, LEASE_SECONDS, lease):
        if time.monotonic() > deadline:
            raise NoSlotFree(f"No Xero call slot came free in {WAIT_SECONDS} s")
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        server.zrem(key, lease)


_local_app_calls: list[float] = []


def _local_app_take(limit: int, window: float) -> float:
    with _local_lock:
        now = time.monotonic()
        _local_app_calls[:] = [moment for moment in _local_app_calls if moment > now - window]
        if len(_local_app_calls) < limit:
            _local_app_calls.append(now)
            return 0.0
        return _local_app_calls[0] + window - now


def app_call_take(*, limit: int | None = None, window_seconds: float = APP_WINDOW_SECONDS) -> int:
    """Count one call against the app's calls a minute (XERO_APP_MINUTE_LIMIT unless `limit` is given), first
    waiting while the last `window_seconds` already hold that many; returns how many times it waited."""
    limit = limit or settings.XERO_APP_MINUTE_LIMIT
    waits = 0
    while True:
        if settings.REDIS_URL:
            server = _redis(settings.REDIS_URL)
            wait = float(server.eval(_APP_TAKE, 1, APP_KEY, limit, window_seconds, secrets.token_hex(8)))
        else:
            wait = _local_app_take(limit, window_seconds)
        if wait <= 0:
            return waits
        waits += 1
        time.sleep(min(wait, 1.0) + POLL_SECONDS)
