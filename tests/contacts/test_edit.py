from datetime import UTC, datetime

import pytest
from django.urls import reverse

from contacts import services
from contacts.models import Address, Contact, PhoneNumber
from contacts.signals import contact_changed
from tests.contacts.edit_form import edit_form
from tests.factories import EmailAddressFactory, OrganisationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 1, 4, 9, 30, tzinfo=UTC)  # after the factories' creation time


@pytest.fixture
def changes():
    """The contact ids announced through contacts.signals.contact_changed while the test runs."""
    announced: list[int] = []

    def receive(*, contact_id: int, **_: object) -> None:
        announced.append(contact_id)

    contact_changed.connect(receive, dispatch_uid="test-changes")
    yield announced
    contact_changed.disconnect(dispatch_uid="test-changes")


def test_the_contact_page_links_to_its_edit_page(member_client, team_a):
    contact = OrganisationFactory(team=team_a)

    response = member_client.get(reverse("contacts:detail", args=[contact.pk]))

    assert f'href="{reverse("contacts:edit", args=[contact.pk])}"' in response.text


def test_the_edit_page_shows_the_contacts_details(member_client, team_a):
    person = PersonFactory(team=team_a, first_name="Oliver", last_name="Brown", job_title="Head baker")
    EmailAddressFactory(contact=person, address="oliver@bluebell.example")

    response = member_client.get(reverse("contacts:edit", args=[person.pk]))

    assert response.status_code == 200
    assert 'value="Oliver"' in response.text
    assert 'value="oliver@bluebell.example"' in response.text
    assert 'name="name"' not in response.text  # a person's name is their first and last name


def test_saving_a_person_replaces_names_emails_phones_and_address(member_client, team_a):
    person = PersonFactory(team=team_a, first_name="Oliver", last_name="Brown")
    EmailAddressFactory(contact=person, address="old@bluebell.example")

    response = member_client.post(
        reverse("contacts:edit", args=[person.pk]),
        edit_form(
            first_name="Olivia",
            last_name="Browne",
            job_title="Owner",
            emails=("olivia@bluebell.example", "", "accounts@bluebell.example"),
            phones=(("020 7946 0000", "work"), ("07700 900123", "mobile")),
            street="1 High Street\nUnit 2",
            city="Bath",
            postcode="BA1 1AA",
            country="United Kingdom",
        ),
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.first_name, person.last_name, person.job_title) == (
        "Olivia Browne",
        "Olivia",
        "Browne",
        "Owner",
    )
    assert [e.address for e in person.emails.all()] == ["olivia@bluebell.example", "accounts@bluebell.example"]
    assert [(p.number, p.label) for p in person.phones.all()] == [("020 7946 0000", "work"), ("07700 900123", "mobile")]
    assert Address.objects.get(contact=person).street == "1 High Street\nUnit 2"


def test_a_bad_email_is_shown_on_the_form_and_nothing_typed_is_lost(member_client, team_a):
    organisation = OrganisationFactory(team=team_a, name="Bluebell Bakery")

    response = member_client.post(
        reverse("contacts:edit", args=[organisation.pk]),
        edit_form(name="Bluebell Bakehouse", emails=("not-an-email",), phones=(("01225 000000", "work"),), city="Bath"),
    )

    assert response.status_code == 200
    assert "Enter a valid email address." in response.text
    assert 'value="Bluebell Bakehouse"' in response.text
    assert 'value="not-an-email"' in response.text
    assert 'value="01225 000000"' in response.text
    organisation.refresh_from_db()
    assert organisation.name == "Bluebell Bakery"


def test_an_organisation_needs_a_name(member_client, team_a):
    organisation = OrganisationFactory(team=team_a, name="Bluebell Bakery")

    response = member_client.post(reverse("contacts:edit", args=[organisation.pk]), edit_form(name="  "))

    assert response.status_code == 200
    assert "This field is required." in response.text
    assert Contact.objects.get(pk=organisation.pk).name == "Bluebell Bakery"


def test_contact_update_announces_the_change(team_a, changes):
    organisation = OrganisationFactory(team=team_a, name="Bluebell Bakery")

    services.contact_update(contact_id=organisation.pk, name="Bluebell Bakehouse", now=NOW)

    assert changes == [organisation.pk]
    assert Contact.objects.get(pk=organisation.pk).updated_at == NOW


def test_contact_update_with_nothing_changed_writes_and_announces_nothing(team_a, changes):
    organisation = OrganisationFactory(team=team_a, name="Bluebell Bakery")
    PhoneNumber.objects.create(contact=organisation, number="01225 000000")
    before = Contact.objects.get(pk=organisation.pk).updated_at

    services.contact_update(
        contact_id=organisation.pk, name="Bluebell Bakery", phones=[services.PhoneData(number="01225 000000")], now=NOW
    )

    assert changes == []
    assert Contact.objects.get(pk=organisation.pk).updated_at == before


