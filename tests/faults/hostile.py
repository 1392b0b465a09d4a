"""A Capsync full of hostile names, most of them brought in from Xero (the sandbox) by a real sync, for the
every-page and every-URL tests of tests/faults/test_web_security.py (fixture `hostile_world` in conftest.py)."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress as AccountEmail
from django.contrib.auth.models import Group

from contacts.models import Contact, Note, Tag
from integrations.xero.models import MatchConflict, SyncError, XeroConnection
from opportunities.models import Opportunity
from tests.factories import OpportunityFactory, OrganisationFactory
from tests.xero.sync_data import load, sync, xero_contact, xero_invoice

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE_BREAKER = '"><img src=x onerror=alert(1)>'
HOSTILE = (SCRIPT, ATTRIBUTE_BREAKER)
RAW_MARKERS = ("<script>alert(1)", "<img src=x onerror")  # what must never reach a page unescaped
ESCAPED_MARKERS = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")


@dataclass(frozen=True)
class HostileWorld:
    """Team A's records (and the admin's), named by an attacker who controls a Xero organisation."""

    connection: XeroConnection
    contact: Contact  # a Xero customer brought in by the sync, in team A
    opportunity: Opportunity
    conflict: MatchConflict
    sync_error: SyncError


def hostile_world_build(*, xero, xero_connection, team_a, team_b, mfa_admin) -> HostileWorld:
    """Sync hostile Xero contacts and invoices (one broken, one a match conflict) into team A, and give the CRM,
    the admin's models and the organisation hostile names of their own."""
    XeroConnection.objects.filter(pk=xero_connection.pk).update(default_team=team_a, name=f"Demo {ATTRIBUTE_BREAKER}")
    customer = xero_contact(f"{SCRIPT} Ltd", email="accounts@hostile.example")
    other_customer = xero_contact(f"{ATTRIBUTE_BREAKER} Bakery")
    doubtful = xero_contact(f"{SCRIPT} & Co")
    OrganisationFactory(team=team_a, name=f"{SCRIPT} & Co")
    OrganisationFactory(team=team_b, name=f"{SCRIPT} and Co Ltd")
    broken = xero_invoice(customer, number=f"INV {ATTRIBUTE_BREAKER}")
    broken["Contact"] = {"Name": SCRIPT}  # no ContactID: quarantined with its payload
    load(xero, contacts=[customer, other_customer, doubtful], invoices=[
        {**xero_invoice(customer, number=f"INV {SCRIPT}"), "Reference": ATTRIBUTE_BREAKER},
        {**xero_invoice(other_customer, number=f"INV {ATTRIBUTE_BREAKER}"), "Reference": SCRIPT},
        xero_invoice(doubtful), broken,
    ])
    sync(xero_connection)
    contact = Contact.objects.get(name=f"{SCRIPT} Ltd")
    contact.tags.add(Tag.objects.create(name=ATTRIBUTE_BREAKER))
    Note.objects.create(contact=contact, author=mfa_admin, body=SCRIPT)
    opportunity = OpportunityFactory(contact=contact, name=f"{ATTRIBUTE_BREAKER} deal", milestone__name=SCRIPT)
    Group.objects.create(name=SCRIPT)
    AccountEmail.objects.create(user=mfa_admin, email=mfa_admin.email, primary=True, verified=True)
    return HostileWorld(connection=XeroConnection.objects.get(), contact=contact, opportunity=opportunity,
                        conflict=MatchConflict.objects.get(), sync_error=SyncError.objects.get())
