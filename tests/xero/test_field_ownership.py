"""Who owns each field group of a linked contact, per organisation (issue 17): the owner's value wins, the other
side's edit is never lost without a record (the contact's history, sync health)."""

import re

import pytest
from django.urls import reverse

from activity.models import Note
from integrations.xero.models import XeroConnection
from tests.contacts.edit_form import edit_form
from tests.xero.push_data import crm, edit, in_xero, in_xero_by_hand
from tests.xero.sync_data import sync

pytestmark = pytest.mark.django_db


def _owners(admin_client, connection: XeroConnection, **owners: str) -> None:
    response = admin_client.post(
        reverse("xero:options", args=[connection.pk]),
        {
            "suppliers": "ignore",
            "default_team": connection.default_team_id,
            "sync_interval_seconds": 7200,
            "push_crm_edits": "on",
            **{f"owner_{group}": owner for group, owner in owners.items()},
        },
    )
    assert response.status_code == 302, response.content.decode()
    connection.refresh_from_db()


def _email_in_xero(xero, connection, customer: dict, email: str) -> None:
    in_xero_by_hand(
        xero, connection, "POST", f"Contacts/{customer['ContactID']}", json={"Contacts": [{"EmailAddress": email}]}
    )


def _history(contact) -> list[str]:
    return list(Note.objects.filter(contact=contact, author__isnull=True).values_list("body", flat=True))


def test_by_default_capsync_owns_everything_and_a_xero_edit_stays_in_xero(admin_client, xero, xero_connection, bakery):
    _email_in_xero(xero, xero_connection, bakery, "xero@bluebell.example")

    sync(xero_connection)

    assert crm(bakery).primary_email == "orders@bluebell.example"
    assert in_xero(xero, xero_connection, bakery)["EmailAddress"] == "xero@bluebell.example"
    assert _history(crm(bakery)) == []


def test_a_field_xero_owns_comes_from_xero_and_is_read_only_here(admin_client, xero, xero_connection, bakery):
    _owners(admin_client, xero_connection, email="xero")
    _email_in_xero(xero, xero_connection, bakery, "xero@bluebell.example")

    sync(xero_connection)
    form = admin_client.get(reverse("contacts:edit", args=[crm(bakery).pk])).content.decode()
    edit(admin_client, crm(bakery), name="Bluebell Bakery", emails=("typed@bluebell.example",))

    assert crm(bakery).primary_email == "xero@bluebell.example"
    assert "Managed in Xero (" in form
    assert re.search(r'<input[^>]*name="emails-0-address"[^>]*disabled', form)


def test_when_both_change_a_field_capsync_owns_capsyncs_value_wins_and_xeros_is_recorded(
    admin_client, xero, xero_connection, bakery, tasks_run_inline
):
    _email_in_xero(xero, xero_connection, bakery, "xero@bluebell.example")

    tasks_run_inline(lambda: edit(admin_client, crm(bakery), name="Bluebell Bakery", emails=("crm@bluebell.example",)))

    assert in_xero(xero, xero_connection, bakery)["EmailAddress"] == "crm@bluebell.example"
    (note,) = _history(crm(bakery))
    assert "Capsync's value was sent to Xero: crm@bluebell.example" in note
    assert "Xero's value was: xero@bluebell.example" in note


def test_when_both_change_a_field_xero_owns_xeros_value_wins_and_capsyncs_is_recorded(
    admin_client, xero, xero_connection, bakery
):
    contact = crm(bakery)
    edit(admin_client, contact, name="Bluebell Bakery", emails=("crm@bluebell.example",))  # before Xero owns it
    _owners(admin_client, xero_connection, email="xero")
    _email_in_xero(xero, xero_connection, bakery, "xero@bluebell.example")

    run = sync(xero_connection)

    assert crm(bakery).primary_email == "xero@bluebell.example"
    assert in_xero(xero, xero_connection, bakery)["EmailAddress"] == "xero@bluebell.example"
    (note,) = _history(contact)
    assert "Xero's value was taken: xero@bluebell.example" in note
    assert "The value here was: crm@bluebell.example" in note
    assert run.counts["field_clashes"] == 1


def test_only_the_groups_capsync_changed_are_sent(admin_client, xero, xero_connection, bakery, tasks_run_inline):
    in_xero_by_hand(
        xero,
        xero_connection,
        "POST",
        f"Contacts/{bakery['ContactID']}",
        json={"Contacts": [{"Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "01225 000111"}]}]},
    )

    tasks_run_inline(
        lambda: edit(admin_client, crm(bakery), name="Bluebell Bakehouse", emails=("orders@bluebell.example",))
    )

    copy = in_xero(xero, xero_connection, bakery)
    assert copy["Name"] == "Bluebell Bakehouse"
    assert next(p for p in copy["Phones"] if p["PhoneType"] == "DEFAULT")["PhoneNumber"] == "01225 000111"


def test_tax_and_account_numbers_are_xeros_and_shown_on_the_contact(admin_client, xero, xero_connection, bakery):
    in_xero_by_hand(
        xero,
        xero_connection,
        "POST",
        f"Contacts/{bakery['ContactID']}",
        json={"Contacts": [{"TaxNumber": "GB123456789", "AccountNumber": "BLUE-01"}]},
    )

    sync(xero_connection)
    panel = admin_client.get(reverse("xero:contact_status", args=[crm(bakery).pk])).content.decode()

    assert re.search(r"Tax number\s+GB123456789 · Account number\s+BLUE-01 \(from Xero\)", panel)


def test_the_options_page_offers_each_group_and_keeps_the_pick(admin_client, xero, xero_connection):
    _owners(admin_client, xero_connection, phones="xero", payment_terms="xero")

    page = admin_client.get(reverse("xero:options", args=[xero_connection.pk])).content.decode()

    assert xero_connection.field_owners == {"phones": "xero", "payment_terms": "xero"}
    assert "Who wins each field of a linked contact" in page
    for label in ("Name", "Email", "Phones", "Postal and street addresses", "Contact persons", "Payment terms"):
        assert label in page


def test_payment_terms_capsync_owns_are_sent(admin_client, xero, xero_connection, bakery, tasks_run_inline):
    contact = crm(bakery)

    tasks_run_inline(
        lambda: admin_client.post(
            reverse("contacts:edit", args=[contact.pk]),
            edit_form(
                name="Bluebell Bakery",
                emails=("orders@bluebell.example",),
                payment_terms_day="30",
                payment_terms_type="DAYSAFTERBILLDATE",
            ),
        )
    )

    assert in_xero(xero, xero_connection, bakery)["PaymentTerms"]["Sales"] == {"Day": 30, "Type": "DAYSAFTERBILLDATE"}
