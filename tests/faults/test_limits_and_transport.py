"""Issue 9, cases 5-10: Xero's rate limits and a misbehaving network, against the running sandbox.

Waits go through a fake `sleep` (or one that moves the sandbox clock), so no test sleeps through a Retry-After.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts import services as contact_services
from contacts.models import Contact
from integrations.xero import client, selectors
from integrations.xero.models import SyncCursor, SyncRun, XeroConnection, XeroContact
from integrations.xero.sync import push
from invoices.models import Invoice
from tests.concurrency import at_once
from tests.xero.push_data import in_xero
from tests.xero.sync_data import Sleeps, WaitsThatPass, load, sync
from tests.xero_records import xero_contact, xero_invoice

pytestmark = pytest.mark.django_db

INVOICES_PATH = "^/api/api.xro/2.0/Invoices"


def _customers(xero, count: int) -> list[dict]:
    customers = [xero_contact(name=f"Customer {n}") for n in range(count)]
    load(xero, contacts=customers, invoices=[xero_invoice(contact=customer) for customer in customers])
    return customers


def test_a_minute_rate_limit_is_waited_out_and_the_sync_completes(xero_connection, xero):
    """Case 5: a minute 429 with Retry-After: the sync waits that long, asks again and misses nothing."""
    _customers(xero, 3)
    xero.sandbox.fault(match=INVOICES_PATH, kind="429-minute", count=1, retry_after=7)
    sleeps = Sleeps()

    finished = sync(xero_connection, sleeps=sleeps)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED
    assert sleeps == [7]
    assert (Invoice.objects.count(), Contact.objects.count()) == (3, 3)


def test_the_sync_paces_itself_by_the_minute_allowance_instead_of_hitting_the_limit(xero_connection, xero):
    """Case 5: with Xero's minute allowance nearly spent, the sync waits for the next minute instead of a 429."""
    customer = xero_contact(name="Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    # A first full sync makes 9 calls (invoices, credit notes, contacts, quotes, and the catalogue's items, accounts,
    # tax rates, tracking and organisation): five fit in the minute, the other four after one wait.
    xero.sandbox.config(limits={"minute": 5})
    xero.sandbox.clock_advance(61)  # a fresh minute: the wizard's calls are in the last one
    waits = WaitsThatPass(xero.sandbox)

    finished = sync(xero_connection, sleeps=waits)

    refused = [call for call in xero.sandbox.calls()["calls"] if call["status"] == 429]
    assert finished.outcome == SyncRun.Outcome.SUCCEEDED
    assert refused == []
    assert len(waits) == 1
    assert 55 <= waits[0] <= 61  # to a second past the minute: Xero's window opened when the first call arrived


def test_the_daily_limit_stops_the_run_until_it_resets(xero_connection, xero):
    """Case 6: the day 429 ends the run as partial, sets "rate-limited until" and leaves the cursor put."""
    xero.sandbox.fault(match=INVOICES_PATH, kind="429-day", count=1, retry_after=3600)
    before = timezone.now()

    finished = sync(xero_connection)

    xero_connection.refresh_from_db()
    assert finished.outcome == SyncRun.Outcome.PARTIAL
    assert "daily limit" in finished.message
    assert xero_connection.rate_limited_until >= before + timedelta(seconds=3600)
    assert not SyncCursor.objects.exists()


def test_after_the_daily_limit_resets_beat_syncs_the_organisation_again(xero_connection, xero, bakery, admin_client):
    """Case 6: Xero's own day limit (sandbox clock): beat skips the organisation until "rate-limited until", says
    so on the integrations page, and the run after the reset brings in what changed meanwhile."""
    calls = xero.sandbox.calls(tenant_id=xero.uk_tenant_id, bodies=True)["calls"]
    remaining = min(
        int(call["response_headers"]["X-DayLimit-Remaining"])
        for call in calls
        if "X-DayLimit-Remaining" in (call.get("response_headers") or {})
    )
    xero.sandbox.config(limits={"day": 5000 - remaining})  # today's allowance is spent
    newcomer = xero_contact(name="Harbour Lights Hotel")
    load(xero, contacts=[newcomer], invoices=[xero_invoice(contact=newcomer)])
    limited = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)
    xero_connection.refresh_from_db()
    until = xero_connection.rate_limited_until
    page_while_limited = admin_client.get(reverse("xero:integrations")).text
    due_before_the_reset = dict(selectors.connections_due_for_sync(now=until - timedelta(minutes=1)))
    due_after_the_reset = dict(selectors.connections_due_for_sync(now=until + timedelta(seconds=1)))

    xero.sandbox.clock_advance((until - timezone.now()).total_seconds() + 1)
    resumed = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    assert limited.outcome == SyncRun.Outcome.PARTIAL
    assert until > timezone.now() + timedelta(hours=20)
    assert "Rate-limited until" in page_while_limited
    assert xero_connection.pk not in due_before_the_reset
    assert xero_connection.pk in due_after_the_reset
    assert resumed.outcome == SyncRun.Outcome.SUCCEEDED, resumed.message
    assert Contact.objects.filter(name="Harbour Lights Hotel").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("slots_kept_in", ["redis", "process"])
