"""Archiving rather than deleting: archived contacts leave lists and pickers, keep their page, and Xero is left
alone (issue 15)."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from contacts import services
from contacts.models import Contact
from integrations.xero.models import XeroContact
from tests.factories import OpportunityFactory, OrganisationFactory, PersonFactory
from tests.xero.push_data import crm, in_xero, last_call_id
from tests.xero.sync_data import sync

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 1, 4, 9, 30, tzinfo=UTC)


def archive(client, contact):
    return client.post(reverse("contacts:archive", args=[contact.pk]))


def test_the_contact_page_offers_archive_and_says_xero_is_left_alone(member_client, team_a):
    contact = OrganisationFactory(team=team_a)

    response = member_client.get(reverse("contacts:detail", args=[contact.pk]))

    assert f'action="{reverse("contacts:archive", args=[contact.pk])}"' in response.text
    assert "changes nothing in Xero" in response.text


def test_an_archived_contact_leaves_the_list_and_keeps_its_page_and_opportunities(member_client, team_a):
    contact = OrganisationFactory(team=team_a, name="Bluebell Bakery")
    OpportunityFactory(contact=contact, name="Ovens")

    response = archive(member_client, contact)

    assert response.status_code == 302
    assert Contact.objects.get(pk=contact.pk).is_archived
    listed = member_client.get(reverse("contacts:list"))
    assert list(listed.context["page"].object_list) == []
    page = member_client.get(reverse("contacts:detail", args=[contact.pk]))
    assert page.status_code == 200
    assert "Archived on" in page.text
    assert "Ovens" in page.text
    assert "Bluebell Bakery" in member_client.get(reverse("contacts:list") + "?archived=on").text


def test_an_archived_contact_leaves_the_pickers(member_client, team_a):
    contact = OrganisationFactory(team=team_a, name="Bluebell Bakery")
    archive(member_client, contact)

    member_client.get(reverse("contacts:detail", args=[contact.pk]))  # shows (and so clears) "Archived ..."

    person_form = member_client.get(reverse("contacts:create", args=["person"]))
    opportunity_form = member_client.get(reverse("opportunities:create"))

    assert "Bluebell Bakery" not in person_form.text
    assert "Bluebell Bakery" not in opportunity_form.text


def test_an_archived_organisations_people_stay_with_it_when_edited(member_client, team_a):
    organisation = OrganisationFactory(team=team_a, name="Bluebell Bakery")
    person = PersonFactory(team=team_a, organisation=organisation)
    archive(member_client, organisation)

    page = member_client.get(reverse("contacts:edit", args=[person.pk]))

    assert page.context["edit"].details["organisation"].value() == organisation.pk
    assert "Bluebell Bakery" in page.text


def test_unarchiving_brings_the_contact_back(member_client, team_a):
    contact = OrganisationFactory(team=team_a, name="Bluebell Bakery", archived_at=NOW)

    response = member_client.post(reverse("contacts:unarchive", args=[contact.pk]))

    assert response.status_code == 302
    assert not Contact.objects.get(pk=contact.pk).is_archived
    assert "Bluebell Bakery" in member_client.get(reverse("contacts:list")).text


def test_archiving_twice_says_so_and_keeps_the_first_date(team_a):
    contact = OrganisationFactory(team=team_a)
    services.contact_archive(contact_id=contact.pk, now=NOW)

    with pytest.raises(services.ContactArchived):
        services.contact_archive(contact_id=contact.pk, now=datetime(2027, 2, 1, tzinfo=UTC))

    assert Contact.objects.get(pk=contact.pk).archived_at == NOW


def test_archiving_a_linked_contact_sends_nothing_to_xero_now_or_at_the_next_sync(
    admin_client, xero, xero_connection, bakery, tasks_run_inline
):
    contact = crm(bakery)
    before = Contact.objects.get(pk=contact.pk).updated_at
    since = last_call_id(xero)

    tasks_run_inline(lambda: archive(admin_client, contact))
    sync(xero_connection)

    writes = [call for call in xero.sandbox.calls(since_id=since)["calls"] if call["method"] != "GET"]
    assert writes == []
    assert in_xero(xero, xero_connection, bakery)["ContactStatus"] == "ACTIVE"
    assert Contact.objects.get(pk=contact.pk).updated_at == before
    assert XeroContact.objects.get(xero_id=bakery["ContactID"]).contact_id == contact.pk