def test_contact_update_keeps_each_email_once_whatever_its_case(team_a):
    organisation = OrganisationFactory(team=team_a)

    updated = services.contact_update(
        contact_id=organisation.pk,
        name=organisation.name,
        emails=["Orders@Bluebell.example", "orders@bluebell.example"],
        now=NOW,
    )

    assert [e.address for e in updated.emails.all()] == ["Orders@Bluebell.example"]


def test_updated_at_moves_forward_even_when_the_clock_is_behind(team_a):
    organisation = OrganisationFactory(team=team_a, name="Bluebell Bakery")
    before = Contact.objects.get(pk=organisation.pk).updated_at

    updated = services.contact_update(
        contact_id=organisation.pk, name="Bluebell Bakehouse", now=datetime(2020, 1, 1, tzinfo=UTC)
    )

    assert updated.updated_at > before


def test_the_edit_page_saves_labelled_rows_team_owner_and_tags(member_client, member, team_a):
    organisation = OrganisationFactory(team=team_a, name="Bluebell Bakery")

    response = member_client.post(
        reverse("contacts:edit", args=[organisation.pk]),
        edit_form(
            name="Bluebell Bakery",
            emails=(("orders@bluebell.example", "work"), ("jo@bluebell.example", "other")),
            addresses=[
                {"label": "office", "street": "1 High Street", "city": "Bath"},
                {"label": "postal", "street": "PO Box 9", "city": "Bath"},
            ],
            team=str(team_a.pk),
            owner=str(member.pk),
            tags="bakery, wholesale",
            about="Bakes for three cafes.",
        ),
    )

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert [(e.address, e.label) for e in organisation.emails.all()] == [
        ("orders@bluebell.example", "work"),
        ("jo@bluebell.example", "other"),
    ]
    assert [a.label for a in organisation.addresses.all()] == ["office", "postal"]
    assert (organisation.owner, organisation.about) == (member, "Bakes for three cafes.")
    assert [tag.name for tag in organisation.tags.all()] == ["bakery", "wholesale"]


def test_a_post_that_leaves_out_the_filing_fields_keeps_them(member_client, member, team_a):
    organisation = OrganisationFactory(team=team_a, name="Bluebell Bakery", owner=member, about="Regular")
    organisation.tags.create(name="bakery")

    member_client.post(reverse("contacts:edit", args=[organisation.pk]), edit_form(name="Bluebell Bakehouse"))

    organisation.refresh_from_db()
    assert (organisation.name, organisation.owner, organisation.about) == ("Bluebell Bakehouse", member, "Regular")
    assert [tag.name for tag in organisation.tags.all()] == ["bakery"]


def test_a_refused_edit_changes_nothing(member_client, team_a, team_b):
    organisation = OrganisationFactory(team=team_a, name="Bluebell Bakery")
    outsider = UserFactory(email="outsider@example.com", teams=[team_b])

    response = member_client.post(
        reverse("contacts:edit", args=[organisation.pk]),
        edit_form(
            name="Bluebell Bakehouse", emails=("new@bluebell.example",), team=str(team_a.pk), owner=str(outsider.pk)
        ),
    )

    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert 'value="Bluebell Bakehouse"' in response.text
    organisation.refresh_from_db()
    assert (organisation.name, organisation.owner, organisation.emails.count()) == ("Bluebell Bakery", None, 0)


def test_moving_a_contact_to_another_team_or_tagging_it_is_not_sent_to_xero(team_a, team_b, changes):
    organisation = OrganisationFactory(team=team_a, name="Bluebell Bakery")
    before = Contact.objects.get(pk=organisation.pk).updated_at

    updated = services.contact_update(
        contact_id=organisation.pk, name="Bluebell Bakery", team_id=team_b.pk, tags=["bakery"], now=NOW
    )

    assert (updated.team, [tag.name for tag in updated.tags.all()]) == (team_b, ["bakery"])
    assert changes == []
    assert updated.updated_at == before


def test_a_person_cannot_belong_to_a_person(team_a):
    person, other = PersonFactory(team=team_a), PersonFactory(team=team_a)

    with pytest.raises(services.ContactDetailsInvalid, match="only belong to an organisation"):
        services.contact_update(
            contact_id=person.pk,
            first_name=person.first_name,
            last_name=person.last_name,
            organisation_id=other.pk,
            now=NOW,
        )

    assert Contact.objects.get(pk=person.pk).organisation is None


@pytest.mark.parametrize(("day", "kind"), [(0, "OFFOLLOWINGMONTH"), (32, "OFCURRENTMONTH")])
def test_a_day_of_the_month_past_31_or_before_1_is_refused_as_xero_would(team_a, day, kind):
    contact = OrganisationFactory(team=team_a)

    with pytest.raises(services.ContactDetailsInvalid, match="A day of the month is 1 to 31"):
        services.contact_update(contact_id=contact.pk, name=contact.name, payment_terms=(day, kind), now=NOW)

    contact.refresh_from_db()
    assert (contact.payment_terms_day, contact.payment_terms_type) == (None, "")
