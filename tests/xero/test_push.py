"""CRM edits of linked contacts reach Xero (the sandbox): after each edit, and in batches during each sync."""

import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from contacts import services as contact_services
from contacts.models import Contact
from integrations.xero.models import SyncRun, XeroConnection, XeroContact
from tests.factories import OrganisationFactory
from tests.xero.push_data import (
    ACCOUNTING,
    contact_writes,
    crm,
    edit,
    in_xero,
    last_call_id,
    rename_in_xero,
)
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice

pytestmark = pytest.mark.django_db

LATER = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def test_editing_a_linked_contact_changes_it_in_xero(admin_client, xero, xero_connection, bakery, tasks_run_inline):
    contact = crm(bakery)

    tasks_run_inline(
        lambda: edit(
            admin_client,
            contact,
            name="Bluebell Bakehouse",
            emails=("hello@bluebell.example",),
            phones=(("07700 900123", "mobile"),),
            street="1 High Street",
            city="Bath",
            postcode="BA1 1AA",
        )
    )

    copy = in_xero(xero, xero_connection, bakery)
    assert (copy["Name"], copy["EmailAddress"]) == ("Bluebell Bakehouse", "hello@bluebell.example")
    assert {"PhoneType": "MOBILE", "PhoneNumber": "07700 900123"}.items() <= next(
        phone for phone in copy["Phones"] if phone["PhoneType"] == "MOBILE"
    ).items()
    assert next(a for a in copy["Addresses"] if a["AddressType"] == "STREET")["PostalCode"] == "BA1 1AA"
    link = XeroContact.objects.get(xero_id=bakery["ContactID"])
    assert (link.push_state, link.pushed_at, link.push_error) == (
        "in_sync",
        Contact.objects.get(pk=contact.pk).updated_at,
        "",
    )


def test_one_edit_is_one_read_and_one_write_to_xero(admin_client, xero, xero_connection, bakery, tasks_run_inline):
    since = last_call_id(xero)

    tasks_run_inline(lambda: edit(admin_client, crm(bakery), name="Bluebell Bakehouse"))

    # The read tells an edit made in Xero since the last sync, so it is never overwritten without a record.
    assert [(call["method"], call["path"]) for call in xero.sandbox.calls(since_id=since)["calls"]] == [
        ("GET", f"{ACCOUNTING}/Contacts"),
        ("POST", f"{ACCOUNTING}/Contacts/{bakery['ContactID']}"),
    ]


def test_a_person_is_sent_with_first_and_last_name(admin_client, xero, xero_connection, tasks_run_inline):
    customer = xero_contact(name="Priya Shah", first_name="Priya", last_name="Shah")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    sync(xero_connection)

    tasks_run_inline(lambda: edit(admin_client, crm(customer), first_name="Priya", last_name="Shah-Patel"))

    copy = in_xero(xero, xero_connection, customer)
    assert (copy["Name"], copy["FirstName"], copy["LastName"]) == ("Priya Shah-Patel", "Priya", "Shah-Patel")


def test_the_contact_page_loads_its_xero_panel(admin_client, xero_connection, bakery):
    contact = crm(bakery)

    response = admin_client.get(reverse("contacts:detail", args=[contact.pk]))

    assert f'hx-get="{reverse("xero:contact_push", args=[contact.pk])}"' in response.text


def test_fixing_the_name_in_the_crm_sends_it_and_clears_the_reason(
    admin_client, xero, xero_connection, bakery, tasks_run_inline
):
    load(xero, contacts=[xero_contact(name="Acme Ltd")])
    contact = crm(bakery)
    tasks_run_inline(lambda: edit(admin_client, contact, name="Acme Ltd"))

    tasks_run_inline(lambda: edit(admin_client, contact, name="Acme Bakery Ltd"))

    assert in_xero(xero, xero_connection, bakery)["Name"] == "Acme Bakery Ltd"
    assert XeroContact.objects.get(xero_id=bakery["ContactID"]).push_error == ""


def test_with_push_off_nothing_is_sent(admin_client, xero, xero_connection, bakery, tasks_run_inline):
    XeroConnection.objects.filter(pk=xero_connection.pk).update(push_crm_edits=False)
    since = last_call_id(xero)

    tasks_run_inline(lambda: edit(admin_client, crm(bakery), name="Bluebell Bakehouse"))
    sync(xero_connection)

    assert contact_writes(xero, since_id=since) == []
    assert in_xero(xero, xero_connection, bakery)["Name"] == "Bluebell Bakery"


