"""`python -m bench [--quick | --contacts N --invoices M]`: the sync benchmark of issue 6.

Starts the Xero sandbox with a generated organisation and Xero's rate limits, recreates the PostgreSQL database
`capsync_bench`, links the organisation as the connect wizard does, and measures the initial full sync, an idle
incremental sync and one webhook-driven change (to the contact's panel showing it). Then the Singer tap
`tap-xero` syncs the same organisation (issue 9's side by side; bench/peer.py), and the CRM's busiest pages are
timed at that size (issue 7; bench/pages.py). Prints the tables and rewrites this size's block of
docs/BENCHMARKS.md (unless --no-write).
"""

import argparse
import os
import pstats
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import django

from bench import orgs, pages_only, peer, report
from bench.environment import ROOT, WEBHOOK_KEY, database_recreate, environment_set, git_revision, sandbox_start
from bench.sync_tables import (
    PAGE_HEADER,
    SIDE_HEADER,
    STAGE_HEADER,
    history_line,
    page_rows,
    results_rows,
    side_by_side_rows,
    stage_rows,
)
from tests.sandbox import SandboxControl

FULL_SIZE = (10_000, 100_000)
QUICK_SIZE = (1_000, 10_000)
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/capsync_bench"
# How long after the full sync's last minute window closes (bench.calls.minute_windows_close) the idle round starts:
# the calls log dates a call by its answer, a little after Xero's window counted it.
WINDOW_CLOSE_MARGIN_SECONDS = 2.0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=None, help=f"contacts in the org (default {FULL_SIZE[0]:,})")
    parser.add_argument("--invoices", type=int, default=None, help=f"invoices in the org (default {FULL_SIZE[1]:,})")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_SIZE[0]:,} contacts and {QUICK_SIZE[1]:,} invoices, for trying it out",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DATABASE_URL),
        help=f"PostgreSQL database to drop, create and use (default $BENCH_DATABASE_URL or {DATABASE_URL})",
    )
    parser.add_argument(
        "--sandbox-timeout",
        type=float,
        default=300,
        help="seconds to wait for the sandbox to build the organisation (default 300)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the initial sync and print its hottest functions"
    )
    parser.add_argument(
        "--skip-peer",
        action="store_true",
        help="leave out the side-by-side run of the Singer tap tap-xero (it takes the longest)",
    )
    parser.add_argument(
        "--page-requests", type=int, default=50, help="timed requests of each page after 3 warm-ups (default 50)"
    )
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="no sandbox and no sync: load the contacts and invoices straight into PostgreSQL (COPY) "
        "and time the pages (issue 18's ten-times size: --contacts 100000 --invoices 1000000)",
    )
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="with --pages-only: keep the database the last --pages-only run loaded (of the same size), migrate it "
        "and time the pages again, instead of recreating and loading it",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    orgs.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.quick and (args.contacts or args.invoices):
        parser.error("--quick sets the sizes; leave out --contacts/--invoices")
    if args.reuse_data and not args.pages_only:
        parser.error("--reuse-data only applies to --pages-only")
    contacts, invoices = QUICK_SIZE if args.quick else FULL_SIZE
    args.contacts = args.contacts or contacts
    args.invoices = args.invoices or invoices
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.pages_only:
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        return pages_only.main(args)
    if args.orgs:
        return orgs.main(args)
    # WhiteNoise warns that static files were never collected (pages.setup collects them only later).
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    log_dir = ROOT / "var" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    started_at = datetime.now(UTC)
    size = f"{args.contacts:,} contacts / {args.invoices:,} invoices"
    peer_python = None if args.skip_peer else peer.peer_python()
    print(f"Benchmark: {size}. Starting the Xero sandbox (it builds the organisation first) ...", flush=True)
    sandbox_process, build_seconds = sandbox_start(
        contacts=args.contacts, invoices=args.invoices, latency_ms=args.latency_ms, timeout=args.sandbox_timeout
    )
    tap = None
    try:
        sandbox = SandboxControl(sandbox_process.url)
        print(f"Sandbox ready at {sandbox.url} after {build_seconds:.0f} s; recreating the database ...", flush=True)
        environment_set(sandbox=sandbox, database_url=args.database_url)
        database_recreate(args.database_url)
        django.setup()
        # Capsync's models can be imported only now that the settings (read from the environment) are loaded.
        from django.core.management import call_command

        from bench import pages, scenario

        call_command("migrate", verbosity=0, interactive=False)
        linked = scenario.connect(sandbox)
        print(f"Linked connection {linked.connection_id}; running the initial full sync ...", flush=True)
        profile = log_dir / "full-sync.prof" if args.profile else None
        full = scenario.sync_in_worker(
            sandbox=sandbox, connection_id=linked.connection_id, kind="full", log_dir=log_dir, profile=profile
        )
        print(f"Full sync {full.run.outcome} in {full.wall_seconds:.0f} s.", flush=True)
        if peer_python:
            # The tap has its own Xero app, so its rate-limit windows (per app and organisation) start fresh.
            link = peer.tap_link(sandbox, tenant_id=linked.tenant_id, user_email=scenario.DEMO_USER)
            print(
                f"tap-xero {peer.TAP_VERSION} syncing {', '.join(peer.SELECTED_STREAMS)} of the same organisation ...",
                flush=True,
            )
            tap = peer.tap_run(sandbox=sandbox, link=link, work_dir=log_dir / "peer", python=peer_python)
            print(f"tap-xero exited {tap.exit_code} after {tap.wall_seconds:.0f} s.", flush=True)
            if not tap.finished:
                print(tap.stderr_tail, flush=True)
        # Right after the full sync its last minute window at Xero is still open and nearly spent: an idle round
        # started then would measure waiting for it. It starts once that window has closed, and the wait is shown.
        window_wait = 0.0
        if full.calls.window_closes_at:
            closes = datetime.fromisoformat(full.calls.window_closes_at)
            window_wait = max((closes - sandbox.now()).total_seconds() + WINDOW_CLOSE_MARGIN_SECONDS, 0.0)
        if window_wait:
            print(
                f"Waiting {window_wait:.0f} s for the full sync's last minute window at Xero to close, so that the "
                "idle round measures its sync, not that wait ...",
                flush=True,
            )
            time.sleep(window_wait)
        print("Idle incremental sync ...", flush=True)
        incremental = scenario.sync_in_worker(
            sandbox=sandbox, connection_id=linked.connection_id, kind="incremental", log_dir=log_dir
        )
        incremental.extra["window_wait_seconds"] = window_wait
        print("Changing one invoice, delivering its webhook and opening the contact's panel ...", flush=True)
        page_setup = pages.setup(team_id=linked.team_id)
        viewer = pages.signed_in_client(page_setup.member)
        webhook = scenario.webhook_change(sandbox=sandbox, linked=linked, webhook_key=WEBHOOK_KEY, viewer=viewer)
        print(f"Timing pages ({args.page_requests} requests each) ...", flush=True)
        timings = pages.pages_measure(page_setup, requests=args.page_requests)
        postgres = scenario.postgres_version()
    finally:
        sandbox_process.stop()

    rows = results_rows(
        contacts=args.contacts, invoices=args.invoices, full=full, incremental=incremental, webhook=webhook
    )
    stages = stage_rows(full=full, incremental=incremental, webhook=webhook)
    side = side_by_side_rows(contacts=args.contacts, invoices=args.invoices, full=full, tap=tap) if tap else []
    page_table = page_rows(timings)
    page_note = (
        f"{page_setup.visible_contacts:,} contacts in the member's team, "
        f"{page_setup.open_opportunities} open and as many won opportunities; {pages.WARM_UPS} warm-ups, then "
        f"{args.page_requests} timed requests of each page; queries counted on one request."
    )
    machine_line = report.machine_line(postgres=postgres)
    command = (
        ".venv/bin/python -m bench"
        + (
            " --quick"
            if args.quick
            else (
                ""
                if (args.contacts, args.invoices) == FULL_SIZE
                else f" --contacts {args.contacts} --invoices {args.invoices}"
            )
        )
        + (f" --latency-ms {args.latency_ms}" if args.latency_ms else "")
    )
    if args.latency_ms:  # the latency run is its own block, beside the run without
        size = f"{size}, {args.latency_ms} ms added to every call"
    when = started_at.strftime("%Y-%m-%d %H:%M UTC")
    print()
    print(f"{size} on {machine_line}")
    print(report.plain_table(rows))
    print()
    print("Where the time went")
    print(report.plain_table(stages, header=STAGE_HEADER))
    if side:
        print()
        print(f"Side by side with tap-xero {peer.TAP_VERSION} (streams {', '.join(tap.selected)})")
        print(report.grid_plain(SIDE_HEADER, side))
    print()
    print(f"Page speed ({page_note})")
    print(report.grid_plain(PAGE_HEADER, page_table))
    if profile:
        print()
        pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(30)
        pstats.Stats(str(profile)).sort_stats("tottime").print_stats(20)

    if not args.no_write:
        key = (
            "quick"
            if args.quick
            else ("full" if (args.contacts, args.invoices) == FULL_SIZE else f"{args.contacts}x{args.invoices}")
        )
        key += f"-latency{args.latency_ms}" if args.latency_ms else ""
        section = "\n\n".join(
            [
                f"### {size}" + (" (`--quick`)" if args.quick else ""),
                f"Last run {when} on commit {git_revision()}: `{command}`.  \n"
                f"Machine: {machine_line}. The sandbox built the organisation in {build_seconds:.0f} s.",
                report.table(rows),
                "Where the time went (wall-clock timers around each stage of `organisation_sync`):",
                report.table(stages, header=STAGE_HEADER),
                *(
                    [
                        f"#### Side by side with tap-xero {peer.TAP_VERSION}",
                        f"Streams selected: {', '.join(f'`{name}`' for name in tap.selected)} (all their fields). "
                        f"Discovery before the run made {tap.discovery_calls.counted} accounting call(s) and "
                        f"{tap.discovery_calls.identity} token call(s), not counted below. Calls are the sandbox's "
                        "calls log for each app; floors are for this organisation.",
                        report.grid(SIDE_HEADER, side),
                    ]
                    if side
                    else ["(tap-xero left out with `--skip-peer`.)"]
                ),
                "#### Page speed",
                page_note,
                report.grid(PAGE_HEADER, page_table),
            ]
        )
        history = history_line(
            when=when, size=size, full=full, incremental=incremental, webhook=webhook, tap=tap, timings=timings
        )
        report.docs_update(args.output, key=key, section=section, history_line=history)
        print(f"\nWrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    succeeded = all(run.outcome == "succeeded" for run in (full.run, incremental.run, webhook.run))
    return 0 if succeeded and webhook.applied and webhook.panel_shows_change and (tap is None or tap.finished) else 1


if __name__ == "__main__":
    sys.exit(main())
