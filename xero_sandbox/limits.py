"""Xero's API rate limits: per tenant (app + organisation) 60/minute, 5,000/day and 5 concurrent; per app 10,000/minute.

Tiers: Xero's app tiers change the day limit and cap how many organisations an app may connect. ``starter`` allows
1,000 calls a day per organisation and 5 connections (sources in docs/xero.md, "Sandbox fidelity found by real
clients"); ``default`` keeps the limits above and no connection cap. Only those two are modelled.

Windows are fixed, not rolling: each one opens with the first call after the previous one closed, so different tenants
reset at different moments (Xero's limits page). Windows follow the sandbox clock, so tests reset them by advancing it.
"""

import math
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MINUTE_LIMIT = 60
DAY_LIMIT = 5000
APP_MINUTE_LIMIT = 10_000
CONCURRENT_LIMIT = 5


@dataclass(frozen=True)
class Tier:
    """What one of Xero's app tiers allows: calls a day per organisation, and organisations connected (None = any)."""

    day_limit: int
    connection_limit: int | None


TIERS = {
    "default": Tier(day_limit=DAY_LIMIT, connection_limit=None),
    "starter": Tier(day_limit=1000, connection_limit=5),
}


@dataclass
class _Window:
    length: timedelta
    start: datetime | None = None
    count: int = 0

    def roll(self, now: datetime) -> None:
        if self.start is None or now >= self.start + self.length or now < self.start:
            self.start = now
            self.count = 0

    def seconds_left(self, now: datetime) -> int:
        assert self.start is not None
        return max(1, math.ceil((self.start + self.length - now).total_seconds()))


@dataclass(frozen=True)
class LimitDecision:
    """The outcome of one rate-limit check: allowed, or the 429 problem with its Retry-After."""

    allowed: bool
    headers: dict[str, str]
    problem: str | None = None
    retry_after: int | None = None


@dataclass
class RateLimiter:
    """Counts calls per (app, tenant) and per app, and tracks calls in flight per tenant."""

    enabled: bool = True
    start_tier: str = "default"  # the tier /_sandbox/reset returns to
    tier: str = "default"
    connection_limit: int | None = None
    minute_limit: int = MINUTE_LIMIT
    day_limit: int = DAY_LIMIT
    app_minute_limit: int = APP_MINUTE_LIMIT
    concurrent_limit: int = CONCURRENT_LIMIT
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _minute: dict[tuple[str, str], _Window] = field(default_factory=dict)
    _day: dict[tuple[str, str], _Window] = field(default_factory=dict)
    _app_minute: dict[str, _Window] = field(default_factory=dict)
    _in_flight_tenant: dict[str, int] = field(default_factory=dict)
    _in_flight_app_tenant: dict[tuple[str, str], int] = field(default_factory=dict)
    peak_concurrency: dict[str, int] = field(default_factory=dict)
    # Accepted calls in flight per app (every organisation it calls), and the most seen at once.
    _in_flight_app: dict[str, int] = field(default_factory=dict)
    peak_app_concurrency: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.use_tier(self.start_tier)

    def use_tier(self, name: str) -> None:
        """Apply a tier's day and connection limits. Raises ValueError for a tier that is not modelled."""
        if name not in TIERS:
            raise ValueError(f"unknown tier {name!r}: one of {', '.join(TIERS)}")
        with self._lock:
            self.tier = name
            self.day_limit = TIERS[name].day_limit
            self.connection_limit = TIERS[name].connection_limit

    def enter_tenant(self, *, tenant_id: str) -> None:
        """Count a call in flight for the tenant (every call naming it, even ones later refused)."""
        with self._lock:
            n = self._in_flight_tenant.get(tenant_id, 0) + 1
            self._in_flight_tenant[tenant_id] = n
            self.peak_concurrency[tenant_id] = max(self.peak_concurrency.get(tenant_id, 0), n)

    def leave_tenant(self, *, tenant_id: str) -> None:
        with self._lock:
            self._in_flight_tenant[tenant_id] = max(0, self._in_flight_tenant.get(tenant_id, 0) - 1)

    def acquire(self, *, client_id: str, tenant_id: str, now: datetime) -> LimitDecision:
        """Check and count one accounting call. When allowed, the caller must call release() when it finishes."""
        key = (client_id, tenant_id)
        with self._lock:
            minute = self._minute.setdefault(key, _Window(timedelta(minutes=1)))
            day = self._day.setdefault(key, _Window(timedelta(days=1)))
            app = self._app_minute.setdefault(client_id, _Window(timedelta(minutes=1)))
            for window in (minute, day, app):
                window.roll(now)
            in_flight = self._in_flight_app_tenant.get(key, 0)
            refusal = None
            if self.enabled:
                if in_flight >= self.concurrent_limit:
                    refusal = ("concurrent", 1)
                elif day.count >= self.day_limit:
                    refusal = ("day", day.seconds_left(now))
                elif minute.count >= self.minute_limit:
                    refusal = ("minute", minute.seconds_left(now))
                elif app.count >= self.app_minute_limit:
                    refusal = ("appminute", app.seconds_left(now))
            if refusal is None:
                minute.count += 1
                day.count += 1
                app.count += 1
                self._in_flight_app_tenant[key] = in_flight + 1
                app_in_flight = self._in_flight_app.get(client_id, 0) + 1
                self._in_flight_app[client_id] = app_in_flight
                self.peak_app_concurrency[client_id] = max(self.peak_app_concurrency.get(client_id, 0), app_in_flight)
            headers = {
                "X-DayLimit-Remaining": str(max(0, self.day_limit - day.count)),
                "X-MinLimit-Remaining": str(max(0, self.minute_limit - minute.count)),
                "X-AppMinLimit-Remaining": str(max(0, self.app_minute_limit - app.count)),
            }
        if refusal is None:
            return LimitDecision(allowed=True, headers=headers)
        problem, retry_after = refusal
        return LimitDecision(allowed=False, headers=headers, problem=problem, retry_after=retry_after)

    def release(self, *, client_id: str, tenant_id: str) -> None:
        key = (client_id, tenant_id)
        with self._lock:
            self._in_flight_app_tenant[key] = max(0, self._in_flight_app_tenant.get(key, 0) - 1)
            self._in_flight_app[client_id] = max(0, self._in_flight_app.get(client_id, 0) - 1)

    def configure(self, limits: dict[str, int]) -> dict[str, int]:
        """Override limit values (tests shrink them instead of making 5,000 calls); returns the current values."""
        with self._lock:
            for name in ("minute", "day", "app_minute", "concurrent"):
                if name in limits:
                    setattr(self, f"{name}_limit", int(limits[name]))
            return self.values()

    def values(self) -> dict[str, int]:
        return {
            "minute": self.minute_limit,
            "day": self.day_limit,
            "app_minute": self.app_minute_limit,
            "concurrent": self.concurrent_limit,
        }

    def reset_counters(self) -> None:
        """Forget every window and restore the start tier's limit values (used by /_sandbox/reset)."""
        self.use_tier(self.start_tier)
        with self._lock:
            self.minute_limit = MINUTE_LIMIT
            self.app_minute_limit, self.concurrent_limit = APP_MINUTE_LIMIT, CONCURRENT_LIMIT
            self._minute.clear()
            self._day.clear()
            self._app_minute.clear()
            self.peak_concurrency.clear()
            self.peak_app_concurrency.clear()

    def reset_peaks(self) -> None:
        with self._lock:
            self.peak_concurrency.clear()
            self.peak_app_concurrency.clear()
