"""Spending an organisation's per-minute allowance of Xero calls without running into the limit."""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from integrations.xero import client

MINUTE_LIMIT = 60  # Xero's calls a minute per organisation (and app)
WINDOW = timedelta(minutes=1)
# Xero's window opens when the first call *arrives*, a little after we let it go (and after it got a call slot).
# Starting the next window this much later than a minute after our own start keeps the 61st call out of it.
WINDOW_MARGIN = timedelta(seconds=1)


class HasLimits(Protocol):
    """What the pacer reads of the client: how many calls it numbered, and Xero's latest rate-limit headers."""

    @property
    def calls(self) -> int: ...

    @property
    def limits(self) -> client.RateLimits: ...


@dataclass
class MinutePacer:
    """Lets at most `limit` calls start in each of Xero's fixed minute windows, however many are in flight.

    Xero's windows are fixed: one opens with the first call after the previous one closed and counts every call
    that arrives for a minute. The pacer keeps the same window from its own side: it counts the calls it lets
    start (a call in flight is counted as it starts, as Xero counts it on arrival) and makes the call after the
    `limit`-th wait until the window is over, plus WINDOW_MARGIN for the time a call takes to arrive. It is the
    transport's `pace` hook, called in whichever thread makes the call, so it holds a lock: the threads of one
    sync share one window. Calls made by other processes for the organisation are not seen here; Xero's 429 and
    Retry-After cover them (SyncContext waits those out).

    Xero also says what is left of the minute (X-MinLimit-Remaining) on every answer. Given the client (`xero`,
    whose `calls` numbers the calls and whose `limits` say which call's answer they come from), the pacer believes
    that too: when the calls begun since the answer's own call use up what it said was left, it waits as well.
    That covers a smaller allowance than Xero's documented 60 and calls made by another process.
    """

    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    xero: HasLimits | None = None
    limit: int = MINUTE_LIMIT
    window_started: datetime | None = None
    started_in_window: int = 0
    first_call_of_window: int = 0
    waits: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def before_call(self) -> None:
        """Count one call about to start, first waiting for the next window when this one's allowance is spent.

        Called by the transport once the call is numbered (`xero.calls` includes it) and holds its slot."""
        with self._lock:
            now = self.clock()
            if self.window_started is not None and now >= self.window_started + WINDOW + WINDOW_MARGIN:
                self.window_started = None  # the window closed by itself while no call was made
            if self.window_started is not None and self._spent():
                self.sleep((self.window_started + WINDOW + WINDOW_MARGIN - now).total_seconds())
                self.waits += 1
                self.window_started = None
                now = self.clock()
            if self.window_started is None:
                self.window_started, self.started_in_window = now, 0
                self.first_call_of_window = self.xero.calls if self.xero is not None else 0
            self.started_in_window += 1

    def _spent(self) -> bool:
        if self.started_in_window >= self.limit:
            return True
        if self.xero is None:
            return False
        said = self.xero.limits
        if said.minute_remaining is None or said.of_call < self.first_call_of_window:
            return False  # Xero said nothing yet about this window
        begun_since = self.xero.calls - said.of_call - 1  # the calls numbered after it, not counting this one
        return begun_since >= said.minute_remaining

    def window_over(self) -> None:
        """Xero refused a call for the minute and its Retry-After was waited out: the next call opens a window."""
        with self._lock:
            self.window_started, self.started_in_window = None, 0
