"""At most five calls in flight per Xero organisation, across every Capsync process.

Xero refuses a sixth concurrent call for an organisation (429, X-Rate-Limit-Problem: concurrent). A sync reads
one page at a time, but pushes of CRM edits run in any number of workers beside it, so the slots are counted
where all of them can see: a Redis sorted set per organisation holding one lease per call, scored by when it
expires, so a slot held by a killed process frees itself. Without Redis (the demo, with one worker) a semaphore
per organisation in this process stands in.
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
