"""A Capsync full of hostile names, most of them brought in from Xero (the sandbox) by a real sync, for the
every-page and every-URL tests of tests/faults/test_web_security.py (fixture `hostile_world` in conftest.py)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from allauth.account.models import EmailAddress as AccountEmail
from django.contrib.auth.models import Group
from django.utils import timezone

from activity.models import Note, Task
from contacts.models import Contact, Tag
from integrations.xero.models import MatchConflict, SyncError, XeroConnection
from invoices.models import Invoice, Organisation, Quote
from notifications.models import Notification, OverdueAlert
from opportunities import services as opportunity_services
from opportunities.models import Instalment, Opportunity
from tests.factories import OpportunityFactory, OrganisationFactory
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE_BREAKER = '"><img src=x onerror=alert(1)>'
HOSTILE = (SCRIPT, ATTRIBUTE_BREAKER)
RAW_MARKERS = ("<script>alert(1)", "<img src=x onerror")  # what must never reach a page unescaped
# Bidirectional controls (issue 19 item 14): "Bakery <U+202E>exe.gnp" would show as "Bakery png.exe".
BIDI = "\u202e\u2066\u200f\u061c"
BIDI_SHOWN = "Bakery exe.gnp"  # how the Xero contact's name must show: controls gone, letters in order
ESCAPED_MARKERS = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")


@dataclass(frozen=True)
class HostileWorld:
    """Team A's records (and the admin's), named by an attacker who controls a Xero organisation."""

    connection: XeroConnection
    contact: Contact  # a Xero customer brought in by the sync, in team A
    opportunity: Opportunity
    won_opportunity: Opportunity  # with an instalment plan
    instalment: Instalment
    conflict: MatchConflict
    sync_error: SyncError
    notification: Notification
    note: Note  # on the contact, written by team A
    task: Task  # on the contact, owned by the admin


def hostile_world_build(*, xero, xero_connection, team_a, team_b, mfa_admin) -> HostileWorld:
    """Sync hostile Xero contacts and invoices (one broken, one a match conflict) into team A, and give the CRM,
    the admin's models and the organisation hostile names of their own."""
    XeroConnection.objects.filter(pk=xero_connection.pk).update(default_team=team_a)
    Organisation.objects.filter(xero_connection=xero_connection).update(name=f"Demo {ATTRIBUTE_BREAKER}\u200f")
    customer = xero_contact(name=f"{SCRIPT} Ltd", email="accounts@hostile.example")
    other_customer = xero_contact(name=f"{ATTRIBUTE_BREAKER} Bakery \u202eexe.gnp\u2066")
    doubtful = xero_contact(name=f"{SCRIPT} & Co")
    OrganisationFactory(team=team_a, name=f"{SCRIPT} & Co")
    OrganisationFactory(team=team_b, name=f"{SCRIPT} and Co Ltd")
    broken = xero_invoice(contact=customer, number=f"INV {ATTRIBUTE_BREAKER}")
    broken["Contact"] = {"Name": SCRIPT}  # no ContactID: quarantined with its payload
    load(
        xero,
        contacts=[customer, other_customer, doubtful],
        invoices=[
            {**xero_invoice(contact=customer, number=f"INV {SCRIPT}"), "Reference": ATTRIBUTE_BREAKER},
            {**xero_invoice(contact=other_customer, number=f"INV {ATTRIBUTE_BREAKER}"), "Reference": SCRIPT},
            xero_invoice(contact=doubtful),
            broken,
        ],
    )
    sync(xero_connection)
    contact = Contact.objects.get(name=f"{SCRIPT} Ltd")
    contact.tags.add(Tag.objects.create(name=ATTRIBUTE_BREAKER))
    written = timezone.now()
    note = Note.objects.create(
        contact=contact,
        author=mfa_admin,
        body=SCRIPT,
        kind=Note.Kind.CALL,
        happened_at=written,
        created_at=written,
        updated_at=written,
    )
    task = Task.objects.create(
        title=f"Call {ATTRIBUTE_BREAKER}",
        due_on=date(2026, 10, 1),
        owner=mfa_admin,
        contact=contact,
        created_at=written,
    )
    opportunity = OpportunityFactory(
        contact=contact, name=f"{ATTRIBUTE_BREAKER} deal\u061c\u202e", milestone__name=SCRIPT
    )
    won = OpportunityFactory(
        contact=contact,
        name=f"{SCRIPT} sale",
        outcome=Opportunity.Outcome.WON,
        closed_on=date(2026, 9, 1),
        value=Decimal("1000.00"),
        currency_code="GBP",
    )
    plan = opportunity_services.instalment_plan_create_even(
        opportunity_id=won.pk, user=mfa_admin, count=2, first_due_on=date(2026, 10, 1)
    )
    Quote.objects.create(
        organisation_id=xero_connection.organisation_id,
        xero_id="hostile-quote",
        contact=contact,
        xero_contact_id=customer["ContactID"],
        opportunity=opportunity,
        number=f"QU {SCRIPT}",
        reference=ATTRIBUTE_BREAKER,
        title=f"{SCRIPT}\u2067",
        status=Quote.Status.SENT,
        currency_code="GBP",
        total=Decimal("10.00"),
        issued_on=date(2026, 9, 1),
        xero_updated_at=datetime(2026, 9, 1, tzinfo=UTC),
        synced_at=timezone.now(),
    )
    notification = Notification.objects.create(
        user=mfa_admin, message=f"{SCRIPT} is overdue", url="/", created_at=timezone.now()
    )
    OverdueAlert.objects.create(invoice=Invoice.objects.get(number=f"INV {SCRIPT}"), sent_at=timezone.now())
    Group.objects.create(name=SCRIPT)
    AccountEmail.objects.create(user=mfa_admin, email=mfa_admin.email, primary=True, verified=True)
    return HostileWorld(
        connection=XeroConnection.objects.get(),
        contact=contact,
        opportunity=opportunity,
        won_opportunity=won,
        instalment=plan.instalments.order_by("position").first(),
        conflict=MatchConflict.objects.get(),
        sync_error=SyncError.objects.get(),
        notification=notification,
        note=note,
        task=task,
    )
