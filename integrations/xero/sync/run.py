"""One sync run of one organisation: claim it, read what changed at Xero, apply it, record what happened.

Order of work (`STEPS`): the small reads first (the catalogue, credit notes, contacts changed since the last run),
then the invoice pages (they say who is paying), then any paying contact we have never seen (by id), matching, and
the quotes (stored against the contacts matching just linked). Xero allows 60 calls in a fixed minute window, so a
large first sync waits once for the second window: putting the invoice pages last leaves only invoice pages (and
the one quotes call) for the windows after the first, instead of the contacts, credit notes and catalogue that
used to come after them. Each page is applied as it arrives while the next few are
on the wire (prefetch.py), so memory stays flat however large the organisation. The cursors (If-Modified-Since) move
only when the whole run succeeded, to Xero's own clock at the start of the run minus an overlap, so nothing changed
during a run is ever skipped; re-reading the overlap is harmless because every write is an upsert where newer wins.

Every resource is read by one loop (`readers.read`) driven by a table of readers (readers.py): how to fetch it,
how to store a page of it, and what to count. Claims live in `claims.py`, pacing in `pacing.py`, the run's state in
`context.py`, slicing a run over several tasks in `slices.py`.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from activity import services as activity_services
from forecast import card as forecast_card
from integrations.xero import auth, client
from integrations.xero.models import SyncCursor, SyncError, SyncRun, WebhookEvent, XeroConnection, XeroGrant
from integrations.xero.sync import budget, readers, slices
from integrations.xero.sync import catalogue as catalogue_sync
from integrations.xero.sync import contacts as contact_sync
from integrations.xero.sync import invoices as invoice_sync
from integrations.xero.sync import push as push_sync
from integrations.xero.sync import quotes as quote_sync
from integrations.xero.sync.claims import sync_claim, sync_claim_extend, sync_queue_take, sync_release
from integrations.xero.sync.context import DayReserveReached, SliceEnd, SyncContext
from integrations.xero.sync.merges import merges_follow
from integrations.xero.sync.pacing import MinutePacer
from opportunities import services as opportunity_services

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=5)
RESOURCES = ("Invoices", "CreditNotes", "Contacts")


class SyncNotConfigured(Exception):
    """The organisation's wizard options (default team) are not set yet."""


