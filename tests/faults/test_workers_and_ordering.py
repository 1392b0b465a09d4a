"""Issue 9, cases 11-16: workers that die, syncs that overlap, and records that change or arrive broken.

Worker cases run real Celery worker processes on the real Redis against committed data."""

import signal
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from contacts.models import Contact
from integrations.xero import client, tasks
from integrations.xero.models import MatchConflict, SyncCursor, SyncError, SyncRun, XeroContact
from integrations.xero.sync import claims, run
from invoices import selectors as invoice_selectors
from invoices.models import Invoice
from tests.concurrency import at_once
from tests.factories import OrganisationFactory
from tests.sandbox import wait_for
from tests.xero.sync_data import Sleeps, load, sync
from tests.xero_records import xero_contact, xero_invoice

# Short enough for a test to see a dead worker's task come back, and its claim on the organisation lapse.
FAST_RECOVERY = {"CELERY_VISIBILITY_TIMEOUT": "4", "XERO_SYNC_CLAIM_SECONDS": "4"}


@pytest.mark.django_db(transaction=True)
def test_a_sync_whose_worker_is_killed_is_redelivered_and_completes_once(xero_connection, xero, celery_workers):
    """Case 11: a worker SIGKILLed mid-sync: the task is redelivered to another worker and completes, with no
    duplicates, and the dead run moved no cursor (the watermark never passes data not yet stored)."""
    customers = [xero_contact(name=f"Customer {n}") for n in range(5)]
    load(xero, contacts=customers, invoices=[xero_invoice(contact=c) for c in customers for _ in range(2)])
    xero.sandbox.config(latency_ms=1500)  # each Xero call takes a while, so the worker dies mid-run
    doomed = celery_workers(**FAST_RECOVERY)
    SyncRun.objects.all().delete()
    tasks.organisation_sync.delay(connection_id=xero_connection.pk, kind=SyncRun.Kind.FULL)
    wait_for(lambda: SyncRun.objects.filter(outcome=SyncRun.Outcome.RUNNING).exists(), timeout=30)

    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    cursor_after_kill = SyncCursor.objects.exists()
    xero.sandbox.config(latency_ms=0)
    celery_workers(**FAST_RECOVERY)

    wait_for(lambda: SyncRun.objects.filter(outcome=SyncRun.Outcome.SUCCEEDED).exists(), timeout=90)
    outcomes = sorted(SyncRun.objects.exclude(outcome=SyncRun.Outcome.SKIPPED).values_list("outcome", flat=True))
    interrupted = SyncRun.objects.get(outcome=SyncRun.Outcome.FAILED)
    assert cursor_after_kill is False
    assert outcomes == [SyncRun.Outcome.FAILED, SyncRun.Outcome.SUCCEEDED]
    assert "Interrupted" in interrupted.message
    assert Invoice.objects.count() == 10
    assert Contact.objects.count() == 5
    assert SyncCursor.objects.exists()


def _peak_in_flight(xero) -> int:
    return xero.sandbox.calls(tenant_id=xero.uk_tenant_id)["peak_concurrency"].get(xero.uk_tenant_id, 0)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_pages_are_read_ahead_loses_nothing(xero_connection, xero, celery_workers):
    """Issue 18: the worker dies with the next invoice pages on the wire (read ahead while the first is stored):
    the redelivered sync stores every invoice once and the dead run moved no cursor."""
    customers = [xero_contact(name=f"Customer {n}") for n in range(5)]
    load(
        xero,
        contacts=customers,
        invoices=[xero_invoice(contact=c, number=f"INV-{n:05}-{c['Name'][-1]}") for c in customers for n in range(560)],
    )  # three pages
    xero.sandbox.config(latency_ms=1500)
    doomed = celery_workers(**FAST_RECOVERY)
    SyncRun.objects.all().delete()
    xero.sandbox.clear_calls()
    tasks.organisation_sync.delay(connection_id=xero_connection.pk, kind=SyncRun.Kind.FULL)
    wait_for(lambda: Invoice.objects.exists(), timeout=60)  # page 1 stored
    # Kill only once the next pages are on the wire together: the sandbox has seen two of its calls in flight.
    wait_for(lambda: _peak_in_flight(xero) > 1, timeout=30)

    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    cursor_after_kill = SyncCursor.objects.exists()
    read_ahead = _peak_in_flight(xero)
    xero.sandbox.config(latency_ms=0)
    celery_workers(**FAST_RECOVERY)

    wait_for(lambda: SyncRun.objects.filter(outcome=SyncRun.Outcome.SUCCEEDED).exists(), timeout=90)
    assert cursor_after_kill is False
    assert read_ahead > 1
    assert Invoice.objects.count() == 2800
    assert sorted(Invoice.objects.values_list("number", flat=True)) == sorted(
        f"INV-{n:05}-{c['Name'][-1]}" for c in customers for n in range(560)
    )
    assert Contact.objects.count() == 5
    assert SyncCursor.objects.exists()


