"""Matching reads only the CRM contacts a batch of Xero contacts could match (sync.contacts.crm_index_of), by
index, instead of an index of every CRM contact. It must decide exactly as the whole index did: the outcomes
below are those of the code that built the whole index (commit 4f0788f), on a mixed data set read in one page.
"""

from datetime import UTC, datetime

import pytest

from contacts.models import Contact, PhoneNumber
from integrations.xero.models import MatchConflict, SyncRun, XeroContact
from integrations.xero.sync.matching import contact_number_for
from tests.factories import EmailAddressFactory, OrganisationFactory, PersonFactory
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice

pytestmark = pytest.mark.django_db


def _crm(team) -> dict[str, Contact]:
    """The CRM before the sync, by a name for the test."""
    sam = PersonFactory(team=team, first_name="Sam", last_name="Hill")
    PhoneNumber.objects.create(contact=sam, number="020 7946 0001")
    return {
        "copperfield": OrganisationFactory(team=team, name="Copperfield Books Ltd"),
        "jordan": PersonFactory(team=team, first_name="Jordan", last_name="Lee"),
        "sam": sam,
        "greenleaf": EmailAddressFactory(
            contact__team=team, contact__name="Greenleaf Gardens", address="accounts@greenleaf.example"
        ).contact,
        "smith": OrganisationFactory(team=team, name="Smith & Co"),
        "smith ltd": OrganisationFactory(team=team, name="Smith and Co Ltd"),
        "acme": OrganisationFactory(team=team, name="Acme Widgets"),
        "orion": EmailAddressFactory(contact__team=team, contact__name="Orion Ltd", address="ap@orion.example").contact,
        "harbour": OrganisationFactory(team=team, name="Harbour Lights"),
        "bluebell": OrganisationFactory(team=team, name="Bluebell Bakery"),
        "unrelated": OrganisationFactory(team=team, name="Nobody Matches Me"),
    }


def _xero(crm: dict[str, Contact]) -> list[dict]:
    return [
        xero_contact(name="Copperfield Books Limited"),  # the same normalised name: linked
        xero_contact(name="Jordan Lee", first_name="Jordan", last_name="Lee"),  # a person on name alone: conflict
        xero_contact(name="Sam Hill", first_name="Sam", last_name="Hill", phone="+44 20 7946 0001"),  # backed
        xero_contact(name="Greenleaf Billing", email="ACCOUNTS@greenleaf.example"),  # the same email: linked
        xero_contact(name="Smith & Co"),  # two organisations of that name: conflict
        xero_contact(name="Acme Widgets", email="ap@orion.example"),  # the email names another: the email wins
        xero_contact(name="Harbour Lights Trading", ContactNumber=contact_number_for(crm["harbour"].pk)),
        xero_contact(name="Bluebell Bakery"),  # linked first, in order of name ...
        xero_contact(name="Bluebell Bakery Ltd"),  # ... so this one finds it linked: conflict
        xero_contact(name="Nova Laboratories", email="hello@nova.example"),  # nobody: created ...
        xero_contact(name="Nova Labs", email="HELLO@nova.example"),  # ... and then matched, linked: conflict
        xero_contact(name="Zeta Limited"),  # created ...
        xero_contact(name="Zeta Ltd"),  # ... and matched by name while waiting in its batch: conflict
        xero_contact(name="Quiet Archive", status="ARCHIVED"),  # nobody, but archived: left unlinked
        xero_contact(name="Brand New Customer", email="new@customer.example"),  # nobody: created
    ]


def _outcomes(crm: dict[str, Contact]) -> dict[str, tuple]:
    """Each Xero contact's state, the CRM contact it is linked to and a conflict's candidates, named as in `crm`
    (or "created: <name>" for a contact the sync made)."""
    named = {contact.pk: key for key, contact in crm.items()}

    def label(contact_id: int | None) -> str | None:
        if contact_id is None:
            return None
        return named.get(contact_id) or f"created: {Contact.objects.get(pk=contact_id).name}"

    outcomes = {}
    for link in XeroContact.objects.order_by("name"):
        conflict = MatchConflict.objects.filter(xero_contact=link).first()
        candidates = sorted(label(c["contact_id"]) for c in conflict.candidates) if conflict else []
        outcomes[link.name] = (link.link_state, label(link.contact_id), candidates)
    return outcomes


def test_matching_by_query_decides_as_the_whole_crm_index_did(xero_connection, xero):
    crm = _crm(xero_connection.default_team)
    customers = _xero(crm)
    load(xero, contacts=customers, invoices=[xero_invoice(contact=customer) for customer in customers])

    finished = sync(xero_connection)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    assert _outcomes(crm) == {
        "Acme Widgets": ("linked", "orion", []),
        "Bluebell Bakery": ("linked", "bluebell", []),
        "Bluebell Bakery Ltd": ("conflict", None, ["bluebell"]),
        "Brand New Customer": ("linked", "created: Brand New Customer", []),
        "Copperfield Books Limited": ("linked", "copperfield", []),
        "Greenleaf Billing": ("linked", "greenleaf", []),
        "Harbour Lights Trading": ("linked", "harbour", []),
        "Jordan Lee": ("conflict", None, ["jordan"]),
        "Nova Laboratories": ("linked", "created: Nova Laboratories", []),
        "Nova Labs": ("conflict", None, ["created: Nova Laboratories"]),
        "Quiet Archive": ("unlinked", None, []),
        "Sam Hill": ("linked", "sam", []),
        "Smith & Co": ("conflict", None, ["smith", "smith ltd"]),
        "Zeta Limited": ("linked", "created: Zeta Limited", []),
        "Zeta Ltd": ("conflict", None, ["created: Zeta Limited"]),
    }
    assert finished.counts["contacts_created"] == 3
    assert Contact.objects.filter(name="Nobody Matches Me").count() == 1


def test_contacts_created_from_an_earlier_invoice_page_are_matched_as_the_whole_index_matched_them(
    xero_connection, xero
):
    """Each invoice page's paying contacts are linked before the page is stored, so a contact created for page 1
    is read back from the CRM when page 2 names another Xero contact with its email or name. (Pages in the order
    of the names, so the outcome is the one of the code that linked every paying contact at the end.)"""
    first = [xero_contact(name="Alpha One", email="shared@alpha.example"), xero_contact(name="Gamma Limited")]
    later = [xero_contact(name="Beta", email="Shared@Alpha.example"), xero_contact(name="Gamma Ltd")]
    filler = xero_contact(name="Filler Customer")
    on = {day: datetime(2026, 1, day, tzinfo=UTC) for day in (1, 2, 3)}
    load(
        xero,
        contacts=[*first, *later, filler],
        invoices=[
            *(xero_invoice(contact=customer, updated=on[1]) for customer in first),
            *(xero_invoice(contact=filler, updated=on[2]) for _ in range(998)),  # page 1 is full
            *(xero_invoice(contact=customer, updated=on[3]) for customer in later),  # page 2
        ],
    )

    finished = sync(xero_connection)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    assert _outcomes({}) == {
        "Alpha One": ("linked", "created: Alpha One", []),
        "Beta": ("conflict", None, ["created: Alpha One"]),
        "Filler Customer": ("linked", "created: Filler Customer", []),
        "Gamma Limited": ("linked", "created: Gamma Limited", []),
        "Gamma Ltd": ("conflict", None, ["created: Gamma Limited"]),
    }
