from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from forecast.models import ForecastCard
from integrations.xero import schemas
from integrations.xero.models import MatchConflict, SyncRun, XeroContact
from integrations.xero.sync import invoices as invoice_sync
from invoices.models import Invoice
from tests.factories import EmailAddressFactory, OrganisationFactory, PersonFactory
from tests.xero.sync_data import load, sync
from tests.xero_records import decoded, xero_contact, xero_invoice

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "type_", "brought_in"),
    [
        ("AUTHORISED", "ACCREC", True),
        ("PAID", "ACCREC", True),
        ("DRAFT", "ACCREC", False),
        ("SUBMITTED", "ACCREC", False),
        ("VOIDED", "ACCREC", False),
        ("DELETED", "ACCREC", False),
        ("AUTHORISED", "ACCPAY", False),
    ],
)
def test_only_contacts_with_an_authorised_sales_invoice_are_brought_in(
    xero_connection, xero, status, type_, brought_in
):
    customer = xero_contact(name="Quayside Events LLP")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer, status=status, type_=type_)])

    finished = sync(xero_connection)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    assert Contact.objects.filter(name="Quayside Events LLP").exists() is brought_in


def test_a_new_paying_customer_is_created_in_the_default_team(xero_connection, xero):
    customer = xero_contact(name="Priya Shah", first_name="Priya", last_name="Shah", email="priya@shah.example")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])

    sync(xero_connection)

    created = Contact.objects.get(name="Priya Shah")
    assert (created.kind, created.team, created.primary_email) == (
        "person",
        xero_connection.default_team,
        "priya@shah.example",
    )
    assert XeroContact.objects.get(xero_id=customer["ContactID"]).contact == created


def test_the_same_email_links_an_existing_contact_without_copying_xero_details(xero_connection, xero, team_a):
    existing = EmailAddressFactory(
        contact__team=team_a, contact__name="Greenleaf Gardens", address="accounts@greenleaf.example"
    ).contact
    customer = xero_contact(name="Greenleaf Gardens (Billing)", email="ACCOUNTS@greenleaf.example")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])

    sync(xero_connection)

    existing.refresh_from_db()
    assert XeroContact.objects.get(xero_id=customer["ContactID"]).contact == existing
    assert existing.name == "Greenleaf Gardens"
    assert Contact.objects.count() == 1


def test_a_normalised_name_links_an_organisation(xero_connection, xero, team_a):
    existing = OrganisationFactory(team=team_a, name="Copperfield Books Ltd")
    customer = xero_contact(name="Copperfield Books Limited")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])

    sync(xero_connection)

    assert XeroContact.objects.get(xero_id=customer["ContactID"]).contact == existing


def test_two_likely_matches_wait_as_a_conflict_with_both_candidates(xero_connection, xero, team_a, team_b):
    first = OrganisationFactory(team=team_a, name="Smith & Co")
    second = OrganisationFactory(team=team_b, name="Smith and Co Ltd")
    customer = xero_contact(name="Smith & Co", phone="020 7946 0000")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])

    finished = sync(xero_connection)

    conflict = MatchConflict.objects.get()
    assert {c["contact_id"] for c in conflict.candidates} == {first.pk, second.pk}
    assert finished.counts["conflicts"] == 1
    assert Contact.objects.count() == 2


def test_a_person_matched_on_name_alone_is_not_linked(xero_connection, xero, team_a):
    PersonFactory(team=team_a, first_name="Jordan", last_name="Lee")
    customer = xero_contact(name="Jordan Lee", first_name="Jordan", last_name="Lee")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])

    sync(xero_connection)

    assert XeroContact.objects.get().link_state == XeroContact.LinkState.CONFLICT


def test_syncing_twice_creates_nothing_twice(xero_connection, xero):
    customers = [xero_contact(name=f"Customer {n}") for n in range(3)]
    load(xero, contacts=customers, invoices=[xero_invoice(contact=c) for c in customers])
    sync(xero_connection)
    before = (Contact.objects.count(), Invoice.objects.count(), XeroContact.objects.count())

    second = sync(xero_connection)

    assert second.outcome == SyncRun.Outcome.SUCCEEDED
    assert (Contact.objects.count(), Invoice.objects.count(), XeroContact.objects.count()) == before