def test_never_more_than_five_calls_are_in_flight_for_one_organisation(xero_connection, xero, settings, slots_kept_in):
    """Case 7: eight workers push eight edits to one organisation at the same moment, while a sync reads it:
    the sandbox never sees more than Xero's 5 concurrent calls for the organisation, and none is refused.
    Slots are counted in Redis, or in the process when there is no Redis (the demo)."""
    if slots_kept_in == "process":
        settings.REDIS_URL = ""
    customers = _customers(xero, 8)
    sync(xero_connection)
    contacts = [XeroContact.objects.get(xero_id=customer["ContactID"]).contact_id for customer in customers]
    for n, contact_id in enumerate(contacts):
        contact_services.contact_update(contact_id=contact_id, name=f"Renamed {n}", now=timezone.now())
    xero.sandbox.config(latency_ms=300)
    xero.sandbox.clear_calls()
    identity = client.identity_from_settings()
    actions = [
        lambda contact_id=contact_id: (
            push.contact_push(contact_id=contact_id, clock=timezone.now, identity=identity).pushed
        )
        for contact_id in contacts
    ]
    actions.append(lambda: sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL).outcome)
    results = at_once(*actions)

    log = xero.sandbox.calls(tenant_id=xero.uk_tenant_id)
    assert [result for result in results if isinstance(result, Exception)] == []
    assert SyncRun.Outcome.SUCCEEDED in results
    # Each edit reached Xero once, by its push or by the sync's batch, whichever came first.
    assert [in_xero(xero, xero_connection, customer)["Name"] for customer in customers] == [
        f"Renamed {n}" for n in range(8)
    ]
    assert log["counts"]["by_status"].get("429", 0) == 0
    assert 1 < log["peak_concurrency"][xero.uk_tenant_id] <= 5


@pytest.mark.xero_contract_exempt("server errors are injected on purpose")
def test_server_errors_are_retried_with_backoff(xero_connection, xero):
    """Case 8: 500s are retried with a growing backoff and the run completes."""
    _customers(xero, 1)
    xero.sandbox.fault(match=INVOICES_PATH, kind="500", count=2)
    sleeps = Sleeps()

    finished = sync(xero_connection, sleeps=sleeps)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED
    assert len(sleeps) == 2
    assert sleeps[1] > sleeps[0]


@pytest.mark.xero_contract_exempt("server errors and timeouts are injected on purpose")
@pytest.mark.parametrize("fault", [{"kind": "500"}, {"kind": "503"}, {"kind": "timeout", "delay_seconds": 0.1}])
def test_a_xero_that_keeps_failing_leaves_the_run_partial_and_the_next_run_completes(xero_connection, xero, fault):
    """Case 8: 500/503/timeouts that do not clear: a bounded number of retries with backoff, the run is partial,
    the cursor stays put, and the next run completes."""
    _customers(xero, 2)
    xero.sandbox.fault(match=INVOICES_PATH, count=50, **fault)
    sleeps = Sleeps()

    failed = sync(xero_connection, sleeps=sleeps)
    cursor_after_failure = SyncCursor.objects.exists()
    xero.sandbox.clear_faults()
    recovered = sync(xero_connection)

    assert failed.outcome == SyncRun.Outcome.PARTIAL
    assert "Xero did not answer" in failed.message
    assert len(sleeps) == 4  # 5 attempts, 4 waits
    assert sleeps == sorted(sleeps)
    assert cursor_after_failure is False
    assert recovered.outcome == SyncRun.Outcome.SUCCEEDED
    assert (Invoice.objects.count(), Contact.objects.count()) == (2, 2)


@pytest.mark.xero_contract_exempt("connection resets are injected on purpose")
@pytest.mark.parametrize("kind", ["reset", "lose-response"])
def test_a_reset_connection_mid_read_is_retried_without_duplicates(xero_connection, xero, kind):
    """Case 9: the connection drops while a page is read (before, or after Xero did the work): the page is asked
    for again and nothing is stored twice."""
    _customers(xero, 3)
    xero.sandbox.fault(match=INVOICES_PATH, kind=kind, count=1)

    finished = sync(xero_connection)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED
    assert (Invoice.objects.count(), Contact.objects.count()) == (3, 3)


@pytest.mark.xero_contract_exempt("broken bodies are injected on purpose")
@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ({"kind": "html"}, "503 with a body that is not JSON (text/html"),
        ({"kind": "html", "status": 200}, "200 with a body that is not JSON (text/html"),
        ({"kind": "malformed-json"}, "200 with a body that is not JSON (application/json"),
    ],
)
def test_an_html_page_or_broken_json_from_xero_is_a_clear_error_and_the_run_partial(xero_connection, xero, fault, said):
    """Case 10: an HTML error page or malformed JSON: the run is partial and its message says what Xero sent."""
    _customers(xero, 1)
    xero.sandbox.fault(match=INVOICES_PATH, count=50, **fault)

    finished = sync(xero_connection)

    assert finished.outcome == SyncRun.Outcome.PARTIAL
    assert said in finished.message
    assert not SyncCursor.objects.exists()
    assert XeroConnection.objects.get().status == XeroConnection.Status.CONNECTED
