"""One sync run of one organisation: claim it, read what changed at Xero, apply it, record what happened.

Order of work: invoices and credit notes first (they say who is paying), then contacts changed since the last
run plus any paying contact we have never seen, then matching. Each page is applied as it arrives, so memory
stays flat however large the organisation. The cursors (If-Modified-Since) move only when the whole run
succeeded, to Xero's own clock at the start of the run minus an overlap, so nothing changed during a run is
ever skipped; re-reading the overlap is harmless because every write is an upsert where newer wins.
"""

import logging
import random
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from integrations.xero import auth, client, schemas
from integrations.xero.models import SyncCursor, SyncError, SyncRun, WebhookEvent, XeroConnection, XeroGrant
from integrations.xero.sync import contacts as contact_sync
from integrations.xero.sync import invoices as invoice_sync
from integrations.xero.sync import push as push_sync
from integrations.xero.sync import quotes as quote_sync
from opportunities import services as opportunity_services

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=5)
MAX_ATTEMPTS = 5
# Xero's minute window resets within 60 s, so more waits than this in one run means something is wrong.
MAX_RATE_LIMIT_WAITS = 30
BACKOFF_BASE_SECONDS = 2.0
PAYING_STATUSES = {schemas.InvoiceStatus.AUTHORISED, schemas.InvoiceStatus.PAID}
RESOURCES = ("Invoices", "CreditNotes", "Contacts")


class SyncNotConfigured(Exception):
    """The organisation's wizard options (default team) are not set yet."""


