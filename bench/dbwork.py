"""`python -m bench.dbwork`: the initial sync's database and parsing stages, timed apart (issue 18).

Builds the pages a first sync reads with the sandbox's own generator and renderer (10,000 contacts and 100,000
invoices by default; 1,000 invoices a page with their line items and payments, the JSON bytes Xero sends), then
runs the sync's own functions on them against PostgreSQL (a fresh database, $BENCH_DATABASE_URL), stage by stage:

1. JSON decode of every invoice page (`client.jsonwire`);
2. parse into typed records (`schemas.page_of` with the client's Invoices resource);
3. invoice upserts, insert pass, twice: first page after page on one connection (`sync.invoices.invoices_apply`,
   what one page's store costs), then, into emptied tables, by the sync's page writers (`sync.writers`, as many
   as XERO_SYNC_PAGE_WRITERS, each page's store on its writer's connection), which is how the sync stores them;
4. CRM contacts: Xero's copy stored, the paying ones marked, then `contacts_link_paying`
   (one match, i.e. one conflict check, per contact; about 7,000 created with email, phones and addresses);
5. relinking: `sync.invoices.invoices_relink` (about 90,000 invoices attached to their new CRM contacts);
6. invoice upserts, update pass: the same pages one day newer, now attached, so the receivable summary's
   triggers have rows to count.

For each stage: wall seconds, rows per second, this process's CPU (all its threads) and PostgreSQL's CPU: every
PostgreSQL process's, the page writers' backends and the background writers included (read from /proc, so the
database must run on this machine to count it). The worker's CPU per page (decode + parse + build
rows + upsert, both sides) is what decides whether the sync's last window of pages can be stored in seconds.
With --write, the table replaces the "dbwork" block of docs/BENCHMARKS.md, with the command that made it.
"""

import argparse
import dataclasses
import functools
import gc
import os
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import django

from bench.environment import database_recreate, git_revision
from bench.report import block_write, grid, grid_plain

ROOT = Path(__file__).resolve().parents[1]
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/capsync_bench_dbwork"
PAGE_SIZE = 1000
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
BLOCK = ("<!-- bench:dbwork:start -->", "<!-- bench:dbwork:end -->")
HEADER = ["Stage", "Rows", "Wall", "Rows/s", "Bench CPU", "PostgreSQL CPU", "Per page (both sides)"]


@dataclass
class Stage:
    name: str
    rows: int
    wall: float
    cpu: float
    server_cpu: float
    pages: int = 0
    # Part of what one page costs the sync, decoded, parsed and stored on one connection (the summary's figure).
    in_page_cost: bool = False

    def row(self) -> list[str]:
        per_page = f"{(self.cpu + self.server_cpu) / self.pages * 1000:,.1f} ms" if self.pages else ""
        rate = f"{self.rows / self.wall:,.0f}" if self.wall else ""
        return [
            self.name,
            f"{self.rows:,}",
            f"{self.wall:,.2f} s",
            rate,
            f"{self.cpu:,.2f} s",
            f"{self.server_cpu:,.2f} s",
            per_page,
        ]


class Meter:
    """Wall time, this process's CPU and PostgreSQL's CPU around a stage.

    PostgreSQL's CPU is the utime + stime (from /proc) of every live PostgreSQL process, plus what its postmaster
    counts for the children it reaped (cutime + cstime): a page writer's backend ends with its connection, before
    the stage is over, and its CPU is then the postmaster's."""

    def __init__(self) -> None:
        self.ticks = os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _postgres_processes() -> dict[int, list[str]]:
        """PostgreSQL's processes on this machine: pid -> the fields of /proc/pid/stat after the command name."""
        processes = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                head, tail = stat.read_text().rsplit(")", 1)
            except OSError:
                continue  # ended meanwhile
            if head.endswith("(postgres"):
                processes[int(stat.parent.name)] = tail.split()
        return processes

    def server_cpu(self) -> float:
        """0 when PostgreSQL runs on another machine (its CPU is not counted then)."""
        processes = self._postgres_processes()
        ticks = 0
        for fields in processes.values():
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
            if int(fields[1]) not in processes:  # its parent is not PostgreSQL: the postmaster
                ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
        return ticks / self.ticks

    def settle(self, backends: int) -> None:
        """Wait (up to 5 s) until PostgreSQL runs at most `backends` backends of this bench's database and has reaped
        every ended one: an ending backend's CPU is counted nowhere until its postmaster reaps it."""
        from django.db import connection

        with connection.cursor() as cursor:
            for _ in range(50):
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
                ending = [fields for fields in self._postgres_processes().values() if fields[0] in ("Z", "X")]
                if cursor.fetchone()[0] <= backends and not ending:
                    return
                time.sleep(0.1)

    def measure(self, name: str, work: Callable[[], int], *, pages: int = 0, in_page_cost: bool = False) -> Stage:
        gc.collect()
        wall, cpu, server = time.perf_counter(), time.process_time(), self.server_cpu()
        rows = work()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        self.settle(backends=1)  # this thread's own connection
        server = self.server_cpu() - server
        return Stage(name, rows, wall, cpu, server, pages=pages, in_page_cost=in_page_cost)


