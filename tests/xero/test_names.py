"""Xero's unique names and Capsync's ContactNumber: a clash never becomes a suffix, it reaches the conflict inbox;
archived Xero contacts stay linked but take no edits (issue 17, "Xero's rules")."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts import services as contact_services
from contacts.models import Contact
from integrations.xero import client
from integrations.xero.models import MatchConflict, XeroContact
from integrations.xero.sync import names
from integrations.xero.sync import push as push_sync
from tests.factories import OrganisationFactory
from tests.xero.push_data import (
    contact_writes,
    crm,
    edit,
    in_xero,
    in_xero_by_hand,
    last_call_id,
    rename_in_xero,
    xero_names,
)
from tests.xero.quote_data import form_data, submit
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived(xero, xero_connection) -> dict:
    """A contact archived in Xero, known to Capsync's copy but not brought in (no paying invoice)."""
    old = xero_contact(name="Old Customer Ltd", status="ARCHIVED")
    load(xero, contacts=[old])
    sync(xero_connection)
    return old


def test_a_rename_to_an_archived_contacts_name_opens_a_conflict_and_sends_nothing(
    admin_client, xero, xero_connection, bakery, archived, tasks_run_inline
):
    since = last_call_id(xero)

    tasks_run_inline(lambda: edit(admin_client, crm(bakery), name="old customer ltd"))

    conflict = MatchConflict.objects.get(kind=MatchConflict.Kind.NAME, status="open")
    assert (conflict.xero_contact.xero_id, conflict.contact, conflict.name) == (
        archived["ContactID"],
        crm(bakery),
        "old customer ltd",
    )
    assert contact_writes(xero, since_id=since) == []
    assert in_xero(xero, xero_connection, bakery)["Name"] == "Bluebell Bakery"
    link = XeroContact.objects.get(xero_id=bakery["ContactID"])
    assert link.push_state == XeroContact.PushState.FAILED
    assert "Old Customer Ltd (archived there)" in link.push_error


def test_the_sync_batch_holds_back_a_clashing_name_and_sends_the_rest(
    admin_client, xero, xero_connection, bakery, archived
):
    other = xero_contact(name="Corner Shop")
    load(xero, contacts=[other], invoices=[xero_invoice(contact=other)])
    sync(xero_connection)
    edit(admin_client, crm(bakery), name="Old Customer Ltd")
    edit(admin_client, crm(other), name="Corner Shop & Café")
    since = last_call_id(xero)

    sync(xero_connection)

    (write,) = contact_writes(xero, since_id=since)
    assert [element["Name"] for element in json.loads(write["request_body"])["Contacts"]] == ["Corner Shop & Café"]
    assert MatchConflict.objects.filter(kind="name", status="open", contact=crm(bakery)).count() == 1


def test_a_name_taken_in_xero_since_the_last_sync_reaches_the_inbox(
    admin_client, xero, xero_connection, bakery, tasks_run_inline
):
    made_by_hand = in_xero_by_hand(
        xero, xero_connection, "PUT", "Contacts", json={"Contacts": [{"Name": "Rival Bakers"}]}
    )["Contacts"][0]

    tasks_run_inline(lambda: edit(admin_client, crm(bakery), name="Rival Bakers"))

    conflict = MatchConflict.objects.get(kind=MatchConflict.Kind.NAME, status="open")
    assert conflict.xero_contact.xero_id == made_by_hand["ContactID"]
    assert [name for name in xero_names(xero, xero_connection) if name.startswith("Rival")] == ["Rival Bakers"]


def test_an_archived_xero_contact_stays_linked_counts_its_invoices_and_takes_no_edits(
    admin_client, xero, xero_connection, bakery, tasks_run_inline
):
    in_xero_by_hand(
        xero,
        xero_connection,
        "POST",
        f"Contacts/{bakery['ContactID']}",
        json={"Contacts": [{"ContactStatus": "ARCHIVED"}]},
    )
    sync(xero_connection)
    since = last_call_id(xero)

    tasks_run_inline(lambda: edit(admin_client, crm(bakery), name="Bluebell Bakehouse"))

    link = XeroContact.objects.get(xero_id=bakery["ContactID"])
    assert (link.link_state, link.status) == (XeroContact.LinkState.LINKED, "ARCHIVED")
    assert link.push_error == names.ARCHIVED_IN_XERO
    assert xero.sandbox.calls(since_id=since)["calls"] == []
    assert crm(bakery).invoices.count() == 1
    card = admin_client.get(reverse("xero:contact_status", args=[crm(bakery).pk]), headers={"HX-Request": "true"})
    assert "Archived in Xero" in card.text


def test_the_name_conflict_page_offers_link_rename_and_cancel(
    admin_client, xero, xero_connection, bakery, archived, tasks_run_inline
):
    tasks_run_inline(lambda: edit(admin_client, crm(bakery), name="Old Customer Ltd"))
    conflict = MatchConflict.objects.get(kind="name")

    page = admin_client.get(reverse("admin:xero_matchconflict_change", args=[conflict.pk]))

    assert page.status_code == 200
    for label in ("Link to the Xero contact", "Rename", "Cancel the change", "(archived)"):
        assert label in page.text


def resolve(client, conflict, action, **data):
    return client.post(reverse("admin:xero_matchconflict_resolve", args=[conflict.pk, action]), data)