@dataclass
class RunState:
    """What a run learnt so far; saved onto its SyncRun row as it goes."""

    run: SyncRun
    on_progress: Callable[[SyncRun], None]
    claim_token: str
    pace: Callable[[], None]
    server_time: datetime | None = None
    paying: set[str] = field(default_factory=set)
    suppliers: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    partial: bool = False

    def add(self, key: str, amount: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + amount


@dataclass
class MinutePacer:
    """Spends an organisation's per-minute allowance without running into Xero's limit.

    Xero says what is left of the minute in X-MinLimit-Remaining. When nothing is left, the next call would be
    refused, so the pacer waits until a minute has passed since the window began (the first call it saw after
    the allowance last went up) instead of making it. Should Xero count differently, its 429 and Retry-After
    still say exactly how long to wait.
    """

    xero: client.XeroClient
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    window_started: datetime | None = None
    last_remaining: int | None = None
    calls_seen: int = -1

    def before_call(self) -> None:
        remaining = self.xero.limits.minute_remaining
        if remaining is None or self.xero.calls == self.calls_seen:
            return  # nothing new since the last look (or since the last wait)
        self.calls_seen = self.xero.calls
        now = self.clock()
        if self.window_started is None or (self.last_remaining is not None and remaining > self.last_remaining):
            self.window_started = now
        self.last_remaining = remaining
        if remaining == 0:
            self.sleep(max(1.0, 60 - (now - self.window_started).total_seconds()))
            self.window_started, self.last_remaining = None, None


def claim_ttl() -> timedelta:
    return timedelta(seconds=settings.XERO_SYNC_CLAIM_SECONDS)


def sync_claim(*, connection_id: int, now: datetime) -> str | None:
    """Claim the organisation for one sync; None when another sync holds it. The claim expires by itself.

    A run left "running" by a holder that died is marked as interrupted when its claim is taken over.
    """
    token = secrets.token_hex(8)
    claimed = XeroConnection.objects.filter(
        Q(sync_claimed_until__isnull=True) | Q(sync_claimed_until__lt=now), pk=connection_id,
    ).update(sync_claimed_until=now + claim_ttl(), sync_claim_token=token)
    if claimed != 1:
        return None
    SyncRun.objects.filter(connection_id=connection_id, outcome=SyncRun.Outcome.RUNNING).update(
        outcome=SyncRun.Outcome.FAILED, finished_at=now,
        message="Interrupted: the worker running it stopped; a later run took over.",
    )
    return token


def sync_claim_extend(*, connection_id: int, token: str, now: datetime) -> None:
    XeroConnection.objects.filter(pk=connection_id, sync_claim_token=token).update(
        sync_claimed_until=now + claim_ttl()
    )


def sync_release(*, connection_id: int, token: str) -> None:
    XeroConnection.objects.filter(pk=connection_id, sync_claim_token=token).update(
        sync_claimed_until=None, sync_claim_token=""
    )


def organisation_sync(
    *,
    connection_id: int,
    kind: str,
    clock: Callable[[], datetime],
    identity: client.XeroIdentity,
    sleep: Callable[[float], None],
    on_progress: Callable[[SyncRun], None] = lambda run: None,
    contact_id: int | None = None,
) -> SyncRun:
    """Sync one organisation. Always returns its SyncRun (skipped when another sync holds the organisation).

    A "contact" run (`contact_id` given) fetches only that CRM contact's Xero records and moves no cursor.
    Raises SyncNotConfigured before doing anything when the wizard's options are missing.
    """
    connection = XeroConnection.objects.get(pk=connection_id)
    if connection.default_team_id is None:
        raise SyncNotConfigured(f"{connection.name} has no default team yet: finish its options in the wizard.")
    now = clock()
    token = sync_claim(connection_id=connection_id, now=now)
    if token is None:
        return SyncRun.objects.create(
            connection=connection, kind=kind, contact_id=contact_id, outcome=SyncRun.Outcome.SKIPPED,
            started_at=now, finished_at=now, message="Another sync of this organisation was already running.",
        )
    run = SyncRun.objects.create(connection=connection, kind=kind, contact_id=contact_id, started_at=now,
                                 stage="Starting")
    xero = auth.client_for(connection=connection, identity=identity, clock=clock)
    pacer = MinutePacer(xero=xero, clock=clock, sleep=sleep)
    state = RunState(run=run, on_progress=on_progress, claim_token=token, pace=pacer.before_call)
    try:
        if kind == SyncRun.Kind.WEBHOOK:
            _sync_webhook_events(connection=connection, xero=xero, state=state, clock=clock, sleep=sleep)
        elif kind == SyncRun.Kind.CONTACT:
            _sync_contact(connection=connection, xero=xero, state=state, clock=clock, sleep=sleep,
                          contact_id=contact_id)
        else:
            _sync(connection=connection, xero=xero, state=state, full=kind == SyncRun.Kind.FULL, clock=clock,
                  sleep=sleep)
        _crm_edits_push(connection=connection, xero=xero, state=state, clock=clock, sleep=sleep)
        run.outcome = SyncRun.Outcome.PARTIAL if state.partial else SyncRun.Outcome.SUCCEEDED
        run.stage = "Done"
    except client.ReconnectNeeded as exc:
        run.outcome, run.message = SyncRun.Outcome.FAILED, f"Xero needs an admin to reconnect: {exc}"
        active = XeroGrant.objects.filter(pk=connection.grant_id, status=XeroGrant.Status.ACTIVE).first()
        if isinstance(exc, client.OrganisationAccessRemoved) and active is not None:
            # The tokens still work (a lost consent would have marked the grant), so Xero refused this
            # organisation itself: its access was removed in Xero.
            auth.connection_mark_access_removed(connection_id=connection_id, now=clock())
            run.message = auth.ACCESS_REMOVED
        elif isinstance(exc, client.PermissionMissing) and active is not None:
            # Connecting again asks Xero for every scope in XERO_SCOPES; the organisation and its data stay.
            auth.grant_mark_needs_reconnect(grant=active, reason=auth.PERMISSION_MISSING)
            run.message = auth.PERMISSION_MISSING
    except client.RateLimited as exc:  # the daily limit, or minute limits that would not clear
        XeroConnection.objects.filter(pk=connection_id).update(
            rate_limited_until=clock() + timedelta(seconds=exc.retry_after)
        )
        run.outcome = SyncRun.Outcome.PARTIAL
        limit = "daily" if exc.problem == "day" else "per-minute"
        run.message = f"Xero's {limit} limit is reached; syncing resumes in {max(exc.retry_after // 60, 1)} minutes."
        logger.warning("Xero rate limit stopped the sync", extra={  # operators alert on limit=daily
            "connection_id": connection_id, "limit": limit, "retry_after": exc.retry_after})
    except client.XeroError as exc:
        run.outcome, run.message = SyncRun.Outcome.PARTIAL, f"Xero did not answer: {exc}"
    except Exception:
        logger.exception("Unable to sync organisation", extra={"connection_id": connection_id})
        run.outcome, run.message = SyncRun.Outcome.FAILED, "An unexpected error stopped the sync; it is logged."
        raise
    finally:
        run.counts = state.counts
        run.api_calls = xero.calls
        run.finished_at = clock()
        run.save()
        sync_release(connection_id=connection_id, token=token)
        logger.info("Organisation sync finished", extra={
            "connection_id": connection_id, "outcome": run.outcome, "calls": xero.calls, **state.counts})
    return run


def _resilient(
    pages: Callable[[int], Iterator[Any]], *, sleep: Callable[[float], None], state: RunState
) -> Iterator[Any]:
    """Pages from `pages(start_page)`, waiting out minute limits and retrying failures with backoff.

    A failing page is asked for again (from that page on); after MAX_ATTEMPTS the error goes up. The daily
    limit is not waited for: it goes up at once.
    """
    next_page, attempts = 1, 0
    while True:
        try:
            state.pace()
            for page in pages(next_page):
                attempts = 0
                next_page = page.page + 1
                yield page
                state.pace()
            return
        except (client.RateLimited, client.XeroUnavailable) as exc:
            attempts = _wait_or_raise(exc, attempts=attempts, sleep=sleep, state=state)


def _patiently[T](call: Callable[[], T], *, sleep: Callable[[float], None], state: RunState) -> T:
    """One call, retried like a page of `_resilient`."""
    attempts = 0
    while True:
        try:
            state.pace()
            return call()
        except (client.RateLimited, client.XeroUnavailable) as exc:
            attempts = _wait_or_raise(exc, attempts=attempts, sleep=sleep, state=state)


def _wait_or_raise(exc: client.RateLimited | client.XeroUnavailable, *, attempts: int,
                   sleep: Callable[[float], None], state: RunState) -> int:
    """Wait before the next attempt after `exc`, or re-raise it when waiting will not help; returns the failed
    attempts so far. Minute limits are waited out (up to MAX_RATE_LIMIT_WAITS a run); the daily limit is not.
    Unavailability backs off exponentially, with jitter, for MAX_ATTEMPTS attempts."""
    if isinstance(exc, client.RateLimited):
        if exc.problem == "day" or state.counts.get("rate_limit_waits", 0) >= MAX_RATE_LIMIT_WAITS:
            raise exc
        state.add("rate_limit_waits")
        sleep(exc.retry_after)
        return attempts
    attempts += 1
    state.add("retries")
    if attempts >= MAX_ATTEMPTS:
        raise exc
    sleep(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1) * (1 + random.random() / 2))
    return attempts