def pages_render(*, contacts: int, invoices: int) -> tuple[list[bytes], list[bytes]]:
    """The JSON bodies of every Contacts and Invoices page of a first sync, as the sandbox answers them."""
    from xero_sandbox import jsonutil, msdate, tenants
    from xero_sandbox.accounting import contacts as sandbox_contacts
    from xero_sandbox.accounting import invoices as sandbox_invoices
    from xero_sandbox.seed.generate import generate

    meta = tenants.tenant_meta(
        tenant_id="dbwork", name="Benchmark Org", base_currency="GBP", timezone="Europe/London", now=NOW
    )
    data = generate(
        tenant_id=meta.tenant_id,
        organisation=tenants.organisation_of(meta),
        contacts=contacts,
        invoices=invoices,
        today=NOW.date(),
    )
    envelope = {"Id": "dbwork", "Status": "OK", "ProviderName": "Capsync", "DateTimeUTC": ""}
    envelope["DateTimeUTC"] = msdate.format_envelope_datetime(NOW)

    def bodies(listing: Callable[..., Any], pages: int, **extra: Any) -> list[bytes]:
        out = []
        for page in range(1, pages + 1):
            query = {"page": [str(page)], "pageSize": [str(PAGE_SIZE)], **extra}
            out.append(jsonutil.dumps({**envelope, **listing(data=data, query=query, headers={}).body}))
        return out

    contact_pages = bodies(
        lambda **kw: sandbox_contacts.list_contacts(**kw, now=NOW),
        -(-contacts // PAGE_SIZE),
        order=["ContactID ASC"],
        includeArchived=["true"],
    )
    invoice_pages = bodies(
        lambda **kw: sandbox_invoices.list_documents(**kw, collection="Invoices"),
        -(-invoices // PAGE_SIZE),
        order=["InvoiceID ASC"],
    )
    return contact_pages, invoice_pages


def database_prepare(url: str) -> None:
    database_recreate(url)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "capsync.settings",
            "DATABASE_URL": url,
            "LOG_LEVEL": "WARNING",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "CELERY_BROKER_URL": "memory://",
        }
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def connection_make() -> int:
    """A linked organisation whose new CRM contacts go to one team; returns the XeroConnection's id."""
    from accounts.models import Team
    from integrations.xero.models import XeroConnection, XeroGrant
    from invoices.models import Organisation

    team = Team.objects.create(name="Sales")
    organisation = Organisation.objects.create(
        name="Benchmark Org", short_code="!dbw", base_currency="GBP", timezone="Europe/London"
    )
    grant = XeroGrant.objects.create(
        access_token_encrypted="not-a-token", refresh_token_encrypted="not-a-token", access_token_expires_at=NOW
    )
    return XeroConnection.objects.create(
        grant=grant,
        tenant_id="dbwork",
        organisation=organisation,
        default_team=team,
        is_configured=True,
        connected_at=NOW,
    ).pk


def pages_load(*, contacts: int, invoices: int, cache: Path | None) -> tuple[list[bytes], list[bytes]]:
    """The rendered pages, from `cache` when it holds this size's (rendering 100,000 invoices takes minutes)."""
    if cache is not None and cache.exists():
        with cache.open("rb") as file:
            size, pages = pickle.load(file)
        if size == (contacts, invoices):
            return pages
    pages = pages_render(contacts=contacts, invoices=invoices)
    if cache is not None:
        with cache.open("wb") as file:
            pickle.dump(((contacts, invoices), pages), file)
    return pages


def run(*, contacts: int, invoices: int, database_url: str, cache: Path | None = None) -> list[Stage]:
    started = time.perf_counter()
    contact_bodies, invoice_bodies = pages_load(contacts=contacts, invoices=invoices, cache=cache)
    print(
        f"rendered {len(contact_bodies)} contact and {len(invoice_bodies)} invoice pages "
        f"({sum(map(len, invoice_bodies)) / len(invoice_bodies) / 1024:,.0f} KiB each) "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    database_prepare(database_url)
    from django.conf import settings
    from django.db import connection as db

    from integrations.xero import schemas
    from integrations.xero.client import jsonwire, resources
    from integrations.xero.sync import contacts as contact_sync
    from integrations.xero.sync import invoices as invoice_sync
    from integrations.xero.sync.writers import page_writers
    from invoices.models import Invoice

    connection_id = connection_make()
    meter = Meter()

    stages: list[Stage] = []
    decoded: list[Any] = []

    def decode() -> int:
        decoded.extend(jsonwire.loads(body) for body in invoice_bodies)
        return sum(len(body["Invoices"]) for body in decoded)

    stages.append(meter.measure("JSON decode", decode, pages=len(invoice_bodies), in_page_cost=True))
    pages: list[Any] = []

    def parse() -> int:
        for number, body in enumerate(decoded, start=1):
            pages.append(
                schemas.page_of(
                    body,
                    collection=resources.INVOICES.path,
                    id_field=resources.INVOICES.id_field,
                    parse=resources.INVOICES.parse,
                    page=number,
                )
            )
        return sum(len(page.records) for page in pages)

    stages.append(meter.measure("Parse into records", parse, pages=len(invoice_bodies), in_page_cost=True))
    decoded.clear()
    paying = {
        record.contact_id
        for page in pages
        for record in page.records
        if record.type == schemas.InvoiceType.ACCREC and record.status in ("AUTHORISED", "PAID")
    }

    def upsert(batch: list[list[Any]]) -> int:
        return sum(
            invoice_sync.invoices_apply(connection_id=connection_id, invoices=records, now=NOW) for records in batch
        )

    records = [page.records for page in pages]
    # The sync holds a handful of pages at a time; this holds all of them (a few million objects), which every full
    # collection of Python's garbage collector would walk again and again while the stages below allocate. Frozen,
    # they are left out of collections, as a sync's few pages are by their size.
    gc.collect()
    gc.freeze()
    stages.append(
        meter.measure(
            "Invoice upserts, insert pass, one connection",
            lambda: upsert(records),
            pages=len(records),
            in_page_cost=True,
        )
    )
    with db.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Invoice._meta.db_table} CASCADE")

    def upsert_by_writers() -> int:
        written = [0]

        def count(rows: int) -> None:
            written[0] += rows

        with page_writers(settings.XERO_SYNC_PAGE_WRITERS) as writers:
            for page in records:
                store = functools.partial(
                    invoice_sync.invoices_apply, connection_id=connection_id, invoices=page, now=NOW
                )
                writers.submit(store, on_stored=count)
        return written[0]

    stages.append(
        meter.measure(
            f"Invoice upserts, insert pass, {settings.XERO_SYNC_PAGE_WRITERS} page writers (the sync's way)",
            upsert_by_writers,
            pages=len(records),
        )
    )

    def contacts_link() -> int:
        connection = contact_sync.XeroConnection.objects.get(pk=connection_id)
        return contact_sync.contacts_link_paying(connection=connection).created

    contact_records = [
        record
        for body in contact_bodies
        for record in schemas.page_of(
            jsonwire.loads(body), collection="Contacts", id_field="ContactID", parse=schemas.contact, page=1
        ).records
    ]
    contact_sync.xero_contacts_store(connection_id=connection_id, records=contact_records)
    contact_sync.paying_mark(connection_id=connection_id, xero_contact_ids=paying)
    stages.append(meter.measure("CRM contacts created (match + create)", contacts_link))
    stages.append(
        meter.measure("Relinking invoices", lambda: invoice_sync.invoices_relink(connection_id=connection_id))
    )
    newer = [[dataclasses.replace(r, updated_at=r.updated_at + timedelta(days=1)) for r in page] for page in records]
    stages.append(meter.measure("Invoice upserts, update pass (attached)", lambda: upsert(newer), pages=len(newer)))
    attached = Invoice.objects.filter(contact__isnull=False).count()
    print(f"{attached:,} of {Invoice.objects.count():,} invoices attached at the end", file=sys.stderr)
    return stages


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.dbwork", description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DATABASE_URL),
        help=f"PostgreSQL database to drop, create and use (default $BENCH_DATABASE_URL or {DATABASE_URL})",
    )
    parser.add_argument("--pages-cache", type=Path, help="keep the rendered pages in this file between runs")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--write", action="store_true", help="replace the dbwork block of --output")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    stages = run(contacts=args.contacts, invoices=args.invoices, database_url=args.database_url, cache=args.pages_cache)
    load_after = os.getloadavg()[0]
    rows = [stage.row() for stage in stages]
    worker = [stage for stage in stages if stage.in_page_cost]
    per_page = sum(stage.cpu + stage.server_cpu for stage in worker) / max(worker[0].pages, 1)
    summary = (
        f"{args.contacts:,} contacts / {args.invoices:,} invoices, commit {git_revision()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load_before:.1f} before / {load_after:.1f} after. "
        f"Worker CPU per page of {PAGE_SIZE:,} invoices (decode + parse + build rows + upsert, this process and "
        f"PostgreSQL, insert pass on one connection): {per_page * 1000:,.0f} ms."
    )
    print(grid_plain(HEADER, rows))
    print(summary)
    if args.write:
        command = " ".join(["python -m bench.dbwork", *(arg for arg in argv if arg != "--write")])
        block_write(args.output, BLOCK, f"`{command}`: {summary}\n\n{grid(HEADER, rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
