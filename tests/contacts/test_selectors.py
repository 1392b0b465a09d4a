from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from contacts import selectors
from contacts.models import Tag
from contacts.selectors import ContactFilters
from integrations.xero.models import XeroContact
from tests.factories import EmailAddressFactory, InvoiceFactory, OrganisationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)


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

    found = list(selectors.contact_list(user=member, filters=ContactFilters(search="finance@bluebell"), today=TODAY))

    assert found == [wanted]


def test_search_never_reaches_other_teams(member, team_b):
    OrganisationFactory(team=team_b, name="Hidden Widgets")

    found = list(selectors.contact_list(user=member, filters=ContactFilters(search="Hidden"), today=TODAY))

    assert found == []


def test_contact_detail_of_another_team_does_not_exist(member, team_b):
    person = PersonFactory(team=team_b)

    with pytest.raises(person.DoesNotExist):
        selectors.contact_detail(user=member, contact_id=person.pk)


def listed(user, **filters) -> set[str]:
    return {
        contact.name for contact in selectors.contact_list(user=user, filters=ContactFilters(**filters), today=TODAY)
    }


def test_has_overdue_invoices_keeps_only_contacts_owing_past_their_due_date(member, team_a, uk_org):
    late, on_time, paid = (OrganisationFactory(team=team_a, name=name) for name in ("Late", "On time", "Paid"))
    InvoiceFactory(connection=uk_org, contact=late, due_on=date(2026, 6, 14))
    InvoiceFactory(connection=uk_org, contact=on_time, due_on=date(2026, 6, 15))
    InvoiceFactory(connection=uk_org, contact=paid, due_on=date(2026, 1, 1), status="PAID", amount_paid=Decimal(100))

    assert listed(member, has_overdue_invoices=True) == {"Late"}


def test_filters_by_team_tag_and_owner_combine(member, team_a):
    tag = Tag.objects.create(name="key account")
    tagged = OrganisationFactory(team=team_a, name="Tagged", owner=member)
    tagged.tags.add(tag)
    OrganisationFactory(team=team_a, name="Untagged", owner=member)

    assert listed(member, team_id=team_a.pk, tag_id=tag.pk, owner_id=member.pk) == {"Tagged"}


def test_a_team_filter_cannot_widen_what_a_user_sees(member, team_b):
    OrganisationFactory(team=team_b, name="Other team")

    assert listed(member, team_id=team_b.pk) == set()


def test_linked_to_xero_keeps_linked_contacts(member, team_a, uk_org):
    linked = OrganisationFactory(team=team_a, name="Linked")
    OrganisationFactory(team=team_a, name="Not linked")
    XeroContact.objects.create(
        connection=uk_org,
        xero_id="x-1",
        contact=linked,
        link_state="linked",
        name="Linked",
        xero_updated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )

    assert listed(member, linked_to_xero=True) == {"Linked"}
