"""The Xero sync looks up the CRM contacts a Xero contact could match by their stored name key and by email
(contacts.selectors.contacts_match_facts), so every way a contact is written must keep its name key."""

import pytest

from contacts import batch, selectors, services
from contacts.matching import name_key
from contacts.models import Contact
from tests.factories import EmailAddressFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _found(*, names: tuple[str, ...] = (), emails: tuple[str, ...] = ()) -> set[int]:
    facts = selectors.contacts_match_facts(name_keys={name_key(n) for n in names}, email_keys=set(emails))
    return {one.contact_id for one in facts}


def test_contacts_written_every_way_are_found_by_their_normalised_name(team_a):
    made = services.contact_create(kind=Contact.Kind.ORGANISATION, name="Copperfield Books Ltd", team_id=team_a.pk)
    (batched,) = batch.contacts_create(
        contacts=[batch.NewContact(kind=Contact.Kind.ORGANISATION, name="Greenleaf Gardens", team_id=team_a.pk)]
    )
    factory_made = PersonFactory(team=team_a, first_name="Jordan", last_name="Lee")
    OrganisationFactory(team=team_a, name="Somebody Else")

    assert _found(names=("copperfield books limited",)) == {made.pk}
    assert _found(names=("The Greenleaf Gardens",)) == {batched.pk}
    assert _found(names=("JORDAN LEE",)) == {factory_made.pk}
    assert _found(names=("",)) == set()


def test_a_renamed_contact_is_found_by_its_new_name_only(team_a):
    contact = OrganisationFactory(team=team_a, name="Smith & Co")

    services.contact_update(contact_id=contact.pk, name="Orion Trading", now=contact.updated_at)

    assert _found(names=("Orion Trading Ltd",)) == {contact.pk}
    assert _found(names=("Smith and Co",)) == set()


def test_emails_are_found_whatever_their_case_and_surrounding_spaces(team_a):
    contact = EmailAddressFactory(contact__team=team_a, address="Accounts@Greenleaf.example").contact

    assert _found(emails=("accounts@greenleaf.example",)) == {contact.pk}
    assert _found(emails=("other@greenleaf.example", "")) == set()
