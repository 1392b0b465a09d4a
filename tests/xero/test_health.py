"""Sync health, on the dashboard and on its own page: runs, unreadable records with a retry, waiting contacts."""

import pytest
from django.urls import reverse

from integrations.xero.models import SyncError, SyncRun, XeroContact
from invoices.models import Invoice
from tests.factories import UserFactory
from tests.xero.sync_data import doubtful_match, load, sync
from tests.xero_records import xero_contact, xero_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken(xero, xero_connection) -> dict:
    """A first sync in which one invoice arrives without its contact's id, so it is quarantined."""
    customer = xero_contact(name="Bluebell Bakery")
    invoice = xero_invoice(contact=customer)
    load(xero, contacts=[customer], invoices=[{**invoice, "Contact": {"Name": "<b>Bluebell</b> Bakery"}}])
    sync(xero_connection)
    return {"customer": customer, "invoice": invoice}


def test_the_health_page_lists_runs_and_unreadable_records_with_their_payload(admin_client, broken):
    response = admin_client.get(reverse("xero:health"))

    assert response.status_code == 200
    runs = response.text.split('id="health-runs"')[1].split("</section>")[0]
    assert "Full reconcile" in runs
    assert "Partly done" in runs
    errors = response.text.split('id="health-errors"')[1].split("</section>")[0]
    assert broken["invoice"]["InvoiceID"] in errors
    assert "&lt;b&gt;Bluebell&lt;/b&gt; Bakery" in errors
    assert "<b>Bluebell</b>" not in response.text


def test_retrying_an_unreadable_record_fetches_it_again_and_clears_the_error(
    xero, admin_client, broken, tasks_run_inline
):
    error = SyncError.objects.get()
    xero.sandbox.clock_advance(5)
    load(xero, invoices=[broken["invoice"]])

    response = tasks_run_inline(lambda: admin_client.post(reverse("xero:errors_retry"), {"error": [error.pk]}))

    assert response.status_code == 302
    error.refresh_from_db()
    assert error.resolved_at is not None
    assert Invoice.objects.get(xero_id=broken["invoice"]["InvoiceID"]).contact.name == "Bluebell Bakery"
    assert SyncRun.objects.filter(kind=SyncRun.Kind.WEBHOOK, outcome=SyncRun.Outcome.SUCCEEDED).exists()
    assert "Every record Xero sent was read." in admin_client.get(reverse("xero:health")).text


def test_retrying_nothing_says_so(admin_client, broken):
    response = admin_client.post(reverse("xero:errors_retry"), {}, follow=True)

    assert "Nothing to fetch again" in response.text


def test_contacts_whose_edits_xero_refused_are_listed_with_the_reason(admin_client, xero, xero_connection):
    customer = xero_contact(name="Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    sync(xero_connection)
    XeroContact.objects.filter(xero_id=customer["ContactID"]).update(
        push_state=XeroContact.PushState.FAILED, push_error="The contact name must be unique."
    )

    response = admin_client.get(reverse("xero:health"))

    contacts = response.text.split('id="health-contacts"')[1]
    assert "Bluebell Bakery" in contacts
    assert "The contact name must be unique." in contacts


def test_only_admins_with_two_factor_see_sync_health(client, broken, member):
    client.force_login(member)

    page = client.get(reverse("xero:health"))
    retry = client.post(reverse("xero:errors_retry"), {"error": [SyncError.objects.get().pk]})

    assert (page.status_code, retry.status_code) == (403, 403)
    assert SyncError.objects.get().resolved_at is None


def test_the_dashboard_shows_each_organisations_sync_and_the_conflicts_waiting(admin_client, xero, xero_connection):
    doubtful_match(xero, xero_connection)

    response = admin_client.get(reverse("dashboard"))

    health = response.text.split('id="sync-health"')[1].split("</section>")[0]
    assert "Demo UK Ltd" in health
    assert "Last sync succeeded" in health
    conflicts = response.text.split('id="open-conflicts"')[1].split("</section>")[0]
    assert "1</span> Xero contact could match more than one contact here and waits for an admin" in conflicts
    assert reverse("admin:xero_matchconflict_changelist") in conflicts


def test_a_member_sees_the_sync_state_but_no_admin_links(client, member, broken):
    client.force_login(member)

    response = client.get(reverse("dashboard"))

    health = response.text.split('id="sync-health"')[1].split("</section>")[0]
    assert "1 record Xero sent could not be read" in health
    assert reverse("xero:health") not in response.text


def test_with_nothing_connected_the_dashboard_says_where_to_connect(client):
    admin = UserFactory(email="boss@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.get(reverse("dashboard"))

    health = response.text.split('id="sync-health"')[1].split("</section>")[0]
    assert "No Xero organisation is connected yet." in health
    assert reverse("xero:integrations") in health
