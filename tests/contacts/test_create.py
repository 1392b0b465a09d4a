"""Adding people and organisations in the app: labelled rows, filing within the user's teams, and the duplicate
warning (issue 15)."""

import pytest
from django.urls import reverse

from contacts.models import Address, Contact, EmailAddress, PhoneNumber, Tag
from tests.contacts.edit_form import edit_form
from tests.factories import EmailAddressFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD_PERSON, ADD_ORGANISATION = (
    reverse("contacts:create", args=["person"]),
    reverse("contacts:create", args=["organisation"]),
)


def test_the_contact_list_offers_to_add_a_person_and_an_organisation(member_client):
    response = member_client.get(reverse("contacts:list"))

    assert f'href="{ADD_PERSON}"' in response.text
    assert f'href="{ADD_ORGANISATION}"' in response.text


def test_the_add_page_files_the_contact_in_the_users_team_under_them(member_client, member, team_a, team_b):
    response = member_client.get(ADD_PERSON)

    assert response.status_code == 200
    details = response.context["edit"].details
    assert list(details.fields["team"].queryset) == [team_a]
    assert details["team"].value() == team_a.pk
    assert details["owner"].value() == member.pk
    assert 'name="name"' not in response.text  # a person is named by first and last name


def test_adding_an_organisation_saves_its_labelled_emails_phones_addresses_and_tags(member_client, member, team_a):
    response = member_client.post(
        ADD_ORGANISATION,
        edit_form(
            name="Bluebell Bakery",
            emails=(("orders@bluebell.example", "work"), ("jo@home.example", "home")),
            phones=(("01225 000000", "work"), ("07700 900123", "mobile")),
            addresses=[
                {"label": "office", "street": "1 High Street", "city": "Bath", "postcode": "BA1 1AA"},
                {"label": "postal", "street": "PO Box 9", "city": "Bath"},
            ],
            team=str(team_a.pk),
            owner=str(member.pk),
            tags="Bakery, wholesale, bakery",
            about="Met at the fair.",
        ),
    )

    organisation = Contact.objects.get(name="Bluebell Bakery")
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=[organisation.pk])
    assert (organisation.kind, organisation.team, organisation.owner, organisation.about) == (
        "organisation",
        team_a,
        member,
        "Met at the fair.",
    )
    assert [(e.address, e.label) for e in organisation.emails.all()] == [
        ("orders@bluebell.example", "work"),
        ("jo@home.example", "home"),
    ]
    assert [(p.number, p.label) for p in organisation.phones.all()] == [
        ("01225 000000", "work"),
        ("07700 900123", "mobile"),
    ]
    assert [(a.label, a.street) for a in organisation.addresses.all()] == [
        ("office", "1 High Street"),
        ("postal", "PO Box 9"),
    ]
    assert sorted(tag.name for tag in organisation.tags.all()) == ["Bakery", "wholesale"]


def test_a_person_added_belongs_to_the_organisation_picked(member_client, team_a):
    bakery = OrganisationFactory(team=team_a, name="Bluebell Bakery")

    member_client.post(
        ADD_PERSON,
        edit_form(
            first_name="Oliver",
            last_name="Brown",
            job_title="Head baker",
            team=str(team_a.pk),
            organisation=str(bakery.pk),
        ),
    )

    person = Contact.objects.get(kind="person")
    assert (person.name, person.job_title, person.organisation) == ("Oliver Brown", "Head baker", bakery)


def test_an_organisations_page_offers_to_add_a_person_to_it(member_client, team_a):
    bakery = OrganisationFactory(team=team_a)

    page = member_client.get(reverse("contacts:detail", args=[bakery.pk]))
    form = member_client.get(f"{ADD_PERSON}?organisation={bakery.pk}")

    assert f'href="{ADD_PERSON}?organisation={bakery.pk}"' in page.text
    assert form.context["edit"].details["organisation"].value() == str(bakery.pk)


def test_an_unknown_kind_of_contact_is_not_found(member_client):
    assert member_client.get(reverse("contacts:create", args=["robot"])).status_code == 404


# Bad input: a clear message, everything typed still there, nothing saved.


def _nothing_saved() -> bool:
    return not (
        Contact.objects.exists()
        or EmailAddress.objects.exists()
        or PhoneNumber.objects.exists()
        or Address.objects.exists()
        or Tag.objects.exists()
    )


def test_a_person_without_any_name_is_refused_and_keeps_what_was_typed(member_client, team_a):
    response = member_client.post(
        ADD_PERSON,
        edit_form(
            job_title="Head baker",
            emails=("oliver@bluebell.example",),
            phones=(("01225 000000", "work"),),
            city="Bath",
            team=str(team_a.pk),
            tags="bakery",
        ),
    )

    assert response.status_code == 200
    assert "Give a first name or a last name." in response.text
    for typed in (
        'value="Head baker"',
        'value="oliver@bluebell.example"',
        'value="01225 000000"',
        'value="Bath"',
        'value="bakery"',
    ):
        assert typed in response.text
    assert _nothing_saved()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (edit_form(name=" "), "This field is required."),
        (edit_form(name="Bluebell", emails=("not-an-email",)), "Enter a valid email address."),
        (edit_form(name="Bluebell", phones=(("0" * 51, "work"),)), "Ensure this value has at most 50 characters"),
        (edit_form(name="Bluebell", phones=(("01225 000000", "pager"),)), "Select a valid choice."),
        (
            edit_form(name="Bluebell", addresses=[{"label": "office", "postcode": "B" * 51}]),
            "Ensure this value has at most 50 characters",
        ),
        (edit_form(name="Bluebell", tags="x" * 501), "Ensure this value has at most 500 characters"),
        (edit_form(name="B" * 256), "Ensure this value has at most 255 characters"),
    ],
)
def test_bad_input_on_the_add_page_is_explained_and_nothing_is_saved(member_client, team_a, form, message):
    response = member_client.post(ADD_ORGANISATION, form | {"team": str(team_a.pk)})

    assert response.status_code == 200
    assert message in response.text
    assert _nothing_saved()


