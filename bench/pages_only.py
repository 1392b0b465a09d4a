"""`python -m bench --pages-only --contacts 100000 --invoices 1000000 [--reuse-data]`: the CRM's pages at issue
18's ten-times size, with the data loaded straight into PostgreSQL (bench/tenfold.py) instead of synced."""

import argparse
from datetime import UTC, datetime

import django

from bench import report
from bench.environment import database_recreate, environment_set, git_revision
from bench.sync_tables import PAGE_HEADER, page_rows
from tests.sandbox import SandboxControl


def main(args: argparse.Namespace) -> int:
    """Load the sizes straight into PostgreSQL, time the pages, print them and write their block of the docs."""
    started_at = datetime.now(UTC)
    size = f"{args.contacts:,} contacts / {args.invoices:,} invoices"
    unused = "http://127.0.0.1:9"  # no Xero is called: nothing is synced
    environment_set(sandbox=SandboxControl(unused), database_url=args.database_url)
    if not args.reuse_data:
        database_recreate(args.database_url)
    django.setup()
    from django.core.management import call_command

    from bench import pages, scenario, tenfold

    call_command("migrate", verbosity=0, interactive=False)
    if args.reuse_data:
        loaded = tenfold.loaded_before()
        if (loaded.contacts, loaded.invoices) != (args.contacts, args.invoices):
            print(f"The database holds {loaded.contacts:,} contacts / {loaded.invoices:,} invoices, not {size}")
            return 1
        print(f"Pages only, {size}: reusing the loaded database; timing pages ...", flush=True)
    else:
        print(f"Pages only, {size}: loading them with COPY ...", flush=True)
        loaded = tenfold.load(contacts=args.contacts, invoices=args.invoices)
        print(
            f"Loaded in {loaded.load_seconds:.0f} s; timing pages ({args.page_requests} requests each) ...", flush=True
        )
    page_setup, timings = tenfold.measure(loaded, requests=args.page_requests)
    machine_line = report.machine_line(postgres=scenario.postgres_version())
    how = "by an earlier run" if args.reuse_data else f"in {loaded.load_seconds:.0f} s"
    note = (
        f"{loaded.contacts:,} contacts ({page_setup.visible_contacts:,} in the member's team), "
        f"{loaded.invoices:,} invoices and credit notes, {loaded.payments:,} payments, loaded with COPY {how} "
        f"(not synced); {page_setup.open_opportunities} open and as many won "
        f"opportunities; {pages.WARM_UPS} warm-ups, then {args.page_requests} timed requests of each page; "
        "queries counted on one request."
    )
    table = page_rows(timings)
    print(f"\n{size} (pages only) on {machine_line}\n{note}")
    print(report.grid_plain(PAGE_HEADER, table))
    if not args.no_write:
        reuse = " --reuse-data" if args.reuse_data else ""
        command = f".venv/bin/python -m bench --pages-only --contacts {args.contacts} --invoices {args.invoices}{reuse}"
        when = started_at.strftime("%Y-%m-%d %H:%M UTC")
        section = "\n\n".join(
            [
                f"### Pages only: {size}",
                f"Last run {when} on commit {git_revision()}: `{command}`.  \nMachine: {machine_line}.",
                note,
                report.grid(PAGE_HEADER, table),
            ]
        )
        history = (
            f"- {when}, {size}, pages only: slowest page p95 {max(t.p95_ms for t in timings):,.0f} ms "
            f"(commit {git_revision()})"
        )
        report.docs_update(
            args.output, key=f"pages-{args.contacts}x{args.invoices}", section=section, history_line=history
        )
        print(f"\nWrote {args.output}")
    return 0
