"""Issue 14 point 10: Xero's daily allowance of calls per organisation (1,000 on the Starter tier), shown on sync
health and respected by beat's plan, against the sandbox's day limit."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.xero import selectors
from integrations.xero.models import SyncCursor, SyncRun, XeroConnection
from integrations.xero.sync import budget
from tests.xero.sync_data import Sleeps, sync

pytestmark = pytest.mark.django_db

STARTER_DAY_LIMIT = 1000


@pytest.fixture
def starter_tier(settings, xero):
    """A Starter-tier app: Xero allows 1,000 calls a day per organisation, and Capsync knows it."""
    settings.XERO_DAY_CALL_LIMIT = STARTER_DAY_LIMIT
    xero.sandbox.config(limits={"day": STARTER_DAY_LIMIT})
    return settings


def _day_remaining_said_last(xero) -> int:
    """What Xero's X-DayLimit-Remaining said on the organisation's latest call."""
    calls = xero.sandbox.calls(tenant_id=xero.uk_tenant_id, bodies=True)["calls"]
    said = [
        int(call["response_headers"]["X-DayLimit-Remaining"])
        for call in calls
        if "X-DayLimit-Remaining" in (call.get("response_headers") or {})
    ]
    return said[-1]


def _due_now(connection: XeroConnection) -> timezone.datetime:
    """Make every run of the organisation eight days old, so its interval and its weekly reconcile are due."""
    SyncRun.objects.filter(connection=connection).update(started_at=timezone.now() - timedelta(days=8))
    return timezone.now()


def test_sync_health_shows_the_days_calls_used_per_organisation(admin_client, xero, xero_connection, starter_tier):
    sync(xero_connection)
    used = STARTER_DAY_LIMIT - _day_remaining_said_last(xero)

    page = admin_client.get(reverse("xero:health")).text

    organisations = page.split('id="health-organisations"')[1].split("</section>")[0]
    assert used > 0
    assert f"{used} of {STARTER_DAY_LIMIT} used" in organisations


def test_a_weekly_reconcile_that_would_not_fit_the_day_is_deferred_and_says_so(
    admin_client, xero, xero_connection, starter_tier
):
    xero.sandbox.fault(match="^/api/api.xro/2.0/Invoices", kind="503", count=3)
    sync(xero_connection, sleeps=Sleeps())  # last week's reconcile: three retries on top of its calls
    sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)
    now = _due_now(xero_connection)
    full = budget.calls_needed(connection_id=xero_connection.pk, kind=SyncRun.Kind.FULL)
    incremental = budget.calls_needed(connection_id=xero_connection.pk, kind=SyncRun.Kind.INCREMENTAL)
    # Of what Xero says is left, the reserve leaves just too little for the reconcile, enough for an increment.
    starter_tier.XERO_DAY_CALL_RESERVE = _day_remaining_said_last(xero) - (full - 1)

    queued = budget.scheduled_syncs_queue(due=selectors.connections_due_for_sync(now=now), now=now)

    assert incremental < full
    assert queued == [(xero_connection.pk, SyncRun.Kind.INCREMENTAL)]
    health = admin_client.get(reverse("xero:health")).text.split('id="health-organisations"')[1]
    assert "Weekly reconcile deferred" in health.split("</section>")[0]


def test_with_the_day_spent_no_scheduled_sync_runs_until_the_allowance_resets(
    admin_client, xero, xero_connection, starter_tier
):
    sync(xero_connection)
    full = budget.calls_needed(connection_id=xero_connection.pk, kind=SyncRun.Kind.FULL)
    # Nothing is left today above the reserve; once the allowance is back, what it leaves fits a reconcile.
    starter_tier.XERO_DAY_CALL_RESERVE = min(_day_remaining_said_last(xero), STARTER_DAY_LIMIT - full)
    now = _due_now(xero_connection)
    held = budget.scheduled_syncs_queue(due=selectors.connections_due_for_sync(now=now), now=now)
    xero_connection.refresh_from_db()
    note = xero_connection.day_budget_note
    after_reset = xero_connection.day_window_started_at + budget.DAY + timedelta(minutes=1)

    resumed = budget.scheduled_syncs_queue(due=selectors.connections_due_for_sync(now=after_reset), now=after_reset)

    assert held == []
    assert note.startswith("Weekly reconcile deferred")
    assert resumed == [(xero_connection.pk, SyncRun.Kind.FULL)]
    xero_connection.refresh_from_db()
    assert xero_connection.day_budget_note == ""


def test_a_day_429_marks_the_allowance_spent_until_xero_says_it_resets(xero, xero_connection, starter_tier):
    xero.sandbox.fault(match="^/api/api.xro/2.0/Invoices", kind="429-day", count=1, retry_after=3600)

    finished = sync(xero_connection)

    xero_connection.refresh_from_db()
    left = budget.day_budget(xero_connection, now=finished.finished_at)
    assert left.remaining == 0
    assert left.resets_at == xero_connection.rate_limited_until


def test_a_full_reconcile_stops_before_it_spends_the_calls_kept_for_sync_now(xero, xero_connection, starter_tier):
    sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)  # Xero says what is left of the day
    starter_tier.XERO_DAY_CALL_RESERVE = _day_remaining_said_last(xero) - 2  # two calls left above the reserve
    cursors = dict(SyncCursor.objects.values_list("resource", "modified_since"))
    xero.sandbox.clear_calls()

    finished = sync(xero_connection)

    assert finished.outcome == SyncRun.Outcome.PARTIAL
    assert "kept for Sync now and webhooks" in finished.message
    assert finished.api_calls == 2
    assert [call["status"] for call in xero.sandbox.calls(tenant_id=xero.uk_tenant_id)["calls"]] == [200, 200]
    assert dict(SyncCursor.objects.values_list("resource", "modified_since")) == cursors
