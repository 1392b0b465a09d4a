import pytest
from django.urls import reverse

from tests.factories import OpportunityFactory, OrganisationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_contact_page_shows_details_and_opportunities(member_client, team_a):
    organisation = OrganisationFactory(team=team_a, name="Bluebell Bakery")
    PersonFactory(team=team_a, first_name="Oliver", last_name="Brown", organisation=organisation)
    OpportunityFactory(contact=organisation, name="Ovens for the new shop")

    response = member_client.get(reverse("contacts:detail", args=[organisation.pk]))

    assert response.status_code == 200
    assert "Oliver Brown" in response.text
    assert "Ovens for the new shop" in response.text


def test_list_shows_only_own_team(member_client, team_a, team_b):
    OrganisationFactory(team=team_a, name="Visible Ltd")
    OrganisationFactory(team=team_b, name="Invisible Ltd")

    response = member_client.get(reverse("contacts:list"))

    assert "Visible Ltd" in response.text
    assert "Invisible Ltd" not in response.text


def test_htmx_search_returns_only_the_table_partial(member_client, team_a):
    OrganisationFactory(team=team_a, name="Northwind Traders")

    response = member_client.get(reverse("contacts:list"), {"q": "north"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="contact-table"')
    assert "Northwind Traders" in response.text
    assert "<nav" not in response.text.split('<section id="contact-table"')[0]


def test_the_owner_filter_is_a_working_menu_of_names_without_bidi_controls(member_client, team_a):
    colleague = UserFactory(email="sam@example.com", first_name="Sam \u202eyaR", last_name="Lee", teams=[team_a])
    OrganisationFactory(team=team_a, name="Sam's Account", owner=colleague)
    OrganisationFactory(team=team_a, name="Nobody's Account")

    page = member_client.get(reverse("contacts:list")).text
    filtered = member_client.get(reverse("contacts:list"), {"owner": colleague.pk}).text

    assert '<select name="owner" id="id_owner">' in page
    assert "&lt;select" not in page
    assert f'<option value="{colleague.pk}">Sam yaR Lee</option>' in page
    assert "\u202e" not in page
    assert "Sam&#x27;s Account" in filtered
    assert "Nobody&#x27;s Account" not in filtered
