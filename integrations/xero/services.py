"""The connect wizard's work: finish a consent, link organisations, set their options, disconnect.

Services never enqueue tasks (STYLE rule 12): they return what should be synced, and the view, webhook or
admin action that started the work enqueues it once its transaction commits."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from integrations.xero import auth, client, ownership, schemas, selectors
from integrations.xero.models import SyncError, WebhookEvent, XeroConnection, XeroContact, XeroGrant
from integrations.xero.sync import claims
from invoices import services as invoice_services

logger = logging.getLogger(__name__)


class NoOrganisationAuthorised(Exception):
    """The consent at Xero did not include any organisation."""


class SyncHeldBack(Exception):
    """Xero's rate limit (the day's, or minute limits that would not clear) holds the organisation back until
    `until`: a call now would be refused."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"Xero's rate limit holds syncing back until {until.isoformat()}.")
        self.until = until


@dataclass(frozen=True)
class Consent:
    grant_id: int
    tenants: list[schemas.TenantConnection]


@dataclass(frozen=True)
class LinkResult:
    connection: XeroConnection
    reconnected: bool


def _organisations(tenants: list[schemas.TenantConnection]) -> list[schemas.TenantConnection]:
    return [tenant for tenant in tenants if tenant.tenant_type == "ORGANISATION"]


def consent_complete(
    *,
    identity: client.XeroIdentity,
    code: str,
    code_verifier: str,
    user_id: int,
    now: datetime,
    replaces_grant_id: int | None = None,
) -> Consent:
    """Exchange the authorisation code, keep the tokens, and list the organisations of this consent.

    `replaces_grant_id` is an earlier consent whose organisations were never picked (the admin started again): it
    is retired once this one is kept (grants_unused_retire), so its tokens do not linger.

    Xero may keep an organisation's old authEventId when an organisation already connected is consented again, so
    when none comes back for this consent's id, the unfiltered list is read and the organisations Capsync already
    knows are taken from it. Raises NoOrganisationAuthorised when none was ticked, or a XeroError when Xero refuses
    or cannot be reached.
    """
    tokens = identity.exchange_code(code=code, code_verifier=code_verifier, now=now)
    tenants = _organisations(identity.connections(access_token=tokens.access_token, auth_event_id=tokens.auth_event_id))
    if not tenants and tokens.auth_event_id:
        known = set(XeroConnection.objects.values_list("tenant_id", flat=True))
        tenants = [
            tenant
            for tenant in _organisations(identity.connections(access_token=tokens.access_token))
            if tenant.tenant_id in known
        ]
        logger.info(
            "Xero listed no organisation under this consent; matched those already known",
            extra={"organisations": len(tenants)},
        )
    if not tenants:
        raise NoOrganisationAuthorised("No Xero organisation was selected.")
    grant = auth.grant_create(tokens=tokens, connected_by_id=user_id, now=now)
    if replaces_grant_id is not None:
        grants_unused_retire(grant_ids={replaces_grant_id}, identity=identity, in_use_grant_ids=frozenset({grant.pk}))
    return Consent(grant_id=grant.pk, tenants=tenants)


