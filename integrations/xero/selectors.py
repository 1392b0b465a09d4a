from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max, Q, QuerySet

from contacts.models import Contact
from integrations.xero.models import MatchConflict, SyncRun, XeroConnection


def connections_for_settings() -> QuerySet[XeroConnection]:
    """Every linked organisation for the integrations page, with `last_sync_started` for its next-sync time."""
    return (
        XeroConnection.objects.select_related("default_team", "connected_by")
        .annotate(last_sync_started=Max("sync_runs__started_at"))
        .order_by("status", "name")
    )


def admin_needs_reconnect_banner() -> bool:
    """Whether an admin should see the "reconnect Xero" banner."""
    return XeroConnection.objects.filter(status=XeroConnection.Status.NEEDS_RECONNECT).exists()


def connection_get(*, connection_id: int) -> XeroConnection:
    """One linked organisation. Raises XeroConnection.DoesNotExist."""
    return XeroConnection.objects.select_related("grant").get(pk=connection_id)


def connection_to_configure() -> XeroConnection | None:
    """A connected organisation whose wizard options have not been saved yet, if any."""
    return XeroConnection.objects.filter(is_configured=False, status=XeroConnection.Status.CONNECTED).first()


FULL_RECONCILE_EVERY = timedelta(days=7)


def connections_due_for_sync(*, now: datetime) -> list[tuple[int, str]]:
    """(connection id, "full" or "incremental") for each connected, configured organisation whose interval has
    passed since its last run started and that is not waiting out Xero's daily limit."""
    live = XeroConnection.objects.filter(status=XeroConnection.Status.CONNECTED, is_configured=True).exclude(
        rate_limited_until__gt=now
    ).annotate(
        last_started=Max("sync_runs__started_at"),
        last_full=Max("sync_runs__started_at", filter=Q(sync_runs__kind=SyncRun.Kind.FULL,
                                                         sync_runs__outcome=SyncRun.Outcome.SUCCEEDED)),
    )
    due = []
    for connection in live:
        if connection.last_started and connection.last_started + timedelta(
                seconds=connection.sync_interval_seconds) > now:
            continue
        full = connection.last_full is None or connection.last_full + FULL_RECONCILE_EVERY <= now
        due.append((connection.pk, SyncRun.Kind.FULL if full else SyncRun.Kind.INCREMENTAL))
    return due


def sync_run_latest(*, connection_id: int) -> SyncRun | None:
    """The organisation's most recent run (not counting skipped ones), for the progress bar."""
    return SyncRun.objects.filter(connection_id=connection_id).exclude(outcome=SyncRun.Outcome.SKIPPED).first()


@dataclass(frozen=True)
class CandidateEvidence:
    contact: Contact
    score: int
    evidence: list[str]
    emails: list[str]
    phones: list[str]
    postcodes: list[str]


def conflict_evidence(*, conflict: MatchConflict) -> list[CandidateEvidence]:
    """The conflict's CRM candidates with their details, strongest first, for the side-by-side view."""
    by_id = {c["contact_id"]: c for c in conflict.candidates}
    contacts = Contact.objects.filter(pk__in=by_id).select_related("team").prefetch_related(
        "emails", "phones", "addresses"
    )
    found = [
        CandidateEvidence(
            contact=contact, score=by_id[contact.pk]["score"], evidence=by_id[contact.pk]["evidence"],
            emails=[e.address for e in contact.emails.all()], phones=[p.number for p in contact.phones.all()],
            postcodes=[a.postcode for a in contact.addresses.all() if a.postcode],
        )
        for contact in contacts
    ]
    return sorted(found, key=lambda candidate: (-candidate.score, candidate.contact.pk))
