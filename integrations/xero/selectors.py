from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from accounts.models import User
from accounts.selectors import teams_visible_to
from contacts.models import Contact
from contacts.selectors import contacts_visible_to
from integrations.xero.models import MatchConflict, SyncError, SyncRun, XeroConnection, XeroContact
from integrations.xero.sync import budget, claims
from invoices import quotes as quote_selectors
from opportunities.models import Opportunity
from opportunities.selectors import opportunity_detail


def connections_for_settings() -> QuerySet[XeroConnection]:
    """Every linked organisation for the integrations page, with `last_sync_started` for its next-sync time."""
    return (
        XeroConnection.objects.select_related("organisation", "default_team", "connected_by")
        .annotate(last_sync_started=Max("sync_runs__started_at"))
        .order_by("status", "organisation__name")
    )


def admin_needs_reconnect_banner() -> bool:
    """Whether an admin should see the "reconnect Xero" banner."""
    return XeroConnection.objects.filter(status=XeroConnection.Status.NEEDS_RECONNECT).exists()


def connection_get(*, connection_id: int) -> XeroConnection:
    """One linked organisation. Raises XeroConnection.DoesNotExist."""
    return XeroConnection.objects.select_related("organisation", "grant").get(pk=connection_id)


def linked_tenant_ids(*, tenant_ids: list[str]) -> set[str]:
    """Those of the Xero organisations that Capsync has linked (connected, or waiting for a reconnect)."""
    return set(
        XeroConnection.objects.filter(tenant_id__in=tenant_ids)
        .exclude(status=XeroConnection.Status.DISCONNECTED)
        .values_list("tenant_id", flat=True)
    )


def connection_to_configure() -> XeroConnection | None:
    """A connected organisation whose wizard options have not been saved yet, if any."""
    return (
        XeroConnection.objects.select_related("organisation")
        .filter(is_configured=False, status=XeroConnection.Status.CONNECTED)
        .first()
    )


FULL_RECONCILE_EVERY = timedelta(days=7)


def connections_due_for_sync(*, now: datetime) -> list[tuple[int, str]]:
    """(connection id, "full" or "incremental") for each connected, configured organisation whose interval has
    passed since its last run started and that is not waiting out Xero's daily limit."""
    live = (
        XeroConnection.objects.select_related("organisation")
        .filter(status=XeroConnection.Status.CONNECTED, is_configured=True)
        .exclude(rate_limited_until__gt=now)
        .annotate(
            last_started=Max("sync_runs__started_at"),
            last_full=Max(
                "sync_runs__started_at",
                filter=Q(sync_runs__kind=SyncRun.Kind.FULL, sync_runs__outcome=SyncRun.Outcome.SUCCEEDED),
            ),
        )
    )
    due = []
    for connection in live:
        if (
            connection.last_started
            and connection.last_started + timedelta(seconds=connection.sync_interval_seconds) > now
        ):
            continue
        full = connection.last_full is None or connection.last_full + FULL_RECONCILE_EVERY <= now
        due.append((connection.pk, SyncRun.Kind.FULL if full else SyncRun.Kind.INCREMENTAL))
    return due


def sync_run_latest(*, connection_id: int) -> SyncRun | None:
    """The organisation's most recent run (not counting skipped ones), for the progress bar."""
    return SyncRun.objects.filter(connection_id=connection_id).exclude(outcome=SyncRun.Outcome.SKIPPED).first()


@dataclass(frozen=True)
class SyncProgress:
    """Where the organisation's syncing stands: its latest run (None: never ran) and whether another is queued,
    waiting for a worker. The page polls while a run is queued or running."""

    run: SyncRun | None
    queued: bool

    @property
    def running(self) -> bool:
        return self.run is not None and self.run.outcome == SyncRun.Outcome.RUNNING

    @property
    def polling(self) -> bool:
        return self.queued or self.running


def sync_progress(*, connection: XeroConnection, now: datetime) -> SyncProgress:
    """The organisation's latest run and whether a sync of it is queued, for the integrations page."""
    return SyncProgress(
        run=sync_run_latest(connection_id=connection.pk), queued=claims.sync_queued(connection, now=now)
    )


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
    contacts = (
        Contact.objects.filter(pk__in=by_id).select_related("team").prefetch_related("emails", "phones", "addresses")
    )
    found = [
        CandidateEvidence(
            contact=contact,
            score=by_id[contact.pk]["score"],
            evidence=by_id[contact.pk]["evidence"],
            emails=[e.address for e in contact.emails.all()],
            phones=[p.number for p in contact.phones.all()],
            postcodes=[a.postcode for a in contact.addresses.all() if a.postcode],
        )
        for contact in contacts
    ]
    return sorted(found, key=lambda candidate: (-candidate.score, candidate.contact.pk))


@dataclass(frozen=True)
class ConnectionHealth:
    """How one organisation's sync is doing: its latest finished run and what waits for an admin."""

    connection: XeroConnection
    last_run: SyncRun | None
    open_errors: int
    open_conflicts: int
    refused_edits: int
    linked_contacts: int | None  # None when not counted (the dashboard's card does not show it)
    day_budget: budget.DayBudget | None = None

    @property
    def healthy(self) -> bool:
        return (
            self.connection.status == XeroConnection.Status.CONNECTED
            and self.open_errors == 0
            and self.last_run is not None
            and self.last_run.outcome == SyncRun.Outcome.SUCCEEDED
        )


