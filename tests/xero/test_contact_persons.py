"""A Xero contact's persons (ContactPersons) and the CRM people of its organisation, both ways (issue 17)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts import services as contact_services
from contacts.models import Contact
from integrations.xero.models import XeroContact
from tests.contacts.edit_form import edit_form
from tests.xero.push_data import crm, in_xero
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice

pytestmark = pytest.mark.django_db


def _person(first: str, email: str, *, include: bool = False) -> dict:
    return {"FirstName": first, "LastName": "Baker", "EmailAddress": email, "IncludeInEmails": include}


def _add_person(admin_client, organisation: Contact, first: str, email: str, *, gets_invoices: bool = True):
    return admin_client.post(
        reverse("contacts:create", args=["person"]),
        edit_form(
            first_name=first,
            last_name="Baker",
            emails=(email,),
            team=str(organisation.team_id),
            organisation=str(organisation.pk),
            **({"gets_invoices": "on"} if gets_invoices else {}),
            save_anyway="1",
        ),
    )


def test_a_person_who_gets_invoices_becomes_a_xero_contact_person_with_include_in_emails(
    admin_client, xero, xero_connection, bakery, tasks_run_inline
):
    organisation = crm(bakery)

    response = tasks_run_inline(lambda: _add_person(admin_client, organisation, "Rosa", "rosa@bluebell.example"))

    assert response.status_code == 302
    assert in_xero(xero, xero_connection, bakery)["ContactPersons"] == [
        {"FirstName": "Rosa", "LastName": "Baker", "EmailAddress": "rosa@bluebell.example", "IncludeInEmails": True}
    ]
    page = admin_client.get(reverse("contacts:detail", args=[organisation.pk])).content.decode()
    assert "Who gets the invoices and reminders" in page
    assert "rosa@bluebell.example" in page


def test_unticking_keeps_the_person_in_xero_without_invoice_emails(
    admin_client, xero, xero_connection, bakery, tasks_run_inline
):
    organisation = crm(bakery)
    tasks_run_inline(lambda: _add_person(admin_client, organisation, "Rosa", "rosa@bluebell.example"))
    rosa = Contact.objects.get(first_name="Rosa")

    tasks_run_inline(
        lambda: admin_client.post(
            reverse("contacts:edit", args=[rosa.pk]),
            edit_form(
                first_name="Rosa",
                last_name="Baker",
                emails=("rosa@bluebell.example",),
                organisation=str(organisation.pk),
                team=str(rosa.team_id),
            ),
        )
    )

    assert [
        (p["EmailAddress"], p["IncludeInEmails"]) for p in in_xero(xero, xero_connection, bakery)["ContactPersons"]
    ] == [("rosa@bluebell.example", False)]


def test_xeros_persons_come_in_as_people_of_the_organisation_unless_they_match_someone(xero, xero_connection):
    customer = xero_contact(
        name="Crumb & Co",
        email="accounts@crumb.example",
        ContactPersons=[
            _person("Ada", "ada@crumb.example", include=True),
            _person("Ben", "ben@crumb.example"),
            _person("Cleo", "CLEO@crumb.example", include=True),
        ],
    )
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    sync(xero_connection)
    organisation = crm(customer)
    cleo = contact_services.contact_create(
        kind=Contact.Kind.PERSON,
        first_name="Cleo",
        last_name="Baker",
        team_id=organisation.team_id,
        organisation_id=organisation.pk,
        emails=["cleo@crumb.example"],
    )

    sync(xero_connection)  # the first sync made the organisation; this one brings its persons in
    sync(xero_connection)  # and a second one brings no one twice

    people = {p.first_name: p for p in Contact.objects.filter(organisation=organisation)}
    assert sorted(people) == ["Ada", "Ben", "Cleo"]
    assert people["Cleo"].pk == cleo.pk
    assert (people["Ada"].gets_invoices, people["Ben"].gets_invoices) == (True, False)
    assert people["Ada"].primary_email == "ada@crumb.example"


def test_a_sixth_person_who_gets_invoices_is_refused_on_the_form(admin_client, xero, xero_connection, bakery):
    organisation = crm(bakery)
    for n in range(5):
        assert _add_person(admin_client, organisation, f"Payer{n}", f"p{n}@bluebell.example").status_code == 302

    response = _add_person(admin_client, organisation, "Payer5", "p5@bluebell.example")

    assert response.status_code == 200
    assert "5 people already get this organisation&#x27;s invoices, the most Xero takes for one contact" in (
        response.content.decode()
    )
    assert not Contact.objects.filter(first_name="Payer5").exists()


def test_the_sync_refuses_to_send_more_than_five_with_a_clear_message(xero, xero_connection, bakery):
    organisation = crm(bakery)
    for n in range(6):  # six marked, as an import or the admin site could leave them
        person = contact_services.contact_create(
            kind=Contact.Kind.PERSON,
            first_name=f"Payer{n}",
            team_id=organisation.team_id,
            organisation_id=organisation.pk,
            emails=[f"p{n}@bluebell.example"],
        )
        Contact.objects.filter(pk=person.pk).update(gets_invoices=True)
    Contact.objects.filter(pk=organisation.pk).update(updated_at=timezone.now())

    run = sync(xero_connection)

    link = XeroContact.objects.get(xero_id=bakery["ContactID"])
    assert link.push_state == XeroContact.PushState.FAILED
    assert "6 people of Bluebell Bakery get invoices, and Xero takes at most 5 contact persons" in link.push_error
    assert run.counts["contacts_push_refused"] == 1
    assert in_xero(xero, xero_connection, bakery)["ContactPersons"] == []


def test_a_person_who_gets_invoices_needs_an_email(admin_client, xero, xero_connection, bakery):
    organisation = crm(bakery)

    response = _add_person(admin_client, organisation, "Nomail", "")

    assert response.status_code == 200
    assert "Nomail Baker needs an email address to get invoices." in response.content.decode()
