from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.models import Contact
from integrations.xero.models import MatchConflict, SyncCursor, SyncError, SyncRun, XeroContact
from integrations.xero.sync import run
from invoices.models import Invoice
from tests.factories import EmailAddressFactory, OrganisationFactory, PersonFactory
from tests.xero.sync_data import Sleeps, load, sync, xero_contact, xero_invoice

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("status", "type_", "brought_in"), [
    ("AUTHORISED", "ACCREC", True),
    ("PAID", "ACCREC", True),
    ("DRAFT", "ACCREC", False),
    ("SUBMITTED", "ACCREC", False),
    ("VOIDED", "ACCREC", False),
    ("DELETED", "ACCREC", False),
    ("AUTHORISED", "ACCPAY", False),
])
def test_only_contacts_with_an_authorised_sales_invoice_are_brought_in(xero_connection, xero, status, type_,
                                                                      brought_in):
    customer = xero_contact("Quayside Events LLP")
    load(xero, contacts=[customer], invoices=[xero_invoice(customer, status=status, type_=type_)])

    finished = sync(xero_connection)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    assert Contact.objects.filter(name="Quayside Events LLP").exists() is brought_in


def test_a_new_paying_customer_is_created_in_the_default_team(xero_connection, xero):
    customer = xero_contact("Priya Shah", first_name="Priya", last_name="Shah", email="priya@shah.example")
    load(xero, contacts=[customer], invoices=[xero_invoice(customer)])

    sync(xero_connection)

    created = Contact.objects.get(name="Priya Shah")
    assert (created.kind, created.team, created.primary_email) == ("person", xero_connection.default_team,
                                                                   "priya@shah.example")
    assert XeroContact.objects.get(xero_id=customer["ContactID"]).contact == created


def test_the_same_email_links_an_existing_contact_without_copying_xero_details(xero_connection, xero, team_a):
    existing = EmailAddressFactory(contact__team=team_a, contact__name="Greenleaf Gardens",
                                   address="accounts@greenleaf.example").contact
    customer = xero_contact("Greenleaf Gardens (Billing)", email="ACCOUNTS@greenleaf.example")
    load(xero, contacts=[customer], invoices=[xero_invoice(customer)])

    sync(xero_connection)

    existing.refresh_from_db()
    assert XeroContact.objects.get(xero_id=customer["ContactID"]).contact == existing
    assert existing.name == "Greenleaf Gardens"
    assert Contact.objects.count() == 1


def test_a_normalised_name_links_an_organisation(xero_connection, xero, team_a):
    existing = OrganisationFactory(team=team_a, name="Copperfield Books Ltd")
    customer = xero_contact("Copperfield Books Limited")
    load(xero, contacts=[customer], invoices=[xero_invoice(customer)])

    sync(xero_connection)

    assert XeroContact.objects.get(xero_id=customer["ContactID"]).contact == existing


def test_two_likely_matches_wait_as_a_conflict_with_both_candidates(xero_connection, xero, team_a, team_b):
    first = OrganisationFactory(team=team_a, name="Smith & Co")
    second = OrganisationFactory(team=team_b, name="Smith and Co Ltd")
    customer = xero_contact("Smith & Co", phone="020 7946 0000")
    load(xero, contacts=[customer], invoices=[xero_invoice(customer)])

    finished = sync(xero_connection)

    conflict = MatchConflict.objects.get()
    assert {c["contact_id"] for c in conflict.candidates} == {first.pk, second.pk}
    assert finished.counts["conflicts"] == 1
    assert Contact.objects.count() == 2


def test_a_person_matched_on_name_alone_is_not_linked(xero_connection, xero, team_a):
    PersonFactory(team=team_a, first_name="Jordan", last_name="Lee")
    customer = xero_contact("Jordan Lee", first_name="Jordan", last_name="Lee")
    load(xero, contacts=[customer], invoices=[xero_invoice(customer)])

    sync(xero_connection)

    assert XeroContact.objects.get().link_state == XeroContact.LinkState.CONFLICT


def test_syncing_twice_creates_nothing_twice(xero_connection, xero):
    customers = [xero_contact(f"Customer {n}") for n in range(3)]
    load(xero, contacts=customers, invoices=[xero_invoice(c) for c in customers])
    sync(xero_connection)
    before = (Contact.objects.count(), Invoice.objects.count(), XeroContact.objects.count())

    second = sync(xero_connection)

    assert second.outcome == SyncRun.Outcome.SUCCEEDED
    assert (Contact.objects.count(), Invoice.objects.count(), XeroContact.objects.count()) == before