def test_xeros_later_change_of_the_name_does_not_overwrite_the_crm(
    admin_client, xero, xero_connection, bakery, tasks_run_inline
):
    contact = crm(bakery)
    tasks_run_inline(lambda: edit(admin_client, contact, name="Bluebell Bakehouse"))
    rename_in_xero(xero, xero_connection, bakery, "Bluebell Bakery & Cafe")

    finished = sync(xero_connection)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    assert Contact.objects.get(pk=contact.pk).name == "Bluebell Bakehouse"
    assert XeroContact.objects.get(xero_id=bakery["ContactID"]).name == "Bluebell Bakery & Cafe"


def test_reading_back_our_own_change_leaves_the_crm_and_sends_nothing_more(
    admin_client, xero, xero_connection, bakery, tasks_run_inline
):
    contact = crm(bakery)
    tasks_run_inline(lambda: edit(admin_client, contact, name="Bluebell Bakehouse"))
    since = last_call_id(xero)

    finished = sync(xero_connection)

    assert finished.counts.get("contacts_pushed", 0) == 0
    assert contact_writes(xero, since_id=since) == []
    assert Contact.objects.get(pk=contact.pk).name == "Bluebell Bakehouse"


def test_edits_missed_by_the_signal_are_sent_by_the_next_sync_in_one_batched_call(xero, xero_connection):
    customers = [xero_contact(name=f"Customer {n}") for n in range(3)]
    load(xero, contacts=customers, invoices=[xero_invoice(contact=customer) for customer in customers])
    sync(xero_connection)
    for n, customer in enumerate(customers[:2]):  # no commit in this test, so the edits' tasks never run
        contact_services.contact_update(contact_id=crm(customer).pk, name=f"Renamed {n}", now=LATER)
    since = last_call_id(xero)

    finished = sync(xero_connection)

    writes = contact_writes(xero, since_id=since)
    assert [(call["path"], call["query"]) for call in writes] == [(f"{ACCOUNTING}/Contacts", "summarizeErrors=false")]
    assert sorted(element["Name"] for element in json.loads(writes[0]["request_body"])["Contacts"]) == [
        "Renamed 0",
        "Renamed 1",
    ]
    assert [in_xero(xero, xero_connection, customer)["Name"] for customer in customers] == [
        "Renamed 0",
        "Renamed 1",
        "Customer 2",
    ]
    assert finished.counts["contacts_pushed"] == 2


def test_one_refused_contact_in_a_batch_does_not_stop_the_others(xero, xero_connection):
    customers = [xero_contact(name="Bluebell Bakery"), xero_contact(name="Copperfield Books")]
    load(
        xero,
        contacts=[*customers, xero_contact(name="Acme Ltd")],
        invoices=[xero_invoice(contact=customer) for customer in customers],
    )
    sync(xero_connection)
    for customer, name in zip(customers, ["Acme Ltd", "Copperfield Books & Maps"], strict=True):
        contact_services.contact_update(contact_id=crm(customer).pk, name=name, now=LATER)

    finished = sync(xero_connection)

    refused, accepted = (XeroContact.objects.get(xero_id=customer["ContactID"]) for customer in customers)
    assert (refused.push_state, accepted.push_state) == ("failed", "in_sync")
    assert "Xero already has a contact named Acme Ltd" in refused.push_error  # checked before sending
    assert in_xero(xero, xero_connection, customers[1])["Name"] == "Copperfield Books & Maps"
    assert (finished.outcome, finished.counts["contacts_push_refused"]) == (SyncRun.Outcome.SUCCEEDED, 1)


def test_linking_alone_sends_nothing_to_xero(xero, xero_connection, team_a):
    OrganisationFactory(team=team_a, name="Copperfield Books Ltd")
    customer = xero_contact(name="Copperfield Books Limited")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    since = last_call_id(xero)

    sync(xero_connection)
    sync(xero_connection)

    assert contact_writes(xero, since_id=since) == []
    assert in_xero(xero, xero_connection, customer)["Name"] == "Copperfield Books Limited"


def test_a_minute_rate_limit_is_retried_by_the_task(admin_client, xero, xero_connection, bakery, tasks_run_inline):
    xero.sandbox.fault(match=f"^{ACCOUNTING}/Contacts/", method="POST", kind="429-minute", retry_after=3, count=1)
    since = last_call_id(xero)

    tasks_run_inline(lambda: edit(admin_client, crm(bakery), name="Bluebell Bakehouse"))

    assert [call["status"] for call in contact_writes(xero, since_id=since)] == [429, 200]
    assert in_xero(xero, xero_connection, bakery)["Name"] == "Bluebell Bakehouse"