def test_too_many_email_rows_are_refused(member_client, team_a):
    form = edit_form(name="Bluebell", emails=tuple(f"a{n}@bluebell.example" for n in range(21)), team=str(team_a.pk))

    response = member_client.post(ADD_ORGANISATION, form)

    assert response.status_code == 200
    assert "Please submit at most 20 forms." in response.text
    assert _nothing_saved()


def test_another_teams_team_owner_or_organisation_cannot_be_picked(member_client, team_a, team_b):
    outsider = UserFactory(teams=[team_b])
    theirs = OrganisationFactory(team=team_b)

    responses = [
        member_client.post(ADD_ORGANISATION, edit_form(name="Bluebell", team=str(team_b.pk))),
        member_client.post(ADD_ORGANISATION, edit_form(name="Bluebell", team=str(team_a.pk), owner=str(outsider.pk))),
        member_client.post(ADD_PERSON, edit_form(first_name="Jo", team=str(team_a.pk), organisation=str(theirs.pk))),
    ]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert all("Select a valid choice." in response.text for response in responses)
    assert not Contact.objects.exclude(pk=theirs.pk).exists()


def test_the_owner_must_be_in_the_team_the_contact_is_filed_in(client, team_a, team_b):
    both = UserFactory(email="both@example.com", teams=[team_a, team_b])
    only_b = UserFactory(email="only-b@example.com", teams=[team_b])
    client.force_login(both)

    response = client.post(ADD_ORGANISATION, edit_form(name="Bluebell", team=str(team_a.pk), owner=str(only_b.pk)))

    assert response.status_code == 200
    assert "only-b@example.com is not a member of Team A" in response.text
    assert _nothing_saved()


def test_an_archived_organisation_is_not_offered_to_a_new_person(member_client, team_a):
    archived = OrganisationFactory(team=team_a, name="Closed Bakery", archived_at="2026-01-01T00:00Z")

    response = member_client.get(ADD_PERSON)

    assert archived not in response.context["edit"].details.fields["organisation"].queryset
    assert "Closed Bakery" not in response.text


# Duplicates


@pytest.mark.parametrize(
    ("existing", "form", "evidence"),
    [
        (
            lambda team: (
                EmailAddressFactory(
                    contact=OrganisationFactory(team=team, name="Bluebell"), address="Orders@Bluebell.example"
                ).contact
            ),
            edit_form(name="Something else", emails=("orders@bluebell.example ",)),
            "same email",
        ),
        (
            lambda team: OrganisationFactory(team=team, name="The Bluebell Bakery Limited"),
            edit_form(name="bluebell bakery ltd."),
            "same name",
        ),
        (
            lambda team: (
                PhoneNumber.objects.create(
                    contact=OrganisationFactory(team=team, name="Bluebell"), number="+44 1225 000000"
                ).contact
            ),
            edit_form(name="Something else", phones=(("01225 000000", "work"),)),
            "same phone",
        ),
    ],
)
def test_saving_a_likely_duplicate_warns_and_links_the_existing_contact(
    member_client, team_a, existing, form, evidence
):
    found = existing(team_a)

    response = member_client.post(ADD_ORGANISATION, form | {"team": str(team_a.pk)})

    assert response.status_code == 200
    assert "This looks like a contact you already have." in response.text
    assert f'href="{reverse("contacts:detail", args=[found.pk])}"' in response.text
    assert evidence in response.text
    assert 'name="save_anyway"' in response.text
    assert Contact.objects.count() == 1


def test_save_anyway_adds_the_duplicate(member_client, team_a):
    OrganisationFactory(team=team_a, name="Bluebell Bakery")

    response = member_client.post(
        ADD_ORGANISATION, edit_form(name="Bluebell Bakery Ltd", team=str(team_a.pk)) | {"save_anyway": "1"}
    )

    assert response.status_code == 302
    assert Contact.objects.filter(name="Bluebell Bakery Ltd").exists()


def test_another_teams_contacts_are_never_offered_as_duplicates(member_client, team_a, team_b):
    OrganisationFactory(team=team_b, name="Bluebell Bakery")

    response = member_client.post(ADD_ORGANISATION, edit_form(name="Bluebell Bakery", team=str(team_a.pk)))

    assert response.status_code == 302
    assert Contact.objects.filter(team=team_a, name="Bluebell Bakery").exists()


def test_editing_warns_only_of_a_clash_newly_typed(member_client, team_a):
    OrganisationFactory(team=team_a, name="Bluebell Bakery")
    twin = OrganisationFactory(team=team_a, name="Bluebell Bakery Ltd")
    other = OrganisationFactory(team=team_a, name="Copperfield Books")

    unchanged_name = member_client.post(
        reverse("contacts:edit", args=[twin.pk]), edit_form(name="Bluebell Bakery Ltd", city="Bath")
    )
    renamed_into_clash = member_client.post(
        reverse("contacts:edit", args=[other.pk]), edit_form(name="Bluebell Bakery")
    )

    assert unchanged_name.status_code == 302
    assert renamed_into_clash.status_code == 200
    assert "same name" in renamed_into_clash.text
    assert Contact.objects.get(pk=other.pk).name == "Copperfield Books"
