"""Spending an organisation's per-minute allowance of Xero calls without running into the limit."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from integrations.xero import client


@dataclass
class MinutePacer:
    """Spends an organisation's per-minute allowance without running into Xero's limit.

    Xero says what is left of the minute in X-MinLimit-Remaining. When nothing is left, the next call would be
    refused, so the pacer waits until a minute has passed since the window began (the first call it saw after
    the allowance last went up) instead of making it. Should Xero count differently, its 429 and Retry-After
    still say exactly how long to wait.
    """

    xero: client.XeroClient
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    window_started: datetime | None = None
    last_remaining: int | None = None
    calls_seen: int = -1

    def before_call(self) -> None:
        """Wait, if the minute's allowance is spent, until the next call will be accepted."""
        remaining = self.xero.limits.minute_remaining
        if remaining is None or self.xero.calls == self.calls_seen:
            return  # nothing new since the last look (or since the last wait)
        self.calls_seen = self.xero.calls
        now = self.clock()
        if self.window_started is None or (self.last_remaining is not None and remaining > self.last_remaining):
            self.window_started = now
        self.last_remaining = remaining
        if remaining == 0:
            self.sleep(max(1.0, 60 - (now - self.window_started).total_seconds()))
            self.window_started, self.last_remaining = None, None
