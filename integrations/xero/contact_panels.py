"""Reads for a contact's Xero panels on its page: its link state and data freshness in each organisation
(`contact_xero_status`), how its edits stand (`contact_push_panel`), and what "Sync this contact now" fetches."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import User
from contacts.selectors import contacts_visible_to
from integrations.xero import ownership
from integrations.xero.models import MatchConflict, SyncRun, XeroConnection, XeroContact


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
    links = (
        XeroContact.objects.filter(contact_id=contact.pk, link_state=XeroContact.LinkState.LINKED)
        .select_related("connection__organisation")
        .order_by("connection__organisation__name", "pk")
    )
    statuses = []
    for link in links:
        state = link.push_state
        edited_since = link.pushed_at is not None and link.pushed_at < contact.updated_at
        if state == XeroContact.PushState.IN_SYNC and edited_since:
            state = XeroContact.PushState.PENDING
        statuses.append(
            ContactPushStatus(
                organisation=link.connection.label, state=state, error=link.push_error, paused=_paused(link.connection)
            )
        )
    return ContactPushPanel(statuses=statuses)


def contact_sync_connections(*, user: User, contact_id: int) -> list[int]:
    """The connected organisations a "Sync this contact now" fetches from: those the contact is linked in (none:
    nothing to fetch). Raises Contact.DoesNotExist when the contact is not visible to the user."""
    contact = contacts_visible_to(user=user).only("pk").get(pk=contact_id)
    return list(
        XeroContact.objects.filter(
            contact_id=contact.pk,
            link_state=XeroContact.LinkState.LINKED,
            connection__status=XeroConnection.Status.CONNECTED,
        ).values_list("connection_id", flat=True)
    )


# How long "Sync this contact now" keeps polling before telling the user it is taking longer than usual.
CONTACT_SYNC_PATIENCE = timedelta(seconds=60)


@dataclass(frozen=True)
class ContactOrganisationStatus:
    """How one CRM contact stands with one connected Xero organisation.

    `link` is "linked", "conflict" or "not_in_xero". `data_from` is when Capsync last read this contact's records
    from that organisation successfully (None: never). `problem` says why newer data is missing (empty when
    nothing went wrong). `fetching` is true while a "Sync this contact now" for it is still queued or running.
    """

    connection_id: int
    organisation: str
    link: str
    xero_name: str
    data_from: datetime | None
    problem: str
    fetching: bool
    finished_message: str
    data_from_label: str
    # The linked Xero contact is archived there: it stays linked, its invoices count, edits are not sent to it.
    archived_in_xero: bool = False
    # As last read from Xero: who its invoice emails go to beside its own email (ContactPersons with
    # IncludeInEmails), its tax and account numbers (always Xero's), and the field groups Xero owns there.
    invoice_persons: tuple[str, ...] = ()
    tax_number: str = ""
    account_number: str = ""
    managed_in_xero: tuple[str, ...] = ()


def _xero_details(connection: XeroConnection, link: XeroContact) -> dict[str, object]:
    return {
        "invoice_persons": tuple(
            " ".join(
                part for part in (p["first_name"], p["last_name"], f"<{p['email']}>" if p["email"] else "") if part
            )
            for p in link.persons
            if p["include_in_emails"]
        ),
        "tax_number": link.tax_number,
        "account_number": link.account_number,
        "managed_in_xero": tuple(
            rule.label
            for rule in ownership.CHOOSABLE
            if ownership.owner_of(connection, rule.group) == ownership.Owner.XERO
        ),
    }


def _moment_label(moment: datetime | None, *, now: datetime) -> str:
    """ "14:02" today, "24 Nov, 14:02" before, in the site's timezone."""
    if moment is None:
        return "no sync yet"
    local = timezone.localtime(moment)
    return f"{local:%H:%M}" if local.date() == timezone.localtime(now).date() else f"{local:%-d %b, %H:%M}"


@dataclass(frozen=True)
class ContactXeroStatus:
    contact_id: int
    organisations: list[ContactOrganisationStatus]
    since: datetime | None
    gave_up: bool

    @property
    def fetching(self) -> bool:
        return not self.gave_up and any(org.fetching for org in self.organisations)

    @property
    def can_sync(self) -> bool:
        return any(org.link == "linked" for org in self.organisations)