def test_invoices_are_attached_to_the_linked_contact(xero_connection, xero):
    customer = xero_contact(name="Bluebell Bakery")
    load(
        xero,
        contacts=[customer],
        invoices=[xero_invoice(contact=customer), xero_invoice(contact=customer, status="PAID")],
    )

    sync(xero_connection)

    contact = Contact.objects.get(name="Bluebell Bakery")
    assert contact.invoices.count() == 2


def test_an_idle_incremental_sync_makes_at_most_four_calls(xero_connection, xero):
    """Invoices, credit notes and contacts changed since the last run, and the items (sync/catalogue.py)."""
    customer = xero_contact(name="Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    sync(xero_connection)

    idle = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    assert idle.outcome == SyncRun.Outcome.SUCCEEDED
    assert idle.api_calls <= 4


def test_an_incremental_sync_picks_up_a_new_invoice(xero_connection, xero):
    customer = xero_contact(name="Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    sync(xero_connection)
    xero.sandbox.clock_advance(60)
    newcomer = xero_contact(name="Harbour Lights Hotel")
    load(xero, contacts=[newcomer], invoices=[xero_invoice(contact=newcomer)])

    sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    assert Contact.objects.filter(name="Harbour Lights Hotel").exists()


def test_a_full_sync_stores_invoices_attached_to_their_contacts_and_relinks_none(xero_connection, xero, team_a):
    """The contacts are read first and each invoice page's paying contacts linked before the page is stored."""
    existing = OrganisationFactory(team=team_a, name="Copperfield Books Ltd")
    known, new = xero_contact(name="Copperfield Books Limited"), xero_contact(name="Bluebell Bakery")
    load(xero, contacts=[known, new], invoices=[xero_invoice(contact=known), xero_invoice(contact=new)])

    finished = sync(xero_connection)

    assert finished.counts.get("invoices_relinked", 0) == 0
    assert Invoice.objects.get(xero_contact_id=known["ContactID"]).contact == existing
    assert Invoice.objects.get(xero_contact_id=new["ContactID"]).contact.name == "Bluebell Bakery"


def test_a_page_is_stored_attached_to_contacts_whose_xero_ids_need_quoting(xero_connection, team_a):
    """The page's Xero contact ids reach PostgreSQL as one array text (sync/invoices.py): ids holding its quote,
    backslash, comma and braces still find their links."""
    odd_ids = ['quote"d', "back\\slash", "com,ma", "{braced}", "NULL"]
    crm = {}
    for xero_id in odd_ids:
        crm[xero_id] = OrganisationFactory(team=team_a, name=f"Customer {xero_id}")
        XeroContact.objects.create(
            connection=xero_connection,
            xero_id=xero_id,
            name=f"Customer {xero_id}",
            contact=crm[xero_id],
            xero_updated_at=timezone.now(),
        )
    invoices = [
        schemas.invoice(decoded(xero_invoice(contact={"ContactID": xero_id}, updated=timezone.now())))
        for xero_id in odd_ids
    ]

    invoice_sync.invoices_apply(connection_id=xero_connection.pk, invoices=invoices, now=timezone.now())

    attached = dict(Invoice.objects.values_list("xero_contact_id", "contact_id"))
    assert attached == {xero_id: crm[xero_id].pk for xero_id in odd_ids}


def test_the_first_sync_shows_its_invoices_in_the_dashboards_forecast_at_once(xero_connection, xero, seller_client):
    """The forecast card keeps its figures for ten minutes; those from before the organisation's invoices came in
    would say nothing is coming in, beside receivables that show them. A later sync leaves the kept card alone."""
    customer = xero_contact(name="Bluebell Bakery")
    due = timezone.localdate() + timedelta(days=7)
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer, total="321.00", due=due)])
    before = seller_client.get(reverse("dashboard")).text

    sync(xero_connection)
    after = seller_client.get(reverse("dashboard")).text
    kept = ForecastCard.objects.get()
    sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    assert "No cash is expected in the next 13 weeks." in before
    assert "GBP 321.00 in 13 weeks" in after
    assert ForecastCard.objects.get().computed_at == kept.computed_at