def organisation_sync(
    *,
    connection_id: int,
    kind: str,
    clock: Callable[[], datetime],
    identity: client.XeroIdentity,
    sleep: Callable[[float], None],
    on_progress: Callable[[SyncRun], None] = lambda run: None,
    contact_id: int | None = None,
    run_id: int | None = None,
    slice_number: int = 0,
    slice_pages: int | None = None,
) -> SyncRun:
    """Sync one organisation. Always returns its SyncRun (skipped when another sync holds the organisation).

    A "contact" run (`contact_id` given) fetches only that CRM contact's Xero records and moves no cursor.
    Raises SyncNotConfigured before doing anything when the wizard's options are missing.

    Slicing: with `slice_pages`, an organisation-wide run reads at most that many pages, then saves where it is
    (`SyncRun.resume`, with its claim kept) and returns the run still RUNNING; the caller queues slice
    `run.resume["slice"]` of it (`run_id`, `slice_number`), which goes on from there. A slice whose number is not
    the run's next one (a redelivered copy of a slice that did finish) returns the run untouched, and so does a
    slice of a run that is over or whose claim was taken over.
    """
    connection = XeroConnection.objects.get(pk=connection_id)
    if connection.default_team_id is None:
        raise SyncNotConfigured(f"{connection.name} has no default team yet: finish its options in the wizard.")
    now = clock()
    resume: dict[str, Any] = {}
    if run_id is not None:
        run = SyncRun.objects.get(pk=run_id, connection=connection)
        resume = run.resume or {}
        if run.outcome != SyncRun.Outcome.RUNNING or resume.get("slice") != slice_number:
            return run
        token = resume["claim"]
        if not sync_claim_extend(connection_id=connection_id, token=token, now=now):
            run.outcome, run.finished_at, run.resume = SyncRun.Outcome.FAILED, now, None
            run.message = "Interrupted: its claim on the organisation lapsed while it waited; a later run starts over."
            run.save(update_fields=["outcome", "finished_at", "resume", "message"])
            return run
    else:
        if kind in (SyncRun.Kind.FULL, SyncRun.Kind.INCREMENTAL):
            sync_queue_take(connection_id=connection_id)
        token = sync_claim(connection_id=connection_id, now=now)
        if token is None:
            return SyncRun.objects.create(
                connection=connection,
                kind=kind,
                contact_id=contact_id,
                outcome=SyncRun.Outcome.SKIPPED,
                started_at=now,
                finished_at=now,
                message="Another sync of this organisation was already running.",
            )
        run = SyncRun.objects.create(
            connection=connection, kind=kind, contact_id=contact_id, started_at=now, stage="Starting"
        )
    xero = auth.client_for(connection=connection, identity=identity, clock=clock)
    calls_before = run.api_calls
    # A full reconcile is the one run big enough to spend the day: it leaves the reserve for Sync now and webhooks.
    ctx = SyncContext(
        connection=connection,
        xero=xero,
        run=run,
        clock=clock,
        sleep=sleep,
        pacer=MinutePacer(clock=clock, sleep=sleep, xero=xero),
        claim_token=token,
        on_progress=on_progress,
        day_floor=settings.XERO_DAY_CALL_RESERVE if kind == SyncRun.Kind.FULL else 0,
        counts=dict(run.counts or {}),
    )
    sliced = kind in (SyncRun.Kind.FULL, SyncRun.Kind.INCREMENTAL) and bool(slice_pages)
    if sliced:
        ctx.slice_left = slice_pages
    if resume:
        slices.resume_restore(ctx, resume)
    xero.pace = ctx.pacer.before_call
    day_resets_at = None
    slice_end = None
    try:
        if kind == SyncRun.Kind.WEBHOOK:
            _sync_webhook_events(ctx)
        elif kind == SyncRun.Kind.CONTACT:
            _sync_contact(ctx, contact_id=contact_id)
        else:
            _sync(ctx, full=kind == SyncRun.Kind.FULL)
        _crm_edits_push(ctx)
        run.outcome = SyncRun.Outcome.PARTIAL if ctx.partial else SyncRun.Outcome.SUCCEEDED
        run.stage = "Done"
        # Xero answered every call of this run: whatever limit held the organisation back is over.
        XeroConnection.objects.filter(pk=connection_id, rate_limited_until__isnull=False).update(
            rate_limited_until=None
        )
    except SliceEnd as end:
        slice_end = end
        ctx.add("slices_handed_over")
    except client.ReconnectNeeded as exc:
        run.outcome, run.message = SyncRun.Outcome.FAILED, f"Xero needs an admin to reconnect: {exc}"
        active = XeroGrant.objects.filter(pk=connection.grant_id, status=XeroGrant.Status.ACTIVE).first()
        if isinstance(exc, client.OrganisationAccessRemoved) and active is not None:
            # The tokens still work (a lost consent would have marked the grant), so Xero refused this
            # organisation itself: its access was removed in Xero.
            auth.connection_mark_access_removed(connection_id=connection_id, now=clock())
            run.message = auth.ACCESS_REMOVED
        elif isinstance(exc, client.PermissionMissing) and active is not None:
            # A missing scope, a tier-gated endpoint or a refused organisation: auth finds out which and pauses
            # only what it concerns.
            run.message = auth.permission_refusal_handle(
                connection=connection, identity=identity, refused=exc, now=clock()
            )
    except client.RateLimited as exc:  # the daily limit, or minute limits that would not clear
        until = clock() + timedelta(seconds=exc.retry_after)
        XeroConnection.objects.filter(pk=connection_id).update(rate_limited_until=until)
        if exc.problem == "day":
            day_resets_at = until
        run.outcome = SyncRun.Outcome.PARTIAL
        limit = "daily" if exc.problem == "day" else "per-minute"
        minutes = max(int(exc.retry_after // 60), 1)
        run.message = f"Xero's {limit} limit is reached; syncing resumes in {minutes} minutes."
        logger.warning(
            "Xero rate limit stopped the sync",
            extra={  # operators alert on limit=daily
                "connection_id": connection_id,
                "limit": limit,
                "retry_after": exc.retry_after,
            },
        )
    except DayReserveReached as exc:
        run.outcome = SyncRun.Outcome.PARTIAL
        run.message = (
            f"Stopped with {exc.remaining} of Xero's daily calls left, kept for Sync now and webhooks; "
            "the reconcile runs again after the allowance resets."
        )
    except client.XeroError as exc:
        run.outcome, run.message = SyncRun.Outcome.PARTIAL, f"Xero did not answer: {exc}"
    except Exception:
        logger.exception("Unable to sync organisation", extra={"connection_id": connection_id})
        run.outcome, run.message = SyncRun.Outcome.FAILED, "An unexpected error stopped the sync; it is logged."
        raise
    finally:
        run.counts = ctx.counts
        run.api_calls = calls_before + xero.calls
        if slice_end is not None:  # the run goes on in the next slice, still holding the organisation
            run.resume = slices.resume_state(ctx, slice_end, slice_number=slice_number + 1)
        else:
            run.resume = None
            run.finished_at = clock()
        run.save()
        # A day 429 says the allowance is spent, whatever headers came with it.
        budget.day_budget_record(
            connection_id=connection_id,
            remaining=0 if day_resets_at else xero.limits.day_remaining,
            run_started=run.started_at,
            now=clock(),
            resets_at=day_resets_at,
        )
        if slice_end is None:
            sync_release(connection_id=connection_id, token=token)
        logger.info(
            "Organisation sync sliced" if slice_end is not None else "Organisation sync finished",
            extra={"connection_id": connection_id, "outcome": run.outcome, "calls": xero.calls, **ctx.counts},
        )
    return run


def _cursors(connection: XeroConnection, *, full: bool) -> dict[str, datetime | None]:
    resources = (*RESOURCES, quote_sync.RESOURCE)
    if full:
        return dict.fromkeys(resources)
    stored = dict(connection.cursors.values_list("resource", "modified_since"))
    return {resource: stored.get(resource) for resource in resources}


# The steps of an organisation-wide run, in order: a sliced run goes on from the step (and page) it reached, in the
# order it started with (saved in SyncRun.resume; slices.STEPS_BEFORE_SMALL_FIRST for runs saved without it).
# Quotes come after Paying because a quote is stored against its contact's CRM link as it stands (invoices.quotes).
STEPS = ("Catalogue", "CreditNotes", "Contacts", "Invoices", "Paying", "Quotes")


def _sync(ctx: SyncContext, *, full: bool) -> None:
    connection = ctx.connection
    since = _cursors(connection, full=full)

    started = ctx.run.started_at
    read_quotes = quote_sync.quotes_wanted(connection_id=connection.pk, full=full)
    steps = {
        "Invoices": lambda: _read_invoices(ctx, modified_since=since["Invoices"]),
        "CreditNotes": lambda: readers.read(
            ctx, readers.CREDIT_NOTES, step="CreditNotes", modified_since=since["CreditNotes"]
        ),
        "Contacts": lambda: readers.read(ctx, readers.CONTACTS, step="Contacts", modified_since=since["Contacts"]),
        "Paying": lambda: _bring_in_paying(ctx),
        "Quotes": lambda: (
            read_quotes and readers.read(ctx, readers.QUOTES, step="Quotes", modified_since=since[quote_sync.RESOURCE])
        ),
        "Catalogue": lambda: catalogue_sync.catalogue_refresh(ctx, full=full),
    }
    ctx.steps = ctx.steps or STEPS
    for step in ctx.steps[ctx.steps.index(ctx.resume_step or ctx.steps[0]) :]:
        steps[step]()
    if not ctx.partial and ctx.server_time is not None:
        first_success = connection.last_successful_sync_at is None
        resources = (*RESOURCES, catalogue_sync.ITEMS_CURSOR, *((quote_sync.RESOURCE,) if read_quotes else ()))
        _cursors_advance(connection=connection, to=ctx.server_time - OVERLAP, now=ctx.clock(), resources=resources)
        if first_success:  # the organisation's invoices are new to the ledger: no card may keep figures without them
            forecast_card.cards_forget()
        # What the webhooks announced before this run began is now read.
        WebhookEvent.objects.filter(
            tenant_id=connection.tenant_id, processed_at__isnull=True, received_at__lt=started
        ).update(processed_at=ctx.clock())


def _read_invoices(ctx: SyncContext, *, modified_since: datetime | None) -> None:
    """The invoices step. When each page's paying contacts are linked as it arrives, links of Xero contacts merged
    away in Xero move first (as `_bring_in_paying` does before matching), so a survivor is not matched anew."""
    if readers.links_as_read(ctx) and (followed := merges_follow(connection_id=ctx.connection.pk, now=ctx.clock())):
        ctx.add("merges_followed", followed)
    readers.read(ctx, readers.INVOICES, step="Invoices", modified_since=modified_since)


def _sync_webhook_events(ctx: SyncContext) -> None:
    """Fetch just the records that webhook events named, coalesced: one call per kind of record (one per credit
    note: Xero's list call has no IDs filter)."""
    connection = ctx.connection
    events = list(WebhookEvent.objects.filter(tenant_id=connection.tenant_id, processed_at__isnull=True))
    came_back: set[str] = set()
    for category, reader in readers.BY_CATEGORY.items():
        if wanted := sorted({e.resource_id for e in events if e.category == category}):
            readers.read(ctx, reader, seen=came_back, modified_since=None, ids=wanted)
    _bring_in_paying(ctx)
    # Only the records Xero actually returned are done: their events are processed, and earlier quarantined
    # copies that now read cleanly are resolved. An id Xero did not return stays as it was.
    fetched = {event.resource_id for event in events if event.resource_id.lower() in came_back}
    WebhookEvent.objects.filter(pk__in=[e.pk for e in events if e.resource_id in fetched]).update(
        processed_at=ctx.clock()
    )
    still_bad = SyncError.objects.filter(run=ctx.run).values_list("record_id", flat=True)
    SyncError.objects.filter(connection=connection, resolved_at__isnull=True, record_id__in=fetched).exclude(
        record_id__in=still_bad
    ).update(resolved_at=ctx.clock())


def _sync_contact(ctx: SyncContext, *, contact_id: int | None) -> None:
    """Fetch one linked contact's Xero record, invoices and credit notes: three calls, whatever else changed."""
    xero_id = contact_sync.linked_xero_id(connection_id=ctx.connection.pk, contact_id=contact_id)
    if xero_id is None:
        ctx.run.message = "The contact is not linked to this organisation; there was nothing to fetch."
        return
    readers.read(ctx, readers.CONTACTS, modified_since=None, ids=[xero_id])
    readers.read(ctx, readers.INVOICES, modified_since=None, contact_ids=[xero_id])
    readers.read(ctx, readers.CREDIT_NOTES, modified_since=None, where=f'Contact.ContactID==guid("{xero_id}")')


def _bring_in_paying(ctx: SyncContext) -> None:
    """Fetch paying contacts never seen before, then link, create or queue a conflict for each."""
    connection = ctx.connection
    wanted = ctx.paying | (ctx.suppliers if connection.suppliers != XeroConnection.Suppliers.IGNORE else set())
    missing = contact_sync.xero_contact_ids_missing(connection_id=connection.pk, xero_contact_ids=wanted)
    if missing:
        readers.read(ctx, readers.CONTACTS, modified_since=None, ids=sorted(missing))
    contact_sync.paying_mark(connection_id=connection.pk, xero_contact_ids=ctx.paying)
    ctx.progress("Matching contacts")
    if followed := merges_follow(connection_id=connection.pk, now=ctx.clock()):
        ctx.add("merges_followed", followed)
    # Those of the invoice pages are linked already (`readers.paying_link`): what waits is usually none, or a few.
    if contact_sync.contacts_waiting(connection=connection):
        linked = contact_sync.contacts_link_paying(connection=connection)
        ctx.add("contacts_linked", linked.linked)
        ctx.add("contacts_created", linked.created)
        ctx.add("conflicts", linked.conflicts)
    ctx.add("invoices_relinked", invoice_sync.invoices_relink(connection_id=connection.pk))
    # Last, once invoices are stored and attached to their CRM contacts: references naming a sale's instalments.
    ctx.add(
        "instalments_matched",
        opportunity_services.instalments_match_by_reference(organisation_id=connection.organisation_id),
    )
    # Chase tasks of invoices now seen paid, credited or voided close here, not an hour later in the overdue job.
    if closed := activity_services.chase_tasks_complete_settled(now=ctx.clock()):
        ctx.add("chase_tasks_completed", closed)


@transaction.atomic
def _cursors_advance(
    *, connection: XeroConnection, to: datetime, now: datetime, resources: tuple[str, ...] = RESOURCES
) -> None:
    for resource in resources:
        SyncCursor.objects.update_or_create(connection=connection, resource=resource, defaults={"modified_since": to})
    XeroConnection.objects.filter(pk=connection.pk).update(last_successful_sync_at=now)


def _crm_edits_push(ctx: SyncContext) -> None:
    """Reconcile every link that changed on either side (ownership.py): take what Xero owns into the CRM, and send
    every CRM edit not yet in Xero, up to 50 contacts a call. One refused contact does not stop the others
    (summarizeErrors=false); its reason is kept on it. Runs after reading, so it never delays it; an organisation
    that takes no CRM edits still has Xero's owned fields taken."""
    may_send = ctx.connection.push_crm_edits
    ctx.progress("Sending Capsync edits to Xero" if may_send else "Taking Xero's fields")
    for batch in push_sync.dirty_batches(connection_id=ctx.connection.pk, now=ctx.clock(), may_send=may_send):
        results = ctx.call(lambda batch=batch: ctx.xero.contacts_update(batch.elements)) if batch.elements else []
        counts = push_sync.batch_record(connection_id=ctx.connection.pk, batch=batch, results=results, now=ctx.clock())
        ctx.add("contacts_pushed", counts.pushed)
        ctx.add("contacts_push_refused", counts.refused)
        if counts.clashes:
            ctx.add("field_clashes", counts.clashes)