def test_renaming_from_the_inbox_sends_the_new_name(
    admin_client, xero, xero_connection, bakery, archived, tasks_run_inline, mfa_admin
):
    tasks_run_inline(lambda: edit(admin_client, crm(bakery), name="Old Customer Ltd"))
    conflict = MatchConflict.objects.get(kind="name")

    tasks_run_inline(lambda: resolve(admin_client, conflict, "rename", name="Bluebell Bakehouse"))

    conflict.refresh_from_db()
    assert (conflict.status, conflict.resolution, conflict.resolved_by) == ("resolved", "renamed", mfa_admin)
    assert in_xero(xero, xero_connection, bakery)["Name"] == "Bluebell Bakehouse"
    assert XeroContact.objects.get(xero_id=bakery["ContactID"]).push_state == XeroContact.PushState.IN_SYNC


def test_renaming_to_another_taken_name_is_refused(
    admin_client, xero, xero_connection, bakery, archived, tasks_run_inline
):
    tasks_run_inline(lambda: edit(admin_client, crm(bakery), name="Old Customer Ltd"))
    conflict = MatchConflict.objects.get(kind="name")

    response = resolve(admin_client, conflict, "rename", name=" OLD CUSTOMER LTD ")

    assert any("Xero already has a contact named" in str(m) for m in response.wsgi_request._messages)
    conflict.refresh_from_db()
    assert conflict.status == "open"


def test_linking_from_the_inbox_links_the_contact_to_the_holder(
    admin_client, xero, xero_connection, bakery, archived, tasks_run_inline
):
    tasks_run_inline(lambda: edit(admin_client, crm(bakery), name="Old Customer Ltd"))
    contact = crm(bakery)
    conflict = MatchConflict.objects.get(kind="name")

    resolve(admin_client, conflict, "link")

    holder = XeroContact.objects.get(xero_id=archived["ContactID"])
    assert (holder.contact, holder.link_state) == (contact, XeroContact.LinkState.LINKED)
    assert XeroContact.objects.get(xero_id=bakery["ContactID"]).contact is None


def test_cancelling_gives_the_contact_back_its_xero_name(
    admin_client, xero, xero_connection, bakery, archived, tasks_run_inline
):
    tasks_run_inline(lambda: edit(admin_client, crm(bakery), name="Old Customer Ltd"))
    conflict = MatchConflict.objects.get(kind="name")

    tasks_run_inline(lambda: resolve(admin_client, conflict, "cancel"))

    assert crm(bakery).name == "Bluebell Bakery"
    assert MatchConflict.objects.get(pk=conflict.pk).resolution == "cancelled"
    assert XeroContact.objects.get(xero_id=bakery["ContactID"]).push_state == XeroContact.PushState.IN_SYNC


def test_a_contact_created_for_a_quote_carries_capsyncs_number(seller_client, opportunity, xero_connection, xero):
    submit(seller_client, opportunity, form_data(xero_connection))

    link = XeroContact.objects.get(connection=xero_connection, contact=opportunity.contact)
    assert link.contact_number == f"CAPSYNC-{opportunity.contact_id}"


def test_a_quote_for_a_name_held_by_an_archived_contact_goes_to_the_inbox(
    seller_client, opportunity, xero_connection, xero
):
    load(xero, contacts=[xero_contact(name="corner shop", status="ARCHIVED")])
    sync(xero_connection)

    submit(seller_client, opportunity, form_data(xero_connection))

    assert MatchConflict.objects.get(kind="name").contact == opportunity.contact
    assert xero_names(xero, xero_connection) == ["corner shop"]


def test_capsyncs_number_links_its_contact_back_whatever_the_name(xero, xero_connection):
    contact = OrganisationFactory(name="Bluebell Bakery", team=xero_connection.default_team)
    renamed = xero_contact(name="Bluebell Bakehouse (Bath)", email="new@bluebell.example")
    renamed["ContactNumber"] = f"CAPSYNC-{contact.pk}"
    OrganisationFactory(name="Bluebell Bakehouse (Bath)", team=xero_connection.default_team)
    load(xero, contacts=[renamed], invoices=[xero_invoice(contact=renamed)])

    sync(xero_connection)

    assert XeroContact.objects.get(xero_id=renamed["ContactID"]).contact == contact
    assert Contact.objects.count() == 2


def test_linking_to_a_holder_linked_to_another_contact_is_refused(admin_client, xero, xero_connection, bakery):
    shop = xero_contact(name="Corner Shop")
    load(xero, contacts=[shop], invoices=[xero_invoice(contact=shop)])
    sync(xero_connection)
    contact_services.contact_update(contact_id=crm(bakery).pk, name="Corner Shop", now=timezone.now())
    push_sync.contact_push(contact_id=crm(bakery).pk, clock=timezone.now, identity=client.identity_from_settings())
    conflict = MatchConflict.objects.get(kind="name")

    response = resolve(admin_client, conflict, "link")

    assert any("already linked to another Capsync contact" in str(m) for m in response.wsgi_request._messages)
    assert MatchConflict.objects.get(pk=conflict.pk).status == "open"
    assert XeroContact.objects.get(xero_id=shop["ContactID"]).contact == crm(shop)


def test_a_name_freed_in_xero_is_sent_on_retry_and_its_conflict_closes(
    admin_client, xero, xero_connection, bakery, tasks_run_inline
):
    acme = xero_contact(name="Acme Ltd")
    load(xero, contacts=[acme])
    sync(xero_connection)
    tasks_run_inline(lambda: edit(admin_client, crm(bakery), name="Acme Ltd"))
    conflict = MatchConflict.objects.get(kind="name")
    rename_in_xero(xero, xero_connection, acme, "Acme Holdings Ltd")

    tasks_run_inline(lambda: admin_client.post(reverse("xero:contact_push_retry", args=[crm(bakery).pk])))

    assert in_xero(xero, xero_connection, bakery)["Name"] == "Acme Ltd"
    conflict.refresh_from_db()
    assert (conflict.status, conflict.resolution) == ("resolved", "cleared")