def _quarantine(*, state: RunState, resource: str, errors: list[schemas.RecordError], now: datetime) -> None:
    if not errors:
        return
    SyncError.objects.bulk_create(
        SyncError(connection_id=state.run.connection_id, run=state.run, resource=resource,
                  record_id=error.record_id, reason=error.reason, payload=error.payload, created_at=now)
        for error in errors
    )
    state.add("errors", len(errors))
    state.partial = True


def _progress(state: RunState, *, stage: str, now: datetime) -> None:
    """Record how far the run is, renew its claim, and tell whoever watches (the command's progress bar)."""
    state.run.stage = stage
    SyncRun.objects.filter(pk=state.run.pk).update(stage=stage, done=state.run.done, counts=state.counts)
    sync_claim_extend(connection_id=state.run.connection_id, token=state.claim_token, now=now)
    state.on_progress(state.run)


def _cursors(connection: XeroConnection, *, full: bool) -> dict[str, datetime | None]:
    resources = (*RESOURCES, quote_sync.RESOURCE)
    if full:
        return dict.fromkeys(resources)
    stored = dict(connection.cursors.values_list("resource", "modified_since"))
    return {resource: stored.get(resource) for resource in resources}


def _sync(*, connection: XeroConnection, xero: client.XeroClient, state: RunState, full: bool,
          clock: Callable[[], datetime], sleep: Callable[[float], None]) -> None:
    since = _cursors(connection, full=full)

    started = clock()
    _read_invoices(connection=connection, state=state, clock=clock, pages=_resilient(
        lambda start: xero.invoices(modified_since=since["Invoices"], start_page=start), sleep=sleep, state=state))
    _read_credit_notes(connection=connection, state=state, clock=clock, pages=_resilient(
        lambda start: xero.credit_notes(modified_since=since["CreditNotes"], start_page=start),
        sleep=sleep, state=state))
    _read_contacts(connection=connection, state=state, clock=clock, pages=_resilient(
        lambda start: xero.contacts(modified_since=since["Contacts"], start_page=start), sleep=sleep, state=state))
    _bring_in_paying(connection=connection, xero=xero, state=state, clock=clock, sleep=sleep)
    read_quotes = quote_sync.quotes_wanted(connection_id=connection.pk, full=full)
    if read_quotes:
        _read_quotes(connection=connection, state=state, clock=clock, pages=_resilient(
            lambda start: xero.quotes(modified_since=since[quote_sync.RESOURCE], start_page=start),
            sleep=sleep, state=state))
    if not state.partial and state.server_time is not None:
        resources = (*RESOURCES, quote_sync.RESOURCE) if read_quotes else RESOURCES
        _cursors_advance(connection=connection, to=state.server_time - OVERLAP, now=clock(), resources=resources)
        # What the webhooks announced before this run began is now read.
        WebhookEvent.objects.filter(tenant_id=connection.tenant_id, processed_at__isnull=True,
                                    received_at__lt=started).update(processed_at=clock())