def connections_link(
    *,
    grant_id: int,
    tenants: list[schemas.TenantConnection],
    chosen_tenant_ids: list[str],
    identity: client.XeroIdentity,
    user_id: int,
    clock: Callable[[], datetime],
) -> list[LinkResult]:
    """Link the chosen organisations of a consent; an organisation linked before is reconnected, not duplicated.

    Organisations authorised at Xero but not chosen are disconnected there, so Capsync holds no access it does
    not use, except those Capsync has linked already (by this consent or an earlier one): they stay linked as they
    are, since only an admin's Disconnect may end a link. A disconnection Xero fails is logged and left: it changes
    nothing in Capsync. Earlier consents no organisation uses any more are then retired (grants_unused_retire).
    Each organisation's name, short code, base currency and time zone are read from Xero.
    """
    grant = XeroGrant.objects.get(pk=grant_id)
    linked = selectors.linked_tenant_ids(tenant_ids=[tenant.tenant_id for tenant in tenants])
    results, replaced_grant_ids = [], set()
    try:
        for tenant in tenants:
            if tenant.tenant_id in chosen_tenant_ids:
                result, replaced = _tenant_link(
                    grant=grant, tenant=tenant, identity=identity, user_id=user_id, clock=clock
                )
                results.append(result)
                replaced_grant_ids |= {replaced} - {None, grant.pk}
    finally:  # organisations moved before a failure leave their old consent unused all the same
        grants_unused_retire(grant_ids=replaced_grant_ids, identity=identity, in_use_grant_ids=frozenset({grant.pk}))
    for tenant in tenants:
        if tenant.tenant_id in chosen_tenant_ids or tenant.tenant_id in linked:
            continue
        try:
            identity.disconnect(
                access_token=auth.grant_access_token(grant_id=grant_id, identity=identity, now=clock()),
                connection_id=tenant.connection_id,
            )
        except client.XeroError as exc:
            logger.warning(
                "Could not disconnect an organisation not picked",
                extra={"tenant_id": tenant.tenant_id, "error": type(exc).__name__},
            )
    return results


def _tenant_link(
    *,
    grant: XeroGrant,
    tenant: schemas.TenantConnection,
    identity: client.XeroIdentity,
    user_id: int,
    clock: Callable[[], datetime],
) -> tuple[LinkResult, int | None]:
    """Link (or reconnect) one organisation on `grant`; returns the result and the grant it was on before."""
    probe = XeroConnection(grant=grant, tenant_id=tenant.tenant_id)
    organisation = auth.client_for(connection=probe, identity=identity, clock=clock).organisation()
    details = {
        "name": organisation.name,
        "short_code": organisation.short_code,
        "base_currency": organisation.base_currency,
        "timezone": organisation.timezone_iana,
    }
    with transaction.atomic():
        # A callable default runs only when the row is made, inside get_or_create's savepoint: a lost race
        # for the same tenant leaves no organisation behind.
        connection, created = XeroConnection.objects.select_for_update().get_or_create(
            tenant_id=tenant.tenant_id,
            defaults={
                "grant": grant,
                "connected_at": clock(),
                "connected_by_id": user_id,
                "sync_interval_seconds": settings.XERO_SYNC_INTERVAL_SECONDS,
                "organisation": partial(invoice_services.organisation_save, organisation_id=None, **details),
            },
        )
        if not created:
            connection.organisation = invoice_services.organisation_save(
                organisation_id=connection.organisation_id, **details
            )
        previous_grant_id = connection.grant_id
        connection.grant = grant
        connection.xero_connection_id = tenant.connection_id
        connection.status = XeroConnection.Status.CONNECTED
        connection.status_reason = ""
        connection.disconnected_at = None
        connection.connected_by_id = user_id
        if not created:
            connection.connected_at = clock()
        connection.save()
    logger.info("Linked Xero organisation", extra={"connection_id": connection.pk, "reconnected": not created})
    return LinkResult(connection=connection, reconnected=not created), previous_grant_id


