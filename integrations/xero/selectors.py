from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max, Q, QuerySet

from accounts.models import User
from accounts.selectors import teams_visible_to
from contacts.models import Contact
from contacts.selectors import contacts_visible_to
from integrations.xero.models import MatchConflict, SyncRun, XeroConnection, XeroContact
from invoices import quotes as quote_selectors
from opportunities.models import Opportunity
from opportunities.selectors import opportunity_detail


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


@dataclass(frozen=True)
class ContactPushStatus:
    """Where a contact's edits stand with one Xero organisation it is linked in.

    `state` is a XeroContact.PushState; it reads "pending" as soon as the contact is newer than what Xero accepted.
    `paused` says why edits are not being sent at all (empty while they are).
    """

    organisation: str
    state: str
    error: str
    paused: str


@dataclass(frozen=True)
class ContactPushPanel:
    statuses: list[ContactPushStatus]

    @property
    def waiting(self) -> bool:
        return any(s.state == XeroContact.PushState.PENDING and not s.paused for s in self.statuses)

    @property
    def refused(self) -> bool:
        return any(s.state == XeroContact.PushState.FAILED and not s.paused for s in self.statuses)


def _paused(connection: XeroConnection) -> str:
    if connection.status == XeroConnection.Status.NEEDS_RECONNECT:
        return "Edits wait until an admin reconnects Xero."
    if connection.status == XeroConnection.Status.DISCONNECTED:
        return "Disconnected; edits stay in Capsync."
    if not connection.push_crm_edits:
        return "Sending edits to Xero is turned off for this organisation; they stay in Capsync."
    return ""


def contact_push_panel(*, user: User, contact_id: int) -> ContactPushPanel:
    """How the contact's edits stand with each Xero organisation it is linked in (none: not linked).

    Raises Contact.DoesNotExist when the contact is not visible to the user.
    """
    contact = contacts_visible_to(user=user).only("pk", "updated_at").get(pk=contact_id)
    links = XeroContact.objects.filter(contact_id=contact.pk, link_state=XeroContact.LinkState.LINKED).select_related(
        "connection"
    ).order_by("connection__name", "pk")
    statuses = []
    for link in links:
        state = link.push_state
        edited_since = link.pushed_at is not None and link.pushed_at < contact.updated_at
        if state == XeroContact.PushState.IN_SYNC and edited_since:
            state = XeroContact.PushState.PENDING
        statuses.append(ContactPushStatus(organisation=link.connection.label, state=state, error=link.push_error,
                                          paused=_paused(link.connection)))
    return ContactPushPanel(statuses=statuses)


def quote_organisations(*, contact_id: int, user: User) -> list[XeroConnection]:
    """The organisations a quote for this contact may be made in, by name.

    When the contact is linked in exactly one connected organisation, just that one. Otherwise every connected,
    configured organisation whose new contacts go to one of the user's teams (all for admins), plus those where
    the contact is linked.
    """
    live = XeroConnection.objects.filter(status=XeroConnection.Status.CONNECTED, is_configured=True)
    linked = list(live.filter(xero_contacts__contact_id=contact_id,
                              xero_contacts__link_state=XeroContact.LinkState.LINKED).distinct())
    if len(linked) == 1:
        return linked
    return list(live.filter(Q(default_team__in=teams_visible_to(user=user)) | Q(pk__in=[c.pk for c in linked]))
                .distinct().order_by("name", "pk"))


@dataclass(frozen=True)
class QuoteFormPage:
    """What the "Create quote in Xero" form needs: the opportunity (contact loaded), where the quote may go, and
    the opportunity's drafts (a new draft needs confirming while there are some)."""

    opportunity: Opportunity
    organisations: list[XeroConnection]
    drafts: list[quote_selectors.QuoteRow]


def quote_form_page(*, user: User, opportunity_id: int) -> QuoteFormPage:
    """Raises Opportunity.DoesNotExist when the user may not see the opportunity."""
    opportunity = opportunity_detail(user=user, opportunity_id=opportunity_id)
    return QuoteFormPage(
        opportunity=opportunity,
        organisations=quote_organisations(contact_id=opportunity.contact_id, user=user),
        drafts=quote_selectors.opportunity_drafts(opportunity_id=opportunity.pk),
    )