def _sync_webhook_events(*, connection: XeroConnection, xero: client.XeroClient, state: RunState,
                         clock: Callable[[], datetime], sleep: Callable[[float], None]) -> None:
    """Fetch just the records that webhook events named, coalesced: one call per kind of record."""
    events = list(WebhookEvent.objects.filter(tenant_id=connection.tenant_id, processed_at__isnull=True))
    wanted = {category: sorted({e.resource_id for e in events if e.category == category})
              for category in ("INVOICE", "CREDITNOTE", "CONTACT")}
    if wanted["INVOICE"]:
        _read_invoices(connection=connection, state=state, clock=clock, pages=_resilient(
            lambda start: xero.invoices(modified_since=None, ids=wanted["INVOICE"], start_page=start),
            sleep=sleep, state=state))
    if wanted["CREDITNOTE"]:
        _read_credit_notes(connection=connection, state=state, clock=clock, pages=_resilient(
            lambda start: xero.credit_notes(modified_since=None, ids=wanted["CREDITNOTE"], start_page=start),
            sleep=sleep, state=state))
    if wanted["CONTACT"]:
        _read_contacts(connection=connection, state=state, clock=clock, pages=_resilient(
            lambda start: xero.contacts(modified_since=None, ids=wanted["CONTACT"], start_page=start),
            sleep=sleep, state=state))
    _bring_in_paying(connection=connection, xero=xero, state=state, clock=clock, sleep=sleep)
    # Every named record was fetched (a failed fetch would have raised): the events are done, and earlier
    # quarantined copies of records that now read cleanly are resolved.
    WebhookEvent.objects.filter(pk__in=[event.pk for event in events]).update(processed_at=clock())
    still_bad = SyncError.objects.filter(run=state.run).values_list("record_id", flat=True)
    SyncError.objects.filter(
        connection=connection, resolved_at__isnull=True, record_id__in={e.resource_id for e in events}
    ).exclude(record_id__in=still_bad).update(resolved_at=clock())