def grants_unused_retire(
    *, grant_ids: set[int], identity: client.XeroIdentity, in_use_grant_ids: frozenset[int] = frozenset()
) -> list[int]:
    """Retire those of the grants that no organisation uses any more (none left connected or waiting for a
    reconnect); returns the ids retired. `in_use_grant_ids` are grants about to be used (a consent just given),
    counted as in use though no organisation is linked on them yet.

    Revoking a refresh token at Xero removes every connection its Xero user gave the app, so a grant is revoked at
    Xero only when no grant still in use could belong to the same Xero user. Otherwise its tokens are erased here
    and it is marked revoked, so nothing can use them again (Xero lets an unused refresh token lapse). A revocation
    Xero fails is logged, and the grant is retired here all the same.
    """
    live = [XeroConnection.Status.CONNECTED, XeroConnection.Status.NEEDS_RECONNECT]
    unused = list(
        XeroGrant.objects.filter(pk__in=grant_ids - in_use_grant_ids, status=XeroGrant.Status.ACTIVE).exclude(
            connections__status__in=live
        )
    )
    users_in_use = set(
        XeroGrant.objects.filter(Q(connections__status__in=live) | Q(pk__in=in_use_grant_ids)).values_list(
            "xero_user_id", flat=True
        )
    )
    for grant in unused:
        shared = not grant.xero_user_id or grant.xero_user_id in users_in_use or "" in users_in_use
        if not shared:
            try:
                identity.revoke(refresh_token=auth.secret_decrypt(grant.refresh_token_encrypted))
            except client.XeroError as exc:
                logger.warning(
                    "Xero did not revoke an unused grant", extra={"grant_id": grant.pk, "error": type(exc).__name__}
                )
        grant.status = XeroGrant.Status.REVOKED
        grant.status_reason = "No organisation uses this consent any more; " + (
            "its tokens were erased (revoking them would also remove connections still in use)"
            if shared
            else "revoked at Xero"
        )
        grant.access_token_encrypted = grant.refresh_token_encrypted = ""
        grant.save(update_fields=["status", "status_reason", "access_token_encrypted", "refresh_token_encrypted"])
        logger.info("Retired an unused Xero grant", extra={"grant_id": grant.pk, "revoked_at_xero": not shared})
    return [grant.pk for grant in unused]


def connection_configure(
    *,
    connection_id: int,
    suppliers: str,
    default_team_id: int | None,
    sync_interval_seconds: int,
    push_crm_edits: bool,
    accepted_quote_milestone_id: int | None = None,
    invoice_status: str = XeroConnection.InvoiceStatus.DRAFT,
    sales_account_code: str = "",
    sales_tax_type: str = "",
    field_owners: dict[str, str] | None = None,
) -> XeroConnection:
    """Save the wizard's options for one organisation. `field_owners` ({group: "crm" | "xero"}, ownership.py; None
    keeps them) picks who wins each field group; a group given to Xero makes every link of the organisation be
    reconciled at the next sync, so Xero's values are taken."""
    connection = XeroConnection.objects.get(pk=connection_id)
    if field_owners is not None:
        owners = ownership.owners_validated(field_owners)
        if set(owners) - set(connection.field_owners):
            XeroContact.objects.filter(connection_id=connection_id).update(reconciled_at=None)
        connection.field_owners = owners
    connection.suppliers = suppliers
    connection.default_team_id = default_team_id
    connection.sync_interval_seconds = sync_interval_seconds
    connection.push_crm_edits = push_crm_edits
    connection.accepted_quote_milestone_id = accepted_quote_milestone_id
    connection.invoice_status = invoice_status
    connection.sales_account_code = sales_account_code
    connection.sales_tax_type = sales_tax_type
    connection.is_configured = True
    connection.save()
    return connection


def connection_disconnect(
    *, connection_id: int, identity: client.XeroIdentity, clock: Callable[[], datetime]
) -> XeroConnection:
    """Disconnect one organisation at Xero and stop its syncs; its linked data and history stay.

    Only the organisation's connection is removed at Xero (DELETE /connections/{id}). Its consent is then retired
    if no other organisation uses it, and revoked at Xero only if that cannot touch another organisation still
    linked through the same Xero user (see grants_unused_retire). A consent that Xero already dropped is simply
    marked disconnected.
    """
    connection = XeroConnection.objects.select_related("grant").get(pk=connection_id)
    grant = connection.grant
    if grant is not None and grant.status == XeroGrant.Status.ACTIVE:
        try:
            access_token = auth.grant_access_token(grant_id=grant.pk, identity=identity, now=clock())
            identity.disconnect(access_token=access_token, connection_id=connection.xero_connection_id)
        except client.ReconnectNeeded:
            logger.info("Xero had already dropped the consent", extra={"connection_id": connection.pk})
    connection.status = XeroConnection.Status.DISCONNECTED
    connection.status_reason = "Disconnected by an admin"
    connection.disconnected_at = clock()
    connection.save(update_fields=["status", "status_reason", "disconnected_at"])
    logger.info("Disconnected Xero organisation", extra={"connection_id": connection.pk})
    if grant is not None:
        grants_unused_retire(grant_ids={grant.pk}, identity=identity)
    return connection