@pytest.mark.django_db
def test_a_second_sync_while_one_runs_is_skipped_and_says_so(xero_connection, xero):
    """Case 12: while one sync holds the organisation, another is skipped and its run says why."""
    claims.sync_claim(connection_id=xero_connection.pk, now=timezone.now())

    skipped = sync(xero_connection)

    assert skipped.outcome == SyncRun.Outcome.SKIPPED
    assert "already running" in skipped.message


@pytest.mark.django_db(transaction=True)
def test_beat_and_a_manual_sync_at_once_run_one_and_skip_the_other(xero_connection, xero):
    """Case 12: beat's sync and an admin's "Sync now" start at the same moment: one runs, the other is skipped."""
    customer = xero_contact(name="Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    xero.sandbox.config(latency_ms=300)  # the first sync is still reading when the second starts

    def start_sync(kind: str) -> SyncRun:
        return run.organisation_sync(
            connection_id=xero_connection.pk,
            kind=kind,
            clock=timezone.now,
            identity=client.identity_from_settings(),
            sleep=Sleeps(),
        )

    finished = at_once(lambda: start_sync(SyncRun.Kind.INCREMENTAL), lambda: start_sync(SyncRun.Kind.FULL))

    outcomes = sorted(run.outcome for run in finished)
    assert outcomes == [SyncRun.Outcome.SKIPPED, SyncRun.Outcome.SUCCEEDED]
    skipped = next(run for run in finished if run.outcome == SyncRun.Outcome.SKIPPED)
    assert skipped.message == "Another sync of this organisation was already running."
    assert Contact.objects.filter(name="Bluebell Bakery").count() == 1


@pytest.mark.django_db
def test_a_claim_left_by_a_dead_worker_expires(xero_connection, xero):
    """Case 12: the lock frees itself: a claim whose holder died lapses and the next sync runs."""
    claims.sync_claim(connection_id=xero_connection.pk, now=timezone.now() - claims.claim_ttl() - timedelta(seconds=1))

    finished = sync(xero_connection)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED


INVOICES = 4
STAGES = ["Reading invoices", "Reading credit notes", "Reading contacts", "Matching contacts"]
# One step: an edit in Xero (which invoice, its new amount due), made before a sync or while a sync is at a
# given stage; or a sync on its own.
edits = st.tuples(st.integers(0, INVOICES - 1), st.integers(0, 100), st.sampled_from([None, *STAGES]))
scenarios = st.lists(st.one_of(st.just("sync"), edits), min_size=1, max_size=6)


@pytest.mark.django_db
@hypothesis_settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios)
def test_incremental_syncs_never_miss_an_edit(xero_connection, xero, scenario):
    """Case 13: records edited in Xero while a run reads (at any stage) are picked up by the next run: the
    cursor keeps an overlap, so whatever the interleaving the CRM ends with Xero's latest invoices."""
    xero.sandbox.config(rate_limits="off")
    customer = xero_contact(name="Bluebell Bakery")
    invoices = [xero_invoice(contact=customer, total="100.00") for _ in range(INVOICES)]
    load(xero, contacts=[customer], invoices=invoices)
    latest = {invoice["InvoiceID"]: Decimal("100.00") for invoice in invoices}

    def edit(index: int, amount_due: int) -> None:
        xero.sandbox.clock_advance(1)
        load(
            xero, invoices=[{**invoices[index], "AmountDue": float(amount_due), "AmountPaid": float(100 - amount_due)}]
        )
        latest[invoices[index]["InvoiceID"]] = Decimal(amount_due)

    for step in scenario:
        pending = [] if step == "sync" else [step]
        if pending and pending[0][2] is None:
            edit(*pending.pop()[:2])

        def during(progress: SyncRun, pending=pending) -> None:
            if pending and progress.stage == pending[0][2]:
                edit(*pending.pop()[:2])

        run.organisation_sync(
            connection_id=xero_connection.pk,
            kind=SyncRun.Kind.INCREMENTAL,
            clock=timezone.now,
            identity=client.identity_from_settings(),
            sleep=Sleeps(),
            on_progress=during,
        )

    final = run.organisation_sync(
        connection_id=xero_connection.pk,
        kind=SyncRun.Kind.INCREMENTAL,
        clock=timezone.now,
        identity=client.identity_from_settings(),
        sleep=Sleeps(),
    )

    assert final.outcome == SyncRun.Outcome.SUCCEEDED
    stored = dict(Invoice.objects.filter(xero_id__in=latest).values_list("xero_id", "amount_due"))
    assert stored == latest


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["VOIDED", "DELETED"])
def test_an_invoice_voided_or_deleted_in_xero_leaves_the_totals(xero_connection, xero, admin_user, status):
    """Case 14: an invoice voided or deleted in Xero stops counting in the contact's totals after the next run."""
    customer = xero_contact(name="Bluebell Bakery")
    kept, cancelled = xero_invoice(contact=customer, total="100.00"), xero_invoice(contact=customer, total="250.00")
    load(xero, contacts=[customer], invoices=[kept, cancelled])
    sync(xero_connection)
    contact = Contact.objects.get(name="Bluebell Bakery")
    before = _outstanding(admin_user, contact)
    xero.sandbox.clock_advance(60)
    load(xero, invoices=[{**cancelled, "Status": status, "AmountDue": 0.0, "AmountPaid": 0.0}])

    finished = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED
    assert before == {"GBP": Decimal("350.00")}
    assert _outstanding(admin_user, contact) == {"GBP": Decimal("100.00")}
    assert Invoice.objects.get(xero_id=cancelled["InvoiceID"]).status == status