def _problem(connection: XeroConnection, latest: SyncRun | None, data_from: datetime | None, now: datetime) -> str:
    if connection.status == XeroConnection.Status.NEEDS_RECONNECT:
        return "Xero needs an admin to reconnect this organisation"
    if connection.rate_limited_until and connection.rate_limited_until > now:
        return f"Xero's daily limit is reached until {timezone.localtime(connection.rate_limited_until):%H:%M}"
    failed = latest is not None and latest.outcome in (SyncRun.Outcome.PARTIAL, SyncRun.Outcome.FAILED)
    if failed and latest.finished_at and (data_from is None or latest.finished_at > data_from):
        return "Xero is unreachable" if latest.message.startswith("Xero did not answer") else latest.message
    return ""


def contact_xero_status(
    *, user: User, contact_id: int, now: datetime, since: datetime | None = None
) -> ContactXeroStatus:
    """The contact's link state and data freshness in each connected organisation; with `since` (when "Sync
    this contact now" was asked for), whether that fetch is still under way. Seven queries at most.

    Raises Contact.DoesNotExist when the contact is not visible to the user.
    """
    contact = contacts_visible_to(user=user).only("pk").get(pk=contact_id)
    relevant_runs = (
        SyncRun.objects.filter(connection=OuterRef("pk"))
        .filter(Q(contact_id=contact.pk) | ~Q(kind=SyncRun.Kind.CONTACT))
        .exclude(outcome__in=[SyncRun.Outcome.SKIPPED, SyncRun.Outcome.RUNNING])
        .order_by("-started_at", "-id")
    )
    connections = list(
        XeroConnection.objects.exclude(status=XeroConnection.Status.DISCONNECTED)
        .filter(is_configured=True)
        .select_related("organisation")
        .annotate(latest_run_id=Subquery(relevant_runs.values("pk")[:1]))
        .order_by("organisation__name", "pk")
    )
    links = {
        link.connection_id: link
        for link in XeroContact.objects.filter(contact_id=contact.pk, link_state=XeroContact.LinkState.LINKED)
    }
    in_conflict = {
        connection_id
        for connection_id, candidates, named in MatchConflict.objects.filter(
            status=MatchConflict.Status.OPEN
        ).values_list("xero_contact__connection_id", "candidates", "contact_id")
        if named == contact.pk or any(candidate.get("contact_id") == contact.pk for candidate in candidates)
    }
    contact_runs = SyncRun.objects.filter(contact_id=contact.pk, kind=SyncRun.Kind.CONTACT)
    fetched = dict(
        contact_runs.filter(outcome=SyncRun.Outcome.SUCCEEDED)
        .values("connection_id")
        .annotate(last=Max("finished_at"))
        .values_list("connection_id", "last")
    )
    latest_runs = SyncRun.objects.in_bulk([c.latest_run_id for c in connections if c.latest_run_id])
    asked = {}
    if since is not None:
        asked = {run.connection_id: run for run in contact_runs.filter(started_at__gte=since).order_by("started_at")}
    organisations = []
    for connection in connections:
        link = links.get(connection.pk)
        candidates = [moment for moment in (connection.last_successful_sync_at, fetched.get(connection.pk)) if moment]
        data_from = max(candidates) if candidates else None
        request = asked.get(connection.pk)
        fetching = (
            link is not None
            and connection.status == XeroConnection.Status.CONNECTED
            and since is not None
            and (request is None or request.outcome == SyncRun.Outcome.RUNNING)
        )
        finished = ""
        if request is not None and request.outcome == SyncRun.Outcome.SKIPPED:
            finished = "A sync of the whole organisation was running; it brings this contact up to date."
        organisations.append(
            ContactOrganisationStatus(
                connection_id=connection.pk,
                organisation=connection.label,
                link="linked" if link else "conflict" if connection.pk in in_conflict else "not_in_xero",
                xero_name=link.name if link else "",
                data_from=data_from,
                problem=_problem(connection, latest_runs.get(connection.latest_run_id), data_from, now),
                fetching=fetching,
                finished_message=finished,
                data_from_label=_moment_label(data_from, now=now),
                archived_in_xero=link is not None and link.status == "ARCHIVED",
                **(_xero_details(connection, link) if link is not None else {}),
            )
        )
    return ContactXeroStatus(
        contact_id=contact.pk,
        organisations=organisations,
        since=since,
        gave_up=since is not None and now - since > CONTACT_SYNC_PATIENCE,
    )