def organisation_sync_request(*, connection_id: int, now: datetime) -> bool:
    """Ask for a sync of the whole organisation ("Sync now", the wizard's first sync): True when the caller should
    queue one (after its transaction commits), False when one already waits for a worker and this request joins
    it. Raises SyncHeldBack while Xero's rate limit holds the organisation back, so no call is wasted on it."""
    until = XeroConnection.objects.values_list("rate_limited_until", flat=True).get(pk=connection_id)
    if until is not None and until > now:
        raise SyncHeldBack(until)
    return claims.sync_queue_claim(connection_id=connection_id, now=now)


def webhook_events_store(*, events: object, now: datetime) -> set[int]:
    """Keep each new event of a delivery under its own key; returns the linked organisations that have new ones.

    Events of organisations Capsync does not sync, repeats of events already stored, and events that do not
    parse are dropped (the last are logged).
    """
    parsed, errors = schemas.webhook_events(events)
    if errors:
        logger.warning("Xero webhook events did not parse", extra={"record_ids": [e.record_id for e in errors]})
    connections = dict(
        XeroConnection.objects.filter(
            tenant_id__in={event.tenant_id for event in parsed}, status=XeroConnection.Status.CONNECTED
        ).values_list("tenant_id", "pk")
    )
    wanted = {event.key: event for event in parsed if event.tenant_id in connections}
    known = set(WebhookEvent.objects.filter(event_key__in=wanted).values_list("event_key", flat=True))
    new = [event for key, event in wanted.items() if key not in known]
    WebhookEvent.objects.bulk_create(
        [
            WebhookEvent(
                event_key=event.key,
                tenant_id=event.tenant_id,
                category=event.category,
                event_type=event.event_type,
                resource_id=event.resource_id,
                event_date=event.event_date,
                received_at=now,
            )
            for event in new
        ],
        ignore_conflicts=True,
    )
    return {connections[event.tenant_id] for event in new}


RETRY_CATEGORIES = {"Invoice": "INVOICE", "CreditNote": "CREDITNOTE", "Contact": "CONTACT"}


def sync_errors_retry(*, error_ids: list[int], now: datetime) -> set[int]:
    """Ask for the quarantined records to be fetched from Xero again; returns the organisations to sync.

    The records are queued like webhook events; the caller then queues a webhook run of each organisation
    returned (after its transaction commits), which fetches just them by id, and a record that now reads cleanly
    resolves its errors. Errors without a record id cannot be asked for again and are left as they are.
    """
    errors = (
        SyncError.objects.filter(pk__in=error_ids, resolved_at__isnull=True)
        .exclude(record_id="")
        .select_related("connection")
    )
    events = [
        WebhookEvent(
            event_key=f"retry:{error.pk}:{now.timestamp()}",
            tenant_id=error.connection.tenant_id,
            category=RETRY_CATEGORIES.get(error.resource, "CONTACT"),
            event_type="RETRY",
            resource_id=error.record_id,
            event_date=now,
            received_at=now,
        )
        for error in errors
        if error.resource in RETRY_CATEGORIES
    ]
    WebhookEvent.objects.bulk_create(events, ignore_conflicts=True)
    return {error.connection_id for error in errors if error.resource in RETRY_CATEGORIES}