def _outstanding(user, contact: Contact) -> dict[str, Decimal]:
    summary = invoice_selectors.invoice_summary(user=user, contact_id=contact.pk, now=timezone.now())
    [organisation] = summary.organisations
    return organisation.outstanding


@pytest.mark.django_db
def test_an_archived_paying_contact_is_linked_when_it_matches_but_never_created(xero_connection, xero, team_a):
    """Case 15: an archived Xero contact links to its CRM match, and never makes a new CRM contact."""
    existing = OrganisationFactory(team=team_a, name="Old Customer Ltd")
    matched = xero_contact(name="Old Customer Ltd", status="ARCHIVED")
    unmatched = xero_contact(name="Gone Ltd", status="ARCHIVED")
    load(
        xero,
        contacts=[matched, unmatched],
        invoices=[xero_invoice(contact=matched, status="PAID"), xero_invoice(contact=unmatched, status="PAID")],
    )

    sync(xero_connection)

    assert XeroContact.objects.get(xero_id=matched["ContactID"]).contact == existing
    assert not Contact.objects.filter(name="Gone Ltd").exists()


@pytest.mark.django_db
def test_a_linked_contact_archived_in_xero_stays_linked_without_a_duplicate(xero_connection, xero):
    """Case 15: archiving a linked contact in Xero keeps the link and creates nothing."""
    customer = xero_contact(name="Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    sync(xero_connection)
    linked = XeroContact.objects.get().contact
    xero.sandbox.clock_advance(60)
    load(xero, contacts=[{**customer, "ContactStatus": "ARCHIVED"}])

    finished = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    mirror = XeroContact.objects.get()
    assert finished.outcome == SyncRun.Outcome.SUCCEEDED
    assert (mirror.status, mirror.contact, mirror.link_state) == ("ARCHIVED", linked, XeroContact.LinkState.LINKED)
    assert Contact.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("break_it", "reason"),
    [
        (lambda invoice: invoice.update(Contact={"Name": "Broken Ltd"}), "missing Contact.ContactID"),
        (lambda invoice: invoice.update(UpdatedDateUTC="/Date(253402300800000+0000)/"), "UpdatedDateUTC"),
        (lambda invoice: invoice.update(Type="APOVERPAYMENT"), "unknown Type 'APOVERPAYMENT'"),
    ],
    ids=["missing id", "bad date", "unknown enum"],
)
def test_a_malformed_record_is_quarantined_with_its_payload_and_the_rest_applied(
    xero_connection, xero, break_it, reason
):
    """Case 16: a record with a missing id, an unreadable date or an unknown enum is kept aside (SyncError) with
    its raw payload and the reason; the rest of the page is applied and the run is partial."""
    good, bad = xero_contact(name="Bluebell Bakery"), xero_contact(name="Broken Ltd")
    broken_invoice = xero_invoice(contact=bad, number="INV-BROKEN")
    break_it(broken_invoice)
    load(xero, contacts=[good, bad], invoices=[xero_invoice(contact=good), broken_invoice])

    finished = sync(xero_connection)

    error = SyncError.objects.get()
    assert finished.outcome == SyncRun.Outcome.PARTIAL
    assert (error.resource, error.record_id, error.payload["InvoiceNumber"]) == (
        "Invoice",
        broken_invoice["InvoiceID"],
        "INV-BROKEN",
    )
    assert reason in error.reason
    assert Contact.objects.filter(name="Bluebell Bakery").exists()
    assert not SyncCursor.objects.exists()


