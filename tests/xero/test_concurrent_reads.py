"""Issue 18: a sync reads the next pages while it stores the current one, within Xero's limits.

The pacer is driven by the sandbox's own rate limiter on a fake clock (no real time passes); the prefetcher runs
against the sandbox with a delay on every call, so several pages are on the wire at once.
"""

import random
from datetime import UTC, datetime, timedelta

import pytest

from integrations.xero.models import SyncRun
from integrations.xero.sync import prefetch
from integrations.xero.sync.pacing import MinutePacer
from invoices.models import Invoice
from tests.xero.sync_data import forget_synced, load, stored_state, sync
from tests.xero_records import xero_contact, xero_invoice
from xero_sandbox.limits import RateLimiter

PAGE = 1000  # Capsync asks for Xero's largest page


class FakeTime:
    """A clock that moves only when the code under test sleeps (or the test moves it)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=max(0.0, seconds))


def test_the_pacer_never_lets_a_61st_call_into_xeros_minute_window_with_five_in_flight():
    """300 calls, five in flight at a time, each arriving up to 0.9 s after the pacer let it go (Xero's window
    opens on arrival): Xero's own limiter (the sandbox's) refuses none, and the pacer waited for each new window."""
    time, xero_limits, arrivals = FakeTime(), RateLimiter(), random.Random(18)
    pacer = MinutePacer(clock=time.clock, sleep=time.sleep)
    in_flight: list[datetime] = []  # when each call in flight is answered
    refused = 0
    for _ in range(300):
        if len(in_flight) == 5:  # the sixth call waits for the first answer
            time.now = max(time.now, min(in_flight))
            in_flight.remove(min(in_flight))
        pacer.before_call()
        arrives = time.now + timedelta(seconds=arrivals.uniform(0, 0.9))
        decision = xero_limits.acquire(client_id="capsync", tenant_id="org", now=arrives)
        refused += not decision.allowed
        in_flight.append(arrives + timedelta(seconds=arrivals.uniform(0.05, 1.5)))
        xero_limits.release(client_id="capsync", tenant_id="org")

    assert refused == 0
    assert pacer.waits == 4  # 300 calls: five windows of 60, so four waits and no window wasted


@pytest.fixture
def org_of_many_pages(xero):
    """4,300 invoices (five pages) of 1,100 contacts (two pages), half of them paying."""
    customers = [xero_contact(name=f"Customer {n:04}") for n in range(1100)]
    statuses = ("AUTHORISED", "DRAFT")
    load(
        xero,
        contacts=customers,
        invoices=[
            xero_invoice(contact=customers[n % 1100], status=statuses[n % 1100 >= 550], number=f"INV-{n:05}")
            for n in range(4300)
        ],
    )
    return customers


@pytest.mark.django_db
def test_pages_are_read_ahead_with_never_more_than_five_calls_in_flight(xero_connection, xero, org_of_many_pages):
    xero.sandbox.config(latency_ms=150)  # every page is on the wire a while, so the next ones are asked for
    xero.sandbox.clear_calls()

    finished = sync(xero_connection)

    log = xero.sandbox.calls(tenant_id=xero.uk_tenant_id)
    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    assert log["counts"]["by_status"].get("429", 0) == 0
    assert 1 < log["peak_concurrency"][xero.uk_tenant_id] <= 5
    assert Invoice.objects.count() == 4300


@pytest.mark.django_db
def test_reading_ahead_stores_exactly_what_reading_page_after_page_stores(
    xero_connection, xero, org_of_many_pages, settings
):
    settings.XERO_SYNC_PAGES_AHEAD = 1
    xero.sandbox.clear_calls()
    serial = sync(xero_connection)
    serial_calls = xero.sandbox.calls(tenant_id=xero.uk_tenant_id)["counts"]["by_path"]
    page_after_page = stored_state()
    forget_synced()

    settings.XERO_SYNC_PAGES_AHEAD = 5
    xero.sandbox.config(latency_ms=50)
    xero.sandbox.clear_calls()
    ahead = sync(xero_connection)
    ahead_calls = xero.sandbox.calls(tenant_id=xero.uk_tenant_id)["counts"]["by_path"]

    assert (serial.outcome, ahead.outcome) == (SyncRun.Outcome.SUCCEEDED, SyncRun.Outcome.SUCCEEDED)
    assert len(page_after_page["invoices"]) == 4300
    assert len(page_after_page["contacts"]) == 550
    assert stored_state() == page_after_page
    assert ahead_calls == serial_calls
    assert ahead.api_calls == serial.api_calls


@pytest.mark.django_db
def test_syncs_in_one_process_share_the_read_ahead_and_give_it_back(xero_connection, xero, org_of_many_pages):
    """Other syncs in this worker hold the process's read-ahead allowance: this one still finishes, with only its
    next page on the wire, and every page of allowance it took is given back."""
    xero.sandbox.config(latency_ms=150)
    taken = [prefetch._AHEAD_BUDGET.acquire(blocking=False) for _ in range(prefetch.AHEAD)]
    try:
        xero.sandbox.clear_calls()
        squeezed = sync(xero_connection)
        peak_squeezed = xero.sandbox.calls(tenant_id=xero.uk_tenant_id)["peak_concurrency"][xero.uk_tenant_id]
    finally:
        for _ in taken:
            prefetch._AHEAD_BUDGET.release()
    forget_synced()
    xero.sandbox.clear_calls()
    alone = sync(xero_connection)
    peak_alone = xero.sandbox.calls(tenant_id=xero.uk_tenant_id)["peak_concurrency"][xero.uk_tenant_id]

    assert all(taken)
    assert (squeezed.outcome, alone.outcome) == (SyncRun.Outcome.SUCCEEDED, SyncRun.Outcome.SUCCEEDED)
    assert squeezed.api_calls == alone.api_calls
    assert peak_squeezed == 1
    assert peak_alone > 1
    assert Invoice.objects.count() == 4300
    assert all(prefetch._AHEAD_BUDGET.acquire(blocking=False) for _ in range(prefetch.AHEAD))  # all given back
    for _ in range(prefetch.AHEAD):
        prefetch._AHEAD_BUDGET.release()
