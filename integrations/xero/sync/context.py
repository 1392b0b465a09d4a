"""What one sync run carries from step to step: the organisation, its Xero client, time, and what it learnt.

Every step of a run takes this one object instead of the connection, clock, sleep and counters one by one. It
also holds the run's patience with Xero: calls paced to the minute's allowance, minute limits waited out, and
failures retried with backoff.
"""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from integrations.xero import client, schemas
from integrations.xero.models import SyncError, SyncRun, XeroConnection
from integrations.xero.sync.claims import sync_claim_extend
from integrations.xero.sync.pacing import MinutePacer

MAX_ATTEMPTS = 5
# Xero's minute window resets within 60 s, so more waits than this in one run means something is wrong.
MAX_RATE_LIMIT_WAITS = 30
BACKOFF_BASE_SECONDS = 2.0


class SliceEnd(Exception):
    """This task read its share of pages (XERO_SYNC_SLICE_PAGES); the run goes on from `step`, page `page`."""

    def __init__(self, *, step: str, page: int) -> None:
        super().__init__(f"the run goes on from {step}, page {page}")
        self.step, self.page = step, page


class DayReserveReached(Exception):
    """What is left of Xero's daily allowance is down to the calls kept for "Sync now" and webhooks."""

    def __init__(self, remaining: int) -> None:
        super().__init__(f"{remaining} of Xero's daily calls are left for this organisation")
        self.remaining = remaining


@dataclass
class SyncContext:
    """One run of one organisation: what it works with, and what it learnt so far (saved onto its SyncRun)."""

    connection: XeroConnection
    xero: client.XeroClient
    run: SyncRun
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    pacer: MinutePacer
    claim_token: str
    on_progress: Callable[[SyncRun], None]
    # The run stops before a call once Xero says no more than this is left of the day (0: it never stops early).
    day_floor: int = 0
    server_time: datetime | None = None
    paying: set[str] = field(default_factory=set)
    suppliers: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    partial: bool = False
    # Slicing (run.py): pages this task may still read before it hands the rest of the run to a new task (None:
    # no limit), the run's steps in its order (run.STEPS, or the order a resumed run started with) and the step and
    # page a resumed run goes on from.
    slice_left: int | None = None
    steps: tuple[str, ...] = ()
    resume_step: str = ""
    resume_page: int = 1

    def add(self, key: str, amount: int = 1) -> None:
        """Count `amount` more of `key` on the run."""
        self.counts[key] = self.counts.get(key, 0) + amount

    def pages[P: schemas.Page](self, fetch: Callable[[int], Iterator[P]], *, start: int = 1) -> Iterator[P]:
        """Pages from `fetch(start_page)` (page `start` on), waiting out minute limits and retrying failures with
        backoff.

        A failing page is asked for again (from that page on); after MAX_ATTEMPTS the error goes up. The daily
        limit is not waited for: it goes up at once.
        """
        next_page, attempts = start, 0
        while True:
            try:
                self._before_call()
                for page in fetch(next_page):
                    attempts = 0
                    next_page = page.page + 1
                    yield page
                    self._before_call()
                return
            except (client.RateLimited, client.XeroUnavailable) as exc:
                attempts = self._wait_or_raise(exc, attempts=attempts)

    def call[T](self, call: Callable[[], T]) -> T:
        """One call, retried like a page of `pages`."""
        attempts = 0
        while True:
            try:
                self._before_call()
                return call()
            except (client.RateLimited, client.XeroUnavailable) as exc:
                attempts = self._wait_or_raise(exc, attempts=attempts)

    def _before_call(self) -> None:
        """Stop the run when the day's allowance is down to the floor (DayReserveReached). The pacer is the client's
        `pace` hook: it runs inside the call, in whichever thread makes it."""
        remaining = self.xero.limits.day_remaining
        if self.day_floor and remaining is not None and remaining <= self.day_floor:
            raise DayReserveReached(remaining)

    def _wait_or_raise(self, exc: client.RateLimited | client.XeroUnavailable, *, attempts: int) -> int:
        """Wait before the next attempt after `exc`, or re-raise it when waiting will not help; returns the failed
        attempts so far. Minute limits are waited out (up to MAX_RATE_LIMIT_WAITS a run); the daily limit is not.
        Unavailability backs off exponentially, with jitter, for MAX_ATTEMPTS attempts."""
        if isinstance(exc, client.RateLimited):
            if exc.problem == "day" or self.counts.get("rate_limit_waits", 0) >= MAX_RATE_LIMIT_WAITS:
                raise exc
            self.add("rate_limit_waits")
            self.sleep(exc.retry_after)
            if exc.problem == "minute":
                self.pacer.window_over()
            return attempts
        attempts += 1
        self.add("retries")
        if attempts >= MAX_ATTEMPTS:
            raise exc
        self.sleep(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1) * (1 + random.random() / 2))
        return attempts

    def quarantine(self, *, resource: str, errors: list[schemas.RecordError]) -> None:
        """Keep records that could not be read for an admin; the run becomes partial and moves no cursor."""
        if not errors:
            return
        now = self.clock()
        SyncError.objects.bulk_create(
            SyncError(
                connection_id=self.run.connection_id,
                run=self.run,
                resource=resource,
                record_id=error.record_id,
                reason=error.reason,
                payload=error.payload,
                created_at=now,
            )
            for error in errors
        )
        self.add("errors", len(errors))
        self.partial = True

    def progress(self, stage: str) -> None:
        """Record how far the run is, renew its claim, and tell whoever watches (the command's progress bar)."""
        self.run.stage = stage
        SyncRun.objects.filter(pk=self.run.pk).update(stage=stage, done=self.run.done, counts=self.counts)
        sync_claim_extend(connection_id=self.run.connection_id, token=self.claim_token, now=self.clock())
        self.on_progress(self.run)