def _sync_contact(*, connection: XeroConnection, xero: client.XeroClient, state: RunState,
                  clock: Callable[[], datetime], sleep: Callable[[float], None], contact_id: int | None) -> None:
    """Fetch one linked contact's Xero record, invoices and credit notes: three calls, whatever else changed."""
    xero_id = contact_sync.linked_xero_id(connection_id=connection.pk, contact_id=contact_id)
    if xero_id is None:
        state.run.message = "The contact is not linked to this organisation; there was nothing to fetch."
        return
    _read_contacts(connection=connection, state=state, clock=clock, pages=_resilient(
        lambda start: xero.contacts(modified_since=None, ids=[xero_id], start_page=start), sleep=sleep, state=state))
    _read_invoices(connection=connection, state=state, clock=clock, pages=_resilient(
        lambda start: xero.invoices(modified_since=None, contact_ids=[xero_id], start_page=start),
        sleep=sleep, state=state))
    _read_credit_notes(connection=connection, state=state, clock=clock, pages=_resilient(
        lambda start: xero.credit_notes(modified_since=None, where=f'Contact.ContactID==guid("{xero_id}")',
                                        start_page=start),
        sleep=sleep, state=state))


def _read_invoices(*, connection: XeroConnection, state: RunState, clock: Callable[[], datetime],
                   pages: Iterator[schemas.Page[schemas.XeroInvoice]]) -> None:
    _progress(state, stage="Reading invoices", now=clock())
    for page in pages:
        state.server_time = state.server_time or page.server_time
        _quarantine(state=state, resource="Invoice", errors=page.errors, now=clock())
        for invoice in page.records:
            if invoice.status in PAYING_STATUSES and invoice.type == schemas.InvoiceType.ACCREC:
                state.paying.add(invoice.contact_id)
            elif invoice.status in PAYING_STATUSES and invoice.type == schemas.InvoiceType.ACCPAY:
                state.suppliers.add(invoice.contact_id)
        state.add("invoices", invoice_sync.invoices_apply(connection_id=connection.pk, invoices=page.records,
                                                           now=clock()))
        state.run.done += len(page.records) + len(page.errors)
        _progress(state, stage="Reading invoices", now=clock())


def _read_credit_notes(*, connection: XeroConnection, state: RunState, clock: Callable[[], datetime],
                       pages: Iterator[schemas.Page[schemas.XeroCreditNote]]) -> None:
    _progress(state, stage="Reading credit notes", now=clock())
    for page in pages:
        state.server_time = state.server_time or page.server_time
        _quarantine(state=state, resource="CreditNote", errors=page.errors, now=clock())
        state.add("credit_notes", invoice_sync.credit_notes_apply(
            connection_id=connection.pk, credit_notes=page.records, now=clock()))
        state.run.done += len(page.records) + len(page.errors)
        _progress(state, stage="Reading credit notes", now=clock())


def _read_contacts(*, connection: XeroConnection, state: RunState, clock: Callable[[], datetime],
                   pages: Iterator[schemas.Page[schemas.XeroContact]]) -> None:
    _progress(state, stage="Reading contacts", now=clock())
    for page in pages:
        state.server_time = state.server_time or page.server_time
        _quarantine(state=state, resource="Contact", errors=page.errors, now=clock())
        state.add("contacts_read", contact_sync.xero_contacts_store(connection_id=connection.pk,
                                                                    records=page.records))
        state.run.done += len(page.records) + len(page.errors)
        _progress(state, stage="Reading contacts", now=clock())


