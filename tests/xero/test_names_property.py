"""Random interleavings of CRM renames with renames and archives made in Xero (issue 17, "Done when"): Xero (the
sandbox) never ends up with two contacts of one name, and every rename Xero could not take because another
contact holds the name is waiting in the conflict inbox."""

import itertools

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts import services as contact_services
from contacts.models import Contact
from integrations.xero import client
from integrations.xero.models import MatchConflict, XeroContact
from integrations.xero.sync import names
from integrations.xero.sync import push as push_sync
from tests.xero.push_data import in_xero_by_hand, xero_names
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice

pytestmark = pytest.mark.django_db

CONTACTS = 3
SPELLINGS = ["Alpha", "alpha ", "Beta", "BETA", "Gamma", "Delta"]
_examples = itertools.count()

renames_in_crm = st.tuples(st.just("crm_rename"), st.integers(0, CONTACTS - 1), st.sampled_from(SPELLINGS))
renames_in_xero = st.tuples(st.just("xero_rename"), st.integers(0, CONTACTS - 1), st.sampled_from(SPELLINGS))
archives_in_xero = st.tuples(st.just("xero_archive"), st.integers(0, CONTACTS - 1), st.just(""))
syncs = st.tuples(st.just("sync"), st.just(0), st.just(""))
interleavings = st.lists(st.one_of(renames_in_crm, renames_in_xero, archives_in_xero, syncs), min_size=1, max_size=8)


def _xero_copy(xero, connection, customer: dict) -> dict:
    return in_xero_by_hand(xero, connection, "GET", f"Contacts/{customer['ContactID']}")["Contacts"][0]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=interleavings)
def test_no_duplicate_name_in_xero_and_every_clash_in_the_inbox(xero, xero_connection, steps):
    xero.sandbox.config(rate_limits="off")  # dozens of calls a minute: limits are not what is tested here
    prefix = f"P{next(_examples)}"  # each example has names of its own, as the database is shared between them
    customers = [xero_contact(name=f"{prefix} Customer {n}") for n in range(CONTACTS)]
    load(xero, contacts=customers, invoices=[xero_invoice(contact=customer) for customer in customers])
    sync(xero_connection)
    links = [XeroContact.objects.get(xero_id=customer["ContactID"]) for customer in customers]

    for action, index, spelling in steps:
        name = f"{prefix} {spelling}"
        customer, link = customers[index], links[index]
        if action == "crm_rename":
            before = Contact.objects.get(pk=link.contact_id).updated_at
            edited = contact_services.contact_update(contact_id=link.contact_id, name=name, now=timezone.now())
            push_sync.contact_push(
                contact_id=link.contact_id, clock=timezone.now, identity=client.identity_from_settings()
            )
            copy = _xero_copy(xero, xero_connection, customer)
            link.refresh_from_db()
            # A rename to the name it already has is no edit: nothing is sent (a Xero-side rename then stands).
            if edited.updated_at != before and names.name_key(copy["Name"]) != names.name_key(name):
                assert link.push_state == XeroContact.PushState.FAILED
                name_held = copy.get("ContactStatus") != "ARCHIVED"
                assert (
                    not name_held
                    or MatchConflict.objects.filter(
                        kind=MatchConflict.Kind.NAME,
                        status=MatchConflict.Status.OPEN,
                        contact_id=link.contact_id,
                        name=name.strip(),
                    ).exists()
                ), link.push_error
        elif action == "xero_rename":
            in_xero_by_hand(
                xero,
                xero_connection,
                "POST",
                f"Contacts/{customer['ContactID']}",
                refusal_ok=True,
                json={"Contacts": [{"Name": name}]},
            )
        elif action == "xero_archive":
            in_xero_by_hand(
                xero,
                xero_connection,
                "POST",
                f"Contacts/{customer['ContactID']}",
                refusal_ok=True,
                json={"Contacts": [{"ContactStatus": "ARCHIVED"}]},
            )
        else:
            sync(xero_connection)

        held = [names.name_key(held) for held in xero_names(xero, xero_connection) if held.startswith(prefix)]
        assert len(held) == len(set(held)), held
