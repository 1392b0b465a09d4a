import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from contacts.models import Contact
from integrations.xero.models import MatchConflict, SyncError, XeroContact
from invoices.models import Invoice
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice

pytestmark = pytest.mark.django_db


def resolve(client, conflict, action, **data):
    return client.post(reverse("admin:xero_matchconflict_resolve", args=[conflict.pk, action]), data)


def test_the_conflict_page_shows_the_evidence_side_by_side(admin_client, match_conflict):
    page = admin_client.get(reverse("admin:xero_matchconflict_change", args=[match_conflict.pk]))

    assert page.status_code == 200
    assert page.text.count("Link to this one") == 2
    assert "020 7946 0000" in page.text
    assert "same name" in page.text


def test_linking_to_a_candidate_links_it_attaches_invoices_and_is_audited(admin_client, match_conflict, mfa_admin):
    chosen = Contact.objects.get(name="Smith and Co Ltd")

    resolve(admin_client, match_conflict, "link", contact_id=chosen.pk)

    match_conflict.refresh_from_db()
    assert (match_conflict.status, match_conflict.resolution, match_conflict.resolved_by) == (
        "resolved",
        "linked",
        mfa_admin,
    )
    assert XeroContact.objects.get().contact == chosen
    assert chosen.invoices.count() == 1
    assert LogEntry.objects.filter(object_id=str(match_conflict.pk)).exists()


def test_creating_a_new_contact_resolves_it(admin_client, match_conflict, xero_connection):
    resolve(admin_client, match_conflict, "create")

    created = XeroContact.objects.get().contact
    assert created.team == xero_connection.default_team
    assert Contact.objects.filter(name="Smith & Co").count() == 2


def test_an_ignored_xero_contact_is_not_asked_about_again(admin_client, match_conflict, xero_connection):
    resolve(admin_client, match_conflict, "ignore")

    sync(xero_connection)

    assert XeroContact.objects.get().link_state == XeroContact.LinkState.IGNORED
    assert MatchConflict.objects.filter(status="open").count() == 0


def test_resolving_twice_says_it_is_already_resolved(admin_client, match_conflict):
    resolve(admin_client, match_conflict, "ignore")

    response = resolve(admin_client, match_conflict, "create")

    assert any("already resolved" in str(message) for message in response.wsgi_request._messages)
    assert XeroContact.objects.get().link_state == XeroContact.LinkState.IGNORED


def test_a_quarantined_record_fixed_in_xero_is_fetched_again_from_the_admin(
    admin_client, xero_connection, xero, tasks_run_inline
):
    customer = xero_contact(name="Bluebell Bakery")
    broken = xero_invoice(contact=customer)
    load(xero, contacts=[customer], invoices=[{**broken, "Contact": {"Name": "Bluebell Bakery"}}])
    sync(xero_connection)
    error = SyncError.objects.get()
    xero.sandbox.clock_advance(5)
    load(xero, invoices=[broken])

    tasks_run_inline(
        lambda: admin_client.post(
            reverse("admin:xero_syncerror_changelist"), {"action": "fetch_again", "_selected_action": [error.pk]}
        )
    )

    error.refresh_from_db()
    assert error.resolved_at is not None
    assert Invoice.objects.get(xero_id=broken["InvoiceID"]).contact.name == "Bluebell Bakery"
