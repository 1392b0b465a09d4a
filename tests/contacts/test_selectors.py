import pytest

from contacts import selectors
from tests.factories import EmailAddressFactory, OrganisationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_member_sees_only_contacts_of_their_teams(member, team_a, team_b):
    own = OrganisationFactory(team=team_a)
    OrganisationFactory(team=team_b)

    visible = selectors.contacts_visible_to(user=member)

    assert list(visible) == [own]


def test_member_of_two_teams_sees_both(team_a, team_b):
    user = UserFactory(teams=[team_a, team_b])
    first, second = OrganisationFactory(team=team_a), OrganisationFactory(team=team_b)

    visible = set(selectors.contacts_visible_to(user=user))

    assert visible == {first, second}


def test_admin_sees_every_team(admin_user, team_a, team_b):
    contacts = {OrganisationFactory(team=team_a), OrganisationFactory(team=team_b)}

    visible = set(selectors.contacts_visible_to(user=admin_user))

    assert visible == contacts


def test_user_without_team_sees_nothing(team_a):
    OrganisationFactory(team=team_a)
    loner = UserFactory()

    assert not selectors.contacts_visible_to(user=loner).exists()


def test_search_matches_email_case_insensitively(member, team_a):
    wanted = EmailAddressFactory(contact__team=team_a, address="Finance@Bluebell.example").contact
    OrganisationFactory(team=team_a, name="Someone Else")

    found = list(selectors.contact_list(user=member, search="finance@bluebell"))

    assert found == [wanted]


def test_search_never_reaches_other_teams(member, team_b):
    OrganisationFactory(team=team_b, name="Hidden Widgets")

    found = list(selectors.contact_list(user=member, search="Hidden"))

    assert found == []


def test_contact_detail_of_another_team_does_not_exist(member, team_b):
    person = PersonFactory(team=team_b)

    with pytest.raises(person.DoesNotExist):
        selectors.contact_detail(user=member, contact_id=person.pk)
