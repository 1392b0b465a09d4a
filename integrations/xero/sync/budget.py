"""Xero's daily allowance of calls per organisation: what is left of it, and which scheduled syncs fit in it.

Xero allows each app a number of calls a day per organisation (XERO_DAY_CALL_LIMIT: 1,000 on the Starter tier,
5,000 above) and says what is left in every response's X-DayLimit-Remaining. Its day is a fixed window that opens
with the first call after the previous window closed (Xero's limits page). After each run we keep the figure
and when its window began; a window older than a day is over, so the whole allowance is back.

Beat's fan-out plans with it: a scheduled run goes ahead only if the calls such runs took lately fit in what is
left, keeping XERO_DAY_CALL_RESERVE for "Sync now", webhooks and pushed edits. The weekly reconcile that does
not fit is deferred (an incremental sync runs instead when that fits), and the reason is kept on the
organisation for sync health.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from integrations.xero.models import SyncRun, XeroConnection
from integrations.xero.sync.claims import sync_queue_claim

DAY = timedelta(days=1)
# What a run takes at least (one call per resource) when no run of its kind has finished yet.
MIN_CALLS = {SyncRun.Kind.FULL: 4, SyncRun.Kind.INCREMENTAL: 4}
RECENT_RUNS = 3
MARGIN = 1.25  # a run may read more than the last ones did


@dataclass(frozen=True)
class DayBudget:
    """An organisation's allowance today: `limit` calls, `remaining` of them left, back in full at `resets_at`
    (None: no window is open, the whole allowance is there)."""

    limit: int
    remaining: int
    resets_at: datetime | None

    @property
    def used(self) -> int:
        return self.limit - self.remaining


def day_budget(connection: XeroConnection, *, now: datetime) -> DayBudget:
    """What is left of the organisation's daily allowance at `now`, by what Xero said after its last run."""
    limit = settings.XERO_DAY_CALL_LIMIT
    started = connection.day_window_started_at
    if connection.day_calls_remaining is None or started is None or now >= started + DAY:
        return DayBudget(limit=limit, remaining=limit, resets_at=None)
    return DayBudget(limit=limit, remaining=min(connection.day_calls_remaining, limit), resets_at=started + DAY)


def day_budget_record(
    *,
    connection_id: int,
    remaining: int | None,
    run_started: datetime,
    now: datetime,
    resets_at: datetime | None = None,
) -> None:
    """Keep what Xero said is left of the day after a run (nothing when it did not say). A figure higher than
    the one kept, or one after the kept window ended, belongs to a new window, which opened with this run's
    calls. `resets_at` is Xero's own word (a day 429's Retry-After) on when the window ends."""
    if remaining is None:
        return
    connection = XeroConnection.objects.only("day_calls_remaining", "day_window_started_at").get(pk=connection_id)
    started = connection.day_window_started_at
    if resets_at is not None:
        started = resets_at - DAY
    elif (
        started is None
        or now >= started + DAY
        or connection.day_calls_remaining is None
        or remaining > connection.day_calls_remaining
    ):
        started = run_started
    XeroConnection.objects.filter(pk=connection_id).update(day_calls_remaining=remaining, day_window_started_at=started)


def calls_needed(*, connection_id: int, kind: str) -> int:
    """About how many calls a run of this kind takes: the most the last few finished ones made, plus a margin."""
    recent = (
        SyncRun.objects.filter(
            connection_id=connection_id,
            kind=kind,
            outcome__in=[SyncRun.Outcome.SUCCEEDED, SyncRun.Outcome.PARTIAL],
        )
        .order_by("-started_at")
        .values_list("api_calls", flat=True)[:RECENT_RUNS]
    )
    return max(MIN_CALLS.get(kind, 1), math.ceil(max(recent, default=0) * MARGIN))


def scheduled_syncs_queue(*, due: list[tuple[int, str]], now: datetime) -> list[tuple[int, str]]:
    """Which of the due scheduled syncs (connection id, kind) the caller should enqueue now, so none runs out of
    the day's allowance; each is marked queued (one already queued is not queued again).

    A weekly reconcile that does not fit becomes an incremental sync when that fits; a sync that does not fit at
    all waits for a later beat. Each organisation's note says what was held back and until when (empty: nothing).
    """
    connections = XeroConnection.objects.in_bulk([connection_id for connection_id, _ in due])
    planned = []
    for connection_id, kind in due:
        connection = connections[connection_id]
        budget = day_budget(connection, now=now)
        spendable = budget.remaining - settings.XERO_DAY_CALL_RESERVE
        needed = calls_needed(connection_id=connection_id, kind=kind)
        note = ""
        if needed > spendable:
            note = _held_back_note(kind=kind, needed=needed, budget=budget)
            fallback = SyncRun.Kind.INCREMENTAL
            kind = (
                fallback
                if kind == SyncRun.Kind.FULL and calls_needed(connection_id=connection_id, kind=fallback) <= spendable
                else ""
            )
        if kind and sync_queue_claim(connection_id=connection_id, now=now):
            planned.append((connection_id, kind))
        if note != connection.day_budget_note:
            XeroConnection.objects.filter(pk=connection_id).update(day_budget_note=note)
    return planned


def _held_back_note(*, kind: str, needed: int, budget: DayBudget) -> str:
    what = "Weekly reconcile deferred" if kind == SyncRun.Kind.FULL else "Scheduled sync held back"
    when = f" at {timezone.localtime(budget.resets_at):%H:%M}" if budget.resets_at else ""
    return (
        f"{what}: it needs about {needed} Xero calls and {budget.remaining} of today's {budget.limit} are left "
        f"({settings.XERO_DAY_CALL_RESERVE} kept for Sync now and webhooks). It runs after the allowance "
        f"resets{when}."
    )
