"""How each kind of Xero record is read and stored: a table of readers (how to fetch it, how to store a page of
it, what to count) and the one loop that reads any of them, page after page (`read`). The run (run.py) decides
what is read and when; a reader's page of invoices first links the contacts it makes paying, then stores the page,
in a page writer's thread when the CPUs have room (writers.py)."""

from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from integrations.xero import client, schemas
from integrations.xero.models import XeroConnection
from integrations.xero.sync import contacts as contact_sync
from integrations.xero.sync import invoices as invoice_sync
from integrations.xero.sync import prefetch, writers
from integrations.xero.sync import quotes as quote_sync
from integrations.xero.sync.context import SliceEnd, SyncContext

PAYING_STATUSES = {schemas.InvoiceStatus.AUTHORISED, schemas.InvoiceStatus.PAID}


@dataclass(frozen=True)
class Reader:
    """How one kind of Xero record is read: `fetch` picks the client's list call, `apply` stores a page of
    records and returns how many it wrote (counted under `counter`). `resource` names quarantined records; a
    reader that `sets_server_time` gives the run the Xero clock its cursors move to. A reader with `apply_later`
    may have its pages stored by page writers (writers.py): it does in the sync's thread what must come first and
    returns the page's store, which returns how many it wrote."""

    stage: str
    resource: str
    counter: str
    fetch: Callable[[client.XeroClient], Callable[..., Iterator[schemas.Page[Any]]]]
    apply: Callable[[SyncContext, list[Any]], int]
    sets_server_time: bool = True
    apply_later: Callable[[SyncContext, list[Any]], Callable[[], int]] | None = None


def _invoices_apply(ctx: SyncContext, invoices: list[schemas.XeroInvoice]) -> int:
    return _invoices_apply_later(ctx, invoices)()


def _invoices_apply_later(ctx: SyncContext, invoices: list[schemas.XeroInvoice]) -> Callable[[], int]:
    """Link the page's new paying contacts (committed), then return its store."""
    paying, suppliers = set(), set()
    for invoice in invoices:
        if invoice.status in PAYING_STATUSES and invoice.type == schemas.InvoiceType.ACCREC:
            paying.add(invoice.contact_id)
        elif invoice.status in PAYING_STATUSES and invoice.type == schemas.InvoiceType.ACCPAY:
            suppliers.add(invoice.contact_id)
    # Those met on an earlier page of the run were linked then (or left for the end, when Xero's copy lacked them).
    new_paying, new_suppliers = paying - ctx.paying, suppliers - ctx.suppliers
    ctx.paying |= paying
    ctx.suppliers |= suppliers
    if links_as_read(ctx) and (new_paying or new_suppliers):
        paying_link(ctx, paying=new_paying, suppliers=new_suppliers)
    connection_id, now = ctx.connection.pk, ctx.clock()
    return lambda: invoice_sync.invoices_apply(connection_id=connection_id, invoices=invoices, now=now)


def links_as_read(ctx: SyncContext) -> bool:
    """Whether an invoice page's paying contacts are linked as it arrives: in an organisation-wide run that read
    the contacts before the invoices (Xero's copy of them is fresh). Webhook and contact runs, and runs resumed
    in the order that read the invoices first, link them all in `_bring_in_paying`."""
    return bool(ctx.steps) and ctx.steps.index("Contacts") < ctx.steps.index("Invoices")


def paying_link(ctx: SyncContext, *, paying: set[str], suppliers: set[str]) -> None:
    """Link, create or queue a conflict for the Xero contacts this invoice page makes paying (or, per the option,
    suppliers), before the page is stored: its invoices are then stored attached to their CRM contacts, and the
    run's last step has (almost) nothing left to match or relink. A contact Xero's copy does not hold yet is left
    to `_bring_in_paying`, which fetches it by id. Xero contacts are so matched in the order of the pages that
    make them paying (by name within a page) rather than all by name at the end: of two that match each other and
    no CRM contact, the one paying on an earlier page is created and the other waits as a conflict."""
    connection = ctx.connection
    wanted = paying | (suppliers if connection.suppliers != XeroConnection.Suppliers.IGNORE else set())
    contact_sync.paying_mark(connection_id=connection.pk, xero_contact_ids=paying)
    linked = contact_sync.contacts_link_paying(connection=connection, xero_contact_ids=wanted)
    ctx.add("contacts_linked", linked.linked)
    ctx.add("contacts_created", linked.created)
    ctx.add("conflicts", linked.conflicts)


def _credit_notes_apply(ctx: SyncContext, credit_notes: list[schemas.XeroCreditNote]) -> int:
    return invoice_sync.credit_notes_apply(connection_id=ctx.connection.pk, credit_notes=credit_notes, now=ctx.clock())