def test_invoices_are_attached_to_the_linked_contact(xero_connection, xero):
    customer = xero_contact("Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(customer), xero_invoice(customer, status="PAID")])

    sync(xero_connection)

    contact = Contact.objects.get(name="Bluebell Bakery")
    assert contact.invoices.count() == 2


def test_an_idle_incremental_sync_makes_at_most_three_calls(xero_connection, xero):
    customer = xero_contact("Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(customer)])
    sync(xero_connection)

    idle = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    assert idle.outcome == SyncRun.Outcome.SUCCEEDED
    assert idle.api_calls <= 3


def test_an_incremental_sync_picks_up_a_new_invoice(xero_connection, xero):
    customer = xero_contact("Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(customer)])
    sync(xero_connection)
    xero.sandbox.clock_advance(60)
    newcomer = xero_contact("Harbour Lights Hotel")
    load(xero, contacts=[newcomer], invoices=[xero_invoice(newcomer)])

    sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    assert Contact.objects.filter(name="Harbour Lights Hotel").exists()


def test_a_minute_rate_limit_is_waited_out_and_the_sync_completes(xero_connection, xero):
    customer = xero_contact("Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(customer)])
    xero.sandbox.fault(match="^/api/api.xro/2.0/Invoices", kind="429-minute", count=1, retry_after=7)
    sleeps = Sleeps()

    finished = sync(xero_connection, sleeps=sleeps)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED
    assert sleeps == [7]
    assert Contact.objects.filter(name="Bluebell Bakery").exists()


def test_the_daily_limit_stops_the_run_until_it_resets(xero_connection, xero):
    xero.sandbox.fault(match="^/api/api.xro/2.0/Invoices", kind="429-day", count=1, retry_after=3600)
    before = timezone.now()

    finished = sync(xero_connection)

    xero_connection.refresh_from_db()
    assert finished.outcome == SyncRun.Outcome.PARTIAL
    assert xero_connection.rate_limited_until >= before + timedelta(seconds=3600)
    assert not SyncCursor.objects.exists()


@pytest.mark.xero_contract_exempt("server errors are injected on purpose")
def test_server_errors_are_retried_with_backoff(xero_connection, xero):
    customer = xero_contact("Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(customer)])
    xero.sandbox.fault(match="^/api/api.xro/2.0/Invoices", kind="500", count=2)
    sleeps = Sleeps()

    finished = sync(xero_connection, sleeps=sleeps)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED
    assert len(sleeps) == 2
    assert sleeps[1] > sleeps[0]


@pytest.mark.xero_contract_exempt("server errors are injected on purpose")
def test_a_server_that_keeps_failing_leaves_the_run_partial_and_the_cursor_unmoved(xero_connection, xero):
    xero.sandbox.fault(match="^/api/api.xro/2.0/Invoices", kind="503", count=10)

    finished = sync(xero_connection)

    assert finished.outcome == SyncRun.Outcome.PARTIAL
    assert not SyncCursor.objects.exists()


def test_a_second_sync_while_one_runs_is_skipped_and_says_so(xero_connection, xero):
    run.sync_claim(connection_id=xero_connection.pk, now=timezone.now())

    skipped = sync(xero_connection)

    assert skipped.outcome == SyncRun.Outcome.SKIPPED
    assert "already running" in skipped.message


def test_a_claim_left_by_a_dead_worker_expires(xero_connection, xero):
    run.sync_claim(connection_id=xero_connection.pk, now=timezone.now() - run.claim_ttl() - timedelta(seconds=1))

    finished = sync(xero_connection)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED


def test_a_malformed_record_is_quarantined_and_the_rest_applied(xero_connection, xero):
    good, bad = xero_contact("Bluebell Bakery"), xero_contact("Broken Ltd")
    broken_invoice = xero_invoice(bad)
    broken_invoice["Contact"] = {"Name": "Broken Ltd"}  # valid JSON for Xero's spec, useless without an id
    load(xero, contacts=[good, bad], invoices=[xero_invoice(good), broken_invoice])

    finished = sync(xero_connection)

    error = SyncError.objects.get()
    assert finished.outcome == SyncRun.Outcome.PARTIAL
    assert (error.resource, error.record_id, error.payload["Contact"]) == (
        "Invoice", broken_invoice["InvoiceID"], {"Name": "Broken Ltd"})
    assert Contact.objects.filter(name="Bluebell Bakery").exists()


@pytest.mark.xero_contract_exempt("connection resets are injected on purpose")
def test_a_reset_connection_mid_read_is_retried_without_duplicates(xero_connection, xero):
    customers = [xero_contact(f"Customer {n}") for n in range(3)]
    load(xero, contacts=customers, invoices=[xero_invoice(c) for c in customers])
    xero.sandbox.fault(match="^/api/api.xro/2.0/Invoices", kind="reset", count=1)

    finished = sync(xero_connection)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED
    assert (Invoice.objects.count(), Contact.objects.count()) == (3, 3)


def test_an_archived_paying_contact_is_linked_when_it_matches_but_never_created(xero_connection, xero, team_a):
    existing = OrganisationFactory(team=team_a, name="Old Customer Ltd")
    matched = xero_contact("Old Customer Ltd", status="ARCHIVED")
    unmatched = xero_contact("Gone Ltd", status="ARCHIVED")
    load(xero, contacts=[matched, unmatched], invoices=[xero_invoice(matched, status="PAID"),
                                                       xero_invoice(unmatched, status="PAID")])

    sync(xero_connection)

    assert XeroContact.objects.get(xero_id=matched["ContactID"]).contact == existing
    assert not Contact.objects.filter(name="Gone Ltd").exists()


def test_the_sync_paces_itself_by_the_minute_allowance_instead_of_hitting_the_limit(xero_connection, xero):
    customer = xero_contact("Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(customer)])
    xero.sandbox.config(limits={"minute": 3})  # a full sync makes 4 calls (invoices, credit notes, contacts, quotes)
    xero.sandbox.clock_advance(61)  # a fresh minute: the wizard's calls are in the last one
    waits = WaitsThatPass(xero.sandbox)

    finished = sync(xero_connection, sleeps=waits)

    refused = [call for call in xero.sandbox.calls()["calls"] if call["status"] == 429]
    assert finished.outcome == SyncRun.Outcome.SUCCEEDED
    assert refused == []
    assert len(waits) == 1
    assert 55 <= waits[0] <= 60


class WaitsThatPass(Sleeps):
    """Waits that really pass, on the sandbox's clock (Xero's minute windows follow it)."""

    def __init__(self, sandbox) -> None:
        super().__init__()
        self.sandbox = sandbox

    def __call__(self, seconds: float) -> None:
        super().__call__(seconds)
        self.sandbox.clock_advance(seconds)
