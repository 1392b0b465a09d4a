"""New CRM contacts are created in batches by the sync, yet each paying Xero contact is matched once, against every
CRM contact including those created before it in the same run (integrations/xero/sync/contacts.py)."""

import pytest

from contacts import batch as contact_batch
from contacts.models import Address, Contact, EmailAddress, PhoneNumber
from integrations.xero.models import MatchConflict, SyncRun, XeroContact
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of two, so a handful of contacts crosses several batch boundaries."""
    monkeypatch.setattr(contact_batch, "CREATE_BATCH_SIZE", 2)


def _customers(xero):
    customers = [
        xero_contact(name="Acme Ltd", email="accounts@acme.example", phone="020 7946 0001"),
        # Same email as Acme Ltd, which this run creates just before it: doubtful, so an admin decides.
        xero_contact(name="Acme Supplies", email="accounts@acme.example"),
        xero_contact(name="Birch Interiors", email="hello@birch.example"),
        xero_contact(name="Cedar Builders"),
        xero_contact(name="Delta Foods", phone="0161 496 0000"),
        xero_contact(name="Elm Partners"),
        # The same organisation name as Elm Partners (legal suffix aside), in the same batch of two.
        xero_contact(name="Elm Partners Limited"),
    ]
    customers[0]["Addresses"] = [
        {
            "AddressType": "STREET",
            "AddressLine1": "1 Quay St",
            "City": "Bristol",
            "PostalCode": "BS1 4DJ",
            "Country": "UK",
        }
    ]
    load(xero, contacts=customers, invoices=[xero_invoice(contact=customer) for customer in customers])
    return customers


def test_a_contact_created_earlier_in_the_run_makes_a_later_look_alike_one_conflict(
    xero_connection, xero, small_batches
):
    customers = _customers(xero)

    finished = sync(xero_connection)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    assert sorted(Contact.objects.values_list("name", flat=True)) == [
        "Acme Ltd",
        "Birch Interiors",
        "Cedar Builders",
        "Delta Foods",
        "Elm Partners",
    ]
    assert (finished.counts["contacts_created"], finished.counts["conflicts"]) == (5, 2)
    conflicts = {
        c.xero_contact.name: [candidate["contact_id"] for candidate in c.candidates]
        for c in MatchConflict.objects.select_related("xero_contact")
    }
    assert conflicts == {
        "Acme Supplies": [Contact.objects.get(name="Acme Ltd").pk],
        "Elm Partners Limited": [Contact.objects.get(name="Elm Partners").pk],
    }
    linked = XeroContact.objects.get(xero_id=customers[0]["ContactID"])
    assert (linked.link_state, linked.contact.name, linked.push_state) == (
        XeroContact.LinkState.LINKED,
        "Acme Ltd",
        XeroContact.PushState.IN_SYNC,
    )
    assert linked.pushed_at == linked.contact.updated_at


def test_batched_contacts_get_their_emails_phones_and_addresses(xero_connection, xero, small_batches):
    _customers(xero)

    sync(xero_connection)

    acme = Contact.objects.get(name="Acme Ltd")
    assert list(EmailAddress.objects.filter(contact=acme).values_list("address", flat=True)) == [
        "accounts@acme.example"
    ]
    assert list(PhoneNumber.objects.filter(contact=acme).values_list("number", flat=True)) == ["020 7946 0001"]
    assert list(Address.objects.filter(contact=acme).values_list("street", "city", "postcode")) == [
        ("1 Quay St", "Bristol", "BS1 4DJ")
    ]
    assert set(Contact.objects.values_list("team_id", flat=True)) == {xero_connection.default_team_id}
    assert all(contact.invoices.count() == 1 for contact in Contact.objects.all())


def test_syncing_again_creates_no_duplicate_and_no_second_conflict(xero_connection, xero, small_batches):
    _customers(xero)
    sync(xero_connection)
    before = (Contact.objects.count(), EmailAddress.objects.count(), MatchConflict.objects.count())

    again = sync(xero_connection)

    assert again.outcome == SyncRun.Outcome.SUCCEEDED, again.message
    assert (Contact.objects.count(), EmailAddress.objects.count(), MatchConflict.objects.count()) == before
    assert again.counts.get("contacts_created", 0) == 0


def test_contacts_create_stores_each_contact_with_its_details_in_order(team_a):
    created = contact_batch.contacts_create(
        contacts=[
            contact_batch.NewContact(
                kind="organisation",
                name="  Oak & Co  ",
                team_id=team_a.pk,
                emails=("a@oak.example", "A@Oak.example ", ""),
                phones=("01", ""),
                tags=("Supplier", "supplier "),
            ),
            contact_batch.NewContact(kind="person", name="", first_name="Ann", team_id=team_a.pk, tags=("Supplier",)),
        ]
    )

    assert [contact.name for contact in created] == ["Oak & Co", "Ann"]
    assert [list(contact.emails.values_list("address", flat=True)) for contact in created] == [["a@oak.example"], []]
    assert [list(contact.tags.values_list("name", flat=True)) for contact in created] == [["Supplier"], ["Supplier"]]
    assert created[1].first_name == "Ann"
