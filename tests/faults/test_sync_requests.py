"""Issue 19, items 11 and 12: "Sync now" against Xero's rate limit, and many clicks at once, against the running
sandbox and real PostgreSQL."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.xero import services
from integrations.xero.models import SyncRun
from tests.concurrency import at_once
from tests.xero.sync_data import sync

INVOICES_PATH = "^/api/api.xro/2.0/Invoices"


@pytest.mark.django_db
def test_a_later_successful_run_clears_rate_limited_until(admin_client, xero, xero_connection):
    """Item 11: once a run gets through, the pages stop saying the organisation is rate-limited."""
    xero.sandbox.fault(match=INVOICES_PATH, kind="429-day", count=1, retry_after=30)
    limited = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)
    xero.sandbox.clock_advance(31)

    later = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    assert "daily limit" in limited.message
    assert later.outcome == SyncRun.Outcome.SUCCEEDED, later.message
    xero_connection.refresh_from_db()
    assert xero_connection.rate_limited_until is None
    assert "Rate-limited until" not in admin_client.get(reverse("xero:integrations")).text
    assert "Rate-limited until" not in admin_client.get(reverse("xero:health")).text


@pytest.mark.django_db
def test_sync_now_during_the_daily_limit_calls_no_xero_and_says_until_when(
    admin_client, xero, xero_connection, tasks_run_inline
):
    """Item 11: while Xero's daily limit holds, "Sync now" sends nothing to Xero and says when syncing resumes."""
    xero.sandbox.fault(match=INVOICES_PATH, kind="429-day", count=1, retry_after=3 * 60 * 60)
    sync(xero_connection)
    xero_connection.refresh_from_db()
    until = timezone.localtime(xero_connection.rate_limited_until)
    xero.sandbox.clear_calls()

    response = tasks_run_inline(
        lambda: admin_client.post(reverse("xero:sync_now", args=[xero_connection.pk]), follow=True)
    )

    assert xero.sandbox.calls(tenant_id=xero.uk_tenant_id)["calls"] == []
    assert SyncRun.objects.filter(kind=SyncRun.Kind.INCREMENTAL).count() == 0
    assert f"Syncing resumes at {until:%-d %b %H:%M}" in response.text


@pytest.mark.django_db
def test_ten_sync_now_clicks_queue_one_run(admin_client, xero_connection, django_capture_on_commit_callbacks):
    """Item 12: clicks while a sync of the organisation already waits for a worker join it."""
    sync(xero_connection)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        responses = [
            admin_client.post(reverse("xero:sync_now", args=[xero_connection.pk]), follow=True) for _ in range(10)
        ]

    assert len(queued) == 1
    assert "is already queued" in responses[-1].text


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_sync_requests_queue_one_and_one_more_once_it_runs(xero_connection):
    """Item 12: ten requests at the same moment take one queued place (a conditional update); once a worker
    starts that run, the next request queues one more: at most one queued and one running."""
    sync(xero_connection)
    now = timezone.now()

    taken = at_once(
        *[lambda: services.organisation_sync_request(connection_id=xero_connection.pk, now=now) for _ in range(10)]
    )
    sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)  # a worker runs the queued sync
    again = services.organisation_sync_request(connection_id=xero_connection.pk, now=now + timedelta(seconds=1))

    assert sorted(taken, key=str) == [False] * 9 + [True]
    assert again is True