def _per_connection(queryset: QuerySet, field: str = "connection_id") -> dict[int, int]:
    return dict(queryset.values(field).annotate(n=Count("pk")).values_list(field, "n"))


def sync_health(*, now: datetime | None = None, count_linked: bool = True) -> list[ConnectionHealth]:
    """Every organisation ever linked, connected ones first, with its sync health. Six queries (five without
    `count_linked`: counting every linked contact took 20-30 ms of each dashboard at 100,000 contacts, and only the
    sync health page shows it). With `now`, each also says how much of Xero's daily allowance of calls it has
    used."""
    finished = (
        SyncRun.objects.filter(connection=OuterRef("pk"))
        .exclude(outcome__in=[SyncRun.Outcome.RUNNING, SyncRun.Outcome.SKIPPED])
        .order_by("-started_at", "-id")
    )
    connections = list(
        XeroConnection.objects.select_related("organisation")
        .annotate(last_run_id=Subquery(finished.values("pk")[:1]))
        .order_by("status", "organisation__name", "pk")
    )
    runs = SyncRun.objects.in_bulk([c.last_run_id for c in connections if c.last_run_id])
    errors = _per_connection(SyncError.objects.filter(resolved_at__isnull=True))
    conflicts = _per_connection(
        MatchConflict.objects.filter(status=MatchConflict.Status.OPEN), "xero_contact__connection_id"
    )
    refused = _per_connection(XeroContact.objects.filter(push_state=XeroContact.PushState.FAILED))
    linked = (
        _per_connection(XeroContact.objects.filter(link_state=XeroContact.LinkState.LINKED)) if count_linked else None
    )
    return [
        ConnectionHealth(
            connection=c,
            last_run=runs.get(c.last_run_id),
            open_errors=errors.get(c.pk, 0),
            open_conflicts=conflicts.get(c.pk, 0),
            refused_edits=refused.get(c.pk, 0),
            linked_contacts=linked.get(c.pk, 0) if linked is not None else None,
            day_budget=budget.day_budget(c, now=now) if now is not None else None,
        )
        for c in connections
    ]


SYNC_RUNS_SHOWN = 30
SYNC_ERRORS_SHOWN = 50


def sync_runs_recent() -> QuerySet[SyncRun]:
    """The latest runs of every organisation, newest first, for the sync health page."""
    return SyncRun.objects.select_related("connection__organisation", "contact").order_by("-started_at", "-id")[
        :SYNC_RUNS_SHOWN
    ]


def sync_errors_open() -> QuerySet[SyncError]:
    """Quarantined records still waiting to be fetched again, newest first."""
    return (
        SyncError.objects.filter(resolved_at__isnull=True)
        .select_related("connection__organisation")
        .order_by("-created_at", "-id")[:SYNC_ERRORS_SHOWN]
    )


def contacts_needing_attention(*, user: User) -> QuerySet[XeroContact]:
    """Linked contacts, visible to the user, whose last CRM edit Xero refused or that still wait to be sent."""
    return (
        XeroContact.objects.filter(
            contact__in=contacts_visible_to(user=user),
            link_state=XeroContact.LinkState.LINKED,
        )
        .filter(push_state__in=[XeroContact.PushState.FAILED, XeroContact.PushState.PENDING])
        .select_related("connection__organisation", "contact")
        .order_by("connection__organisation__name", "name")[:SYNC_ERRORS_SHOWN]
    )


def quote_organisations(*, contact_id: int, user: User) -> list[XeroConnection]:
    """The organisations a quote for this contact may be made in, by name.

    When the contact is linked in exactly one connected organisation, just that one. Otherwise every connected,
    configured organisation whose new contacts go to one of the user's teams (all for admins), plus those where
    the contact is linked.
    """
    live = XeroConnection.objects.select_related("organisation").filter(
        status=XeroConnection.Status.CONNECTED, is_configured=True
    )
    linked = list(
        live.filter(
            xero_contacts__contact_id=contact_id, xero_contacts__link_state=XeroContact.LinkState.LINKED
        ).distinct()
    )
    if len(linked) == 1:
        return linked
    return list(
        live.filter(Q(default_team__in=teams_visible_to(user=user)) | Q(pk__in=[c.pk for c in linked]))
        .distinct()
        .order_by("organisation__name", "pk")
    )


@dataclass(frozen=True)
class QuoteFormPage:
    """What the "Create quote in Xero" form needs: the opportunity (contact loaded), where the quote may go, and
    the opportunity's drafts (a new draft needs confirming while there are some)."""

    opportunity: Opportunity
    organisations: list[XeroConnection]
    drafts: list[quote_selectors.QuoteRow]

    @property
    def suggested_organisation_id(self) -> int | None:
        """The only organisation, or the only one whose base currency is the opportunity's (Xero refuses a quote
        in a currency the organisation has not added); None leaves the choice to the user."""
        if len(self.organisations) == 1:
            return self.organisations[0].pk
        same_currency = [c.pk for c in self.organisations if c.base_currency == self.opportunity.currency_code]
        return same_currency[0] if len(same_currency) == 1 else None


def quote_form_page(*, user: User, opportunity_id: int) -> QuoteFormPage:
    """Raises Opportunity.DoesNotExist when the user may not see the opportunity."""
    opportunity = opportunity_detail(user=user, opportunity_id=opportunity_id)
    return QuoteFormPage(
        opportunity=opportunity,
        organisations=quote_organisations(contact_id=opportunity.contact_id, user=user),
        drafts=quote_selectors.opportunity_drafts(opportunity_id=opportunity.pk),
    )