def _read_quotes(*, connection: XeroConnection, state: RunState, clock: Callable[[], datetime],
                 pages: Iterator[schemas.Page[schemas.XeroQuote]]) -> None:
    _progress(state, stage="Reading quotes", now=clock())
    for page in pages:
        _quarantine(state=state, resource="Quote", errors=page.errors, now=clock())
        applied = quote_sync.quotes_apply(connection_id=connection.pk, quotes=page.records, now=clock())
        state.add("quotes", applied.written)
        state.add("opportunities_moved", applied.opportunities_moved)
        state.run.done += len(page.records) + len(page.errors)
        _progress(state, stage="Reading quotes", now=clock())


def _bring_in_paying(*, connection: XeroConnection, xero: client.XeroClient, state: RunState,
                     clock: Callable[[], datetime], sleep: Callable[[float], None]) -> None:
    """Fetch paying contacts never seen before, then link, create or queue a conflict for each."""
    wanted = state.paying | (state.suppliers if connection.suppliers != XeroConnection.Suppliers.IGNORE else set())
    missing = contact_sync.xero_contact_ids_missing(connection_id=connection.pk, xero_contact_ids=wanted)
    if missing:
        _read_contacts(connection=connection, state=state, clock=clock, pages=_resilient(
            lambda start: xero.contacts(modified_since=None, ids=sorted(missing), start_page=start),
            sleep=sleep, state=state))
    contact_sync.paying_mark(connection_id=connection.pk, xero_contact_ids=state.paying)
    _progress(state, stage="Matching contacts", now=clock())
    if followed := contact_sync.merges_follow(connection_id=connection.pk, now=clock()):
        state.add("merges_followed", followed)
    # Indexing every CRM contact costs a few queries and all their rows; skip it when nobody waits.
    if contact_sync.contacts_waiting(connection=connection):
        index = contact_sync.crm_index_build(connection_id=connection.pk)
        linked = contact_sync.contacts_link_paying(connection=connection, index=index)
        state.add("contacts_linked", linked.linked)
        state.add("contacts_created", linked.created)
        state.add("conflicts", linked.conflicts)
    state.add("invoices_relinked", invoice_sync.invoices_relink(connection_id=connection.pk))
    # Last, once invoices are stored and attached to their CRM contacts: references naming a sale's instalments.
    state.add("instalments_matched", opportunity_services.instalments_match_by_reference(connection_id=connection.pk))


@transaction.atomic
def _cursors_advance(*, connection: XeroConnection, to: datetime, now: datetime,
                     resources: tuple[str, ...] = RESOURCES) -> None:
    for resource in resources:
        SyncCursor.objects.update_or_create(connection=connection, resource=resource,
                                            defaults={"modified_since": to})
    XeroConnection.objects.filter(pk=connection.pk).update(last_successful_sync_at=now)


def _crm_edits_push(*, connection: XeroConnection, xero: client.XeroClient, state: RunState,
                    clock: Callable[[], datetime], sleep: Callable[[float], None]) -> None:
    """Send every CRM edit not yet in Xero (dirty links), up to 50 contacts a call. One refused contact does not
    stop the others (summarizeErrors=false); its reason is kept on it. Runs after reading, so it never delays it."""
    if not connection.push_crm_edits:
        return
    _progress(state, stage="Sending Capsync edits to Xero", now=clock())
    for batch in push_sync.dirty_batches(connection_id=connection.pk):
        results = _patiently(lambda batch=batch: xero.contacts_update(batch.elements), sleep=sleep, state=state)
        counts = push_sync.batch_record(connection_id=connection.pk, batch=batch, results=results)
        state.add("contacts_pushed", counts.pushed)
        state.add("contacts_push_refused", counts.refused)