@pytest.mark.django_db
def test_a_contact_merged_in_xero_moves_its_link_to_the_surviving_contact(xero_connection, xero):
    """Case 15: two Xero contacts merged in Xero: the CRM contact linked to the one merged away follows to the
    survivor, with its invoices, and no duplicate or conflict is made."""
    merged_away = xero_contact(name="Bluebell Bakery", email="orders@bluebell.example")
    invoice = xero_invoice(contact=merged_away)
    load(xero, contacts=[merged_away], invoices=[invoice])
    sync(xero_connection)
    crm_contact = XeroContact.objects.get().contact
    xero.sandbox.clock_advance(60)
    survivor = xero_contact(name="Bluebell Bakery Ltd", email="orders@bluebell.example")
    load(
        xero,
        contacts=[survivor, {**merged_away, "ContactStatus": "ARCHIVED", "MergedToContactID": survivor["ContactID"]}],
        invoices=[{**invoice, "Contact": {"ContactID": survivor["ContactID"], "Name": survivor["Name"]}}],
    )

    finished = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    assert XeroContact.objects.get(xero_id=survivor["ContactID"]).contact == crm_contact
    assert XeroContact.objects.get(xero_id=merged_away["ContactID"]).link_state == XeroContact.LinkState.UNLINKED
    assert Contact.objects.count() == 1
    assert not MatchConflict.objects.exists()
    assert list(crm_contact.invoices.values_list("xero_id", flat=True)) == [invoice["InvoiceID"]]


@pytest.mark.django_db
def test_a_conflict_waiting_for_the_survivor_of_a_merge_is_closed_as_linked_and_kept(xero_connection, xero):
    """Case 15, in two steps: the survivor arrives first and waits as a conflict (its CRM match is linked to the
    contact merged away later); when the merge arrives, the link follows and the conflict is closed, not lost."""
    merged_away = xero_contact(name="Bluebell Bakery", email="orders@bluebell.example")
    load(xero, contacts=[merged_away], invoices=[xero_invoice(contact=merged_away)])
    sync(xero_connection)
    crm_contact = XeroContact.objects.get().contact
    xero.sandbox.clock_advance(60)
    survivor = xero_contact(name="Bluebell Bakery", email="orders@bluebell.example")
    load(xero, contacts=[survivor], invoices=[xero_invoice(contact=survivor)])
    sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)
    waiting = MatchConflict.objects.get(xero_contact__xero_id=survivor["ContactID"])
    xero.sandbox.clock_advance(60)
    load(xero, contacts=[{**merged_away, "ContactStatus": "ARCHIVED", "MergedToContactID": survivor["ContactID"]}])

    sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    waiting.refresh_from_db()
    assert XeroContact.objects.get(xero_id=survivor["ContactID"]).contact == crm_contact
    assert (waiting.status, waiting.resolution, waiting.resolved_contact) == (
        MatchConflict.Status.RESOLVED,
        MatchConflict.Resolution.LINKED,
        crm_contact,
    )
    assert waiting.resolved_at is not None
    assert Contact.objects.count() == 1