def _contacts_apply(ctx: SyncContext, contacts: list[schemas.XeroContact]) -> int:
    return contact_sync.xero_contacts_store(connection_id=ctx.connection.pk, records=contacts)


def _quotes_apply(ctx: SyncContext, quotes: list[schemas.XeroQuote]) -> int:
    applied = quote_sync.quotes_apply(connection_id=ctx.connection.pk, quotes=quotes, now=ctx.clock())
    ctx.add("opportunities_moved", applied.opportunities_moved)
    return applied.written


INVOICES = Reader(
    stage="Reading invoices",
    resource="Invoice",
    counter="invoices",
    fetch=lambda xero: xero.invoices,
    apply=_invoices_apply,
    apply_later=_invoices_apply_later,
)
CREDIT_NOTES = Reader(
    stage="Reading credit notes",
    resource="CreditNote",
    counter="credit_notes",
    fetch=lambda xero: xero.credit_notes,
    apply=_credit_notes_apply,
)
CONTACTS = Reader(
    stage="Reading contacts",
    resource="Contact",
    counter="contacts_read",
    fetch=lambda xero: xero.contacts,
    apply=_contacts_apply,
)
QUOTES = Reader(
    stage="Reading quotes",
    resource="Quote",
    counter="quotes",
    fetch=lambda xero: xero.quotes,
    apply=_quotes_apply,
    sets_server_time=False,
)
# What webhook events (and "Fetch again") name, by Xero's event category.
BY_CATEGORY = {"INVOICE": INVOICES, "CREDITNOTE": CREDIT_NOTES, "CONTACT": CONTACTS}


def read(ctx: SyncContext, reader: Reader, *, seen: set[str] | None = None, step: str = "", **filters: Any) -> None:
    """Read every page of one resource (`filters` go to the client's list call) and apply each as it arrives;
    the ids of the records Xero returned are added to `seen` when given.

    A `step` of a sliced run (`_sync`) reads from where the run left off, and at most the task's share of pages
    (`ctx.slice_left`): with pages left over it raises SliceEnd after storing the last page of its share, having
    asked for no page beyond it."""
    ctx.progress(reader.stage)
    start = ctx.resume_page if step and step == ctx.resume_step else 1
    last = None
    if step and ctx.slice_left is not None:
        if ctx.slice_left <= 0:
            raise SliceEnd(step=step, page=start)
        last = start + ctx.slice_left - 1
    ahead = settings.XERO_SYNC_PAGES_AHEAD
    by_id = any(filters.get(name) for name in ("ids", "contact_ids", "where"))
    if ahead <= 1 or by_id:
        # A few records by id: one call per id list (or per id), read one after another.
        pages = ctx.pages(lambda first: reader.fetch(ctx.xero)(start_page=first, **filters), start=start)
    else:  # whole collections: the next pages are on the wire while this one is applied
        pages = prefetch.pages_ahead(
            ctx,
            lambda xero: lambda first: reader.fetch(xero)(start_page=first, **filters),
            ahead=ahead,
            start=start,
            last=last,
        )
    # Closing the pages stops those still being fetched when applying fails. Whole collections of a reader that
    # allows it are stored by page writers while the next pages are parsed, when the CPUs have room for them;
    # leaving their block waits for every page handed over (before a SliceEnd too), and a failed store is raised
    # there at the latest.
    behind = reader.apply_later is not None and not by_id and writers.cpus_to_spare()
    count = settings.XERO_SYNC_PAGE_WRITERS if behind else 0
    with closing(pages), writers.page_writers(count) as page_writers:
        for page in pages:
            if seen is not None:
                seen.update(page.record_ids)
            if reader.sets_server_time:
                ctx.server_time = ctx.server_time or page.server_time
            ctx.quarantine(resource=reader.resource, errors=page.errors)
            if page_writers is not None and reader.apply_later is not None:
                store = reader.apply_later(ctx, page.records)
                page_writers.submit(store, on_stored=lambda written: ctx.add(reader.counter, written))
            else:
                ctx.add(reader.counter, reader.apply(ctx, page.records))
            ctx.run.done += len(page.records) + len(page.errors)
            ctx.progress(reader.stage)
            if last is not None:
                ctx.slice_left -= 1
                if page.page_count is None:  # Quotes: Xero gives no count; a short page is the last
                    more = len(page.records) + len(page.errors) >= client.QUOTES_PAGE_SIZE
                else:
                    more = page.page < page.page_count
                if page.page >= last and more:
                    raise SliceEnd(step=step, page=page.page + 1)
