"""Loading Xero records (built by tests.xero_records) into the sandbox, and running a sync on them."""

from django.utils import timezone

from contacts.models import Contact
from integrations.xero import client
from integrations.xero.models import MatchConflict, SyncCursor, SyncRun, XeroContact
from integrations.xero.sync import run
from invoices.models import Invoice
from tests.factories import OrganisationFactory
from tests.xero_records import xero_contact, xero_invoice


class Sleeps(list):
    """Stands in for time.sleep: records how long the sync chose to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class WaitsThatPass(Sleeps):
    """Waits that really pass, on the sandbox's clock (Xero's minute windows follow it)."""

    def __init__(self, sandbox) -> None:
        super().__init__()
        self.sandbox = sandbox

    def __call__(self, seconds: float) -> None:
        super().__call__(seconds)
        self.sandbox.clock_advance(seconds)


def sync(connection, *, kind=SyncRun.Kind.FULL, sleeps=None, **options) -> SyncRun:
    """One run of `organisation_sync` on the real clock; `options` go to it (slice_pages, run_id, ...)."""
    return run.organisation_sync(
        connection_id=connection.pk,
        kind=kind,
        clock=timezone.now,
        identity=client.identity_from_settings(),
        sleep=sleeps if sleeps is not None else Sleeps(),
        **options,
    )


def sync_slice(connection, **resume) -> SyncRun:
    """One slice of a full run that reads one page a slice; `resume` (run_id, slice_number) goes on with a run."""
    return sync(connection, slice_pages=1, **resume)


def load(xero, *, contacts=(), invoices=()):
    body = {}
    if contacts:
        body["Contacts"] = list(contacts)
    if invoices:
        body["Invoices"] = list(invoices)
    xero.sandbox.load(xero.uk_tenant_id, body)


def doubtful_match(xero, connection):
    """Two CRM organisations that both match one paying Xero contact by name, synced: one open conflict."""
    OrganisationFactory(name="Smith & Co", team=connection.default_team)
    OrganisationFactory(name="Smith and Co", team=connection.default_team)
    customer = xero_contact(name="Smith & Co")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    sync(connection)
    return MatchConflict.objects.get(xero_contact__xero_id=customer["ContactID"])


def stored_state() -> dict:
    """What a sync left in the database, without keys or timestamps that differ between runs."""
    return {
        "invoices": sorted(
            Invoice.objects.values_list(
                "xero_id", "number", "status", "total", "amount_due", "xero_contact_id", "contact__name"
            )
        ),
        "xero_contacts": sorted(XeroContact.objects.values_list("xero_id", "name", "contact__name")),
        "contacts": sorted(Contact.objects.values_list("name", "kind", "team_id")),
        "cursors": sorted(SyncCursor.objects.values_list("resource", flat=True)),
    }


def forget_synced() -> None:
    """Delete what a sync stored, so the next one starts from nothing."""
    Invoice.objects.all().delete()
    XeroContact.objects.all().delete()
    Contact.objects.all().delete()
    SyncCursor.objects.all().delete()
