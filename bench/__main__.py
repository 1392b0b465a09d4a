"""`python -m bench [--quick | --contacts N --invoices M]`: the sync benchmark of issue 6.

Starts the Xero sandbox with a generated organisation and Xero's rate limits, recreates the PostgreSQL database
`capsync_bench`, links the organisation as the connect wizard does, and measures the initial full sync, an idle
incremental sync and one webhook-driven change (to the contact's panel showing it). Then the Singer tap
`tap-xero` syncs the same organisation (issue 9's side by side; bench/peer.py), and the CRM's busiest pages are
timed at that size (issue 7; bench/pages.py). Prints the tables and rewrites this size's block of
docs/BENCHMARKS.md (unless --no-write).
"""

import argparse
import math
import os
import pstats
import secrets
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import django
import psycopg
from cryptography.fernet import Fernet
from psycopg import sql

from bench import orgs, peer, report
from tests.sandbox import SandboxControl, SandboxProcess

ROOT = Path(__file__).resolve().parents[1]
FULL_SIZE = (10_000, 100_000)
QUICK_SIZE = (1_000, 10_000)
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/capsync_bench"
DEMO_CLIENT_ID, DEMO_CLIENT_SECRET = "capsync-demo", "demo-secret"  # registered by the sandbox with the org
WEBHOOK_KEY = "bench-webhook-key"
PAGE_SIZE = 1000
CALLS_PER_MINUTE = 60  # Xero's per-organisation minute limit
IDLE_CALLS_TARGET = 3
# How long after the full sync's last minute window closes (bench.calls.minute_windows_close) the idle round starts:
# the calls log dates a call by its answer, a little after Xero's window counted it.
WINDOW_CLOSE_MARGIN_SECONDS = 2.0
WEBHOOK_CALLS_TARGET = 2
# Timers around stages that never nest, so they add up (bench/worker.py); the rest of the sync time is "other".
STAGES = [
    ("http", "HTTP to Xero (incl. sandbox time)"),
    ("rate_limit_sleep", "Waiting out rate limits"),
    ("json_decode", "JSON decoding"),
    ("parse", "Parsing records (schemas)"),
    ("invoices_apply", "Invoice upserts"),
    ("credit_notes_apply", "Credit note upserts"),
    ("contacts_store", "Storing Xero contacts"),
    ("contacts_link_paying", "Linking / creating CRM contacts"),
    ("invoices_relink", "Relinking invoices to contacts"),
]


STAGE_HEADER = report.Row(
    "Stage (seconds, times entered, share)", "Initial full sync", "Idle incremental", "Webhook change"
)


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


def database_recreate(url: str) -> None:
    """Drop and create the benchmark's database, connecting to the server's `postgres` database to do it."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in {"postgres", "template0", "template1"}:
        raise SystemExit(f"refusing to drop the database {name!r}: give the benchmark its own database")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def environment_set(*, sandbox: SandboxControl, database_url: str) -> None:
    """Capsync's settings for this process and its workers, as production would have them (DEBUG off)."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "capsync.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "CAPSYNC_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DATABASE_URL": database_url,
            "XERO_LOGIN_URL": sandbox.login_url,
            "XERO_IDENTITY_URL": sandbox.identity_url,
            "XERO_API_URL": sandbox.api_url,
            "XERO_CLIENT_ID": DEMO_CLIENT_ID,
            "XERO_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "XERO_WEBHOOK_KEY": WEBHOOK_KEY,
            # Production refuses the console email backend; the bench sends no email, so it keeps none.
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            # The webhook's sync runs inside the delivery, so its time is measured from delivery to stored.
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "CELERY_BROKER_URL": "memory://",
            "LOG_LEVEL": "WARNING",
        }
    )


def _git_revision() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} with uncommitted changes" if dirty else head


def _seconds(value: float) -> str:
    return f"{value:,.1f} s" if value < 120 else f"{value:,.0f} s ({value / 60:.1f} min)"


def _calls(count: int) -> str:
    return f"{count} call" if count == 1 else f"{count} calls"


def _ratio(value: float, floor: float) -> str:
    return f"{value / floor:.2f}x" if floor else ""


def _run_seconds(run) -> float:
    return (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0


def _tail_seconds(result) -> float | None:
    """From the sandbox's answer to the run's last invoice page to the run's end (the sandbox's clock is the real
    one): what the run still did once the invoice pages were on their way in (storing the last pages, matching,
    relinking, the quotes call, ...)."""
    last_page = result.calls.last_at_by_path.get("Invoices")
    if not (last_page and result.run.finished_at):
        return None
    return max((result.run.finished_at - datetime.fromisoformat(last_page)).total_seconds(), 0.0)


def honest_floor(full) -> report.Floor:
    """The window floor (report.window_floor) of the initial sync's own calls: a call takes the sandbox's mean time
    answering one (its calls log, latency included), a store the sync's mean time storing a page of invoices.

    Not the worker's own `http` timer: that also runs while a call waits for the pacer (which sleeps out the first
    window holding its lock, so the other four readers wait inside their calls too) and for a call slot, which
    made the floor grow with the sync's own waiting (1.9 s a call instead of the sandbox's 0.1 s)."""
    timers, calls = full.payload["timers"], full.payload["timer_calls"]
    return report.window_floor(
        calls=full.run.api_calls,
        seconds_per_call=full.calls.server_seconds / max(full.calls.accounting, 1),
        seconds_per_store=timers.get("invoices_apply", 0.0) / max(calls.get("invoices_apply", 0), 1),
    )


def _per_second(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} rows/s" if seconds else "n/a"


def results_rows(*, contacts: int, invoices: int, full, incremental, webhook) -> list[report.Row]:
    calls_floor = math.ceil(invoices / PAGE_SIZE) + math.ceil(contacts / PAGE_SIZE)
    time_floor = calls_floor * 60 / CALLS_PER_MINUTE
    counts = full.run.counts
    timers = full.payload["timers"]
    sync_seconds = _run_seconds(full.run)
    upsert_seconds = timers.get("invoices_apply", 0.0)
    upserted = counts.get("invoices", 0)
    seen = full.calls
    floor = honest_floor(full)
    rows = [
        report.Row(
            "Initial sync: API calls (SyncRun.api_calls)",
            f"{full.run.api_calls:,}",
            f"{calls_floor:,} + small constant",
            _ratio(full.run.api_calls, calls_floor),
        ),
        report.Row(
            "Initial sync: accounting calls the sandbox answered (200 / 429 / other)",
            f"{seen.accounting_ok:,} / {seen.accounting_429:,} / {seen.accounting_other:,}",
        ),
        report.Row("Initial sync: calls by resource", ", ".join(f"{k} {v}" for k, v in sorted(seen.by_path.items()))),
        report.Row(
            "Initial sync: time (SyncRun start to finish) against the old floor",
            _seconds(sync_seconds),
            f"{_seconds(time_floor)} ({calls_floor} calls at {CALLS_PER_MINUTE}/min)",
            _ratio(sync_seconds, time_floor),
        ),
        report.Row(
            "Initial sync: time against the honest floor, (ceil(calls/60) - 1) x 60 s + the last window's work",
            _seconds(sync_seconds),
            f"{_seconds(floor.seconds)} ({floor.windows - 1} x 60 s + {floor.last_window_calls} calls "
            f"5 in flight + the last store: {floor.last_window_work_seconds:,.1f} s)",
            _ratio(sync_seconds, floor.seconds),
        ),
        report.Row(
            "Initial sync: its tail, from the last invoice page answered to the run's end (storing, matching, ...)",
            _seconds(tail) if (tail := _tail_seconds(full)) is not None else "n/a",
        ),
        report.Row("Initial sync: worker process wall time (incl. Django start-up)", _seconds(full.wall_seconds)),
        report.Row("Initial sync: worker peak RSS", f"{full.max_rss_kib / 1024:,.0f} MiB"),
        report.Row(
            "Initial sync: outcome", f"{full.run.outcome}" + (f" ({full.run.message})" if full.run.message else "")
        ),
        report.Row(
            "Invoices / credit notes upserted",
            f"{upserted:,} / {counts.get('credit_notes', 0):,}",
            f"{invoices:,} invoices in the org",
        ),
        report.Row(
            "Invoice upsert rate (rows / s spent in invoices_apply)",
            f"{upserted / upsert_seconds:,.0f} rows/s" if upsert_seconds else "n/a",
            "20,000 rows/s",
        ),
        report.Row(
            "Invoices per second end to end (rows / sync time)",
            f"{upserted / sync_seconds:,.0f} rows/s" if sync_seconds else "n/a",
        ),
        report.Row(
            "CRM contacts created per second (created / s in contacts_link_paying)",
            _per_second(counts.get("contacts_created", 0), timers.get("contacts_link_paying", 0.0)),
            "7,000 in 3 s",
        ),
        report.Row(
            "Invoices relinked per second (relinked / s in invoices_relink)",
            _per_second(counts.get("invoices_relinked", 0), timers.get("invoices_relink", 0.0)),
        ),
        report.Row(
            "Contacts read / created / linked / conflicts",
            f"{counts.get('contacts_read', 0):,} / {counts.get('contacts_created', 0):,} / "
            f"{counts.get('contacts_linked', 0):,} / {counts.get('conflicts', 0):,}",
        ),
        report.Row(
            "Rate-limit waits (count, seconds slept)",
            f"{counts.get('rate_limit_waits', 0)}, {timers.get('rate_limit_sleep', 0.0):,.0f} s",
        ),
        report.Row(
            "Idle incremental sync: API calls",
            f"{incremental.run.api_calls}",
            f"≤ {IDLE_CALLS_TARGET}",
            _ratio(incremental.run.api_calls, IDLE_CALLS_TARGET),
        ),
        report.Row(
            "Idle incremental sync: time (sync / worker wall)",
            f"{_seconds(_run_seconds(incremental.run))} / {_seconds(incremental.wall_seconds)}",
        ),
        report.Row(
            "Idle incremental sync: started after the full sync's last minute window closed (waited, not counted)",
            _seconds(incremental.extra.get("window_wait_seconds", 0.0)),
        ),
        report.Row(
            "Webhook change: API calls",
            f"{webhook.run.api_calls}",
            f"≤ {WEBHOOK_CALLS_TARGET}",
            _ratio(webhook.run.api_calls, WEBHOOK_CALLS_TARGET),
        ),
        report.Row(
            "Webhook change: delivery to stored (HTTP 200, sync inline)",
            _seconds(webhook.seconds) + ("" if webhook.applied else " (change NOT stored)"),
        ),
        report.Row(
            "Webhook change: change in the sandbox to the contact's panel showing it",
            _seconds(webhook.change_to_panel_seconds)
            + (
                f" (amount due {webhook.amount_before} → {webhook.amount_after})"
                if webhook.panel_shows_change
                else f" (panel does NOT show {webhook.amount_after})"
            ),
        ),
        report.Row(
            "Webhook change: the panel request alone (HTMX, signed-in member)",
            f"{1000 * webhook.panel_seconds:,.0f} ms",
        ),
    ]
    return rows


def _stage_cell(seconds: float, total: float, calls: int) -> str:
    share = f", {100 * seconds / total:.0f} %" if total else ""
    return f"{seconds:,.1f} s ({calls:,}x{share})" if calls else "-"


def stage_rows(*, full, incremental, webhook) -> list[report.Row]:
    """Seconds in each stage (times entered, share of the sync) for the three syncs, plus what no timer covered."""
    columns = [
        (full.payload["timers"], full.payload["timer_calls"], _run_seconds(full.run)),
        (incremental.payload["timers"], incremental.payload["timer_calls"], _run_seconds(incremental.run)),
        (webhook.timers, webhook.timer_calls, webhook.seconds),
    ]
    rows = []
    for key, label in STAGES:
        cells = [_stage_cell(timers.get(key, 0.0), total, calls.get(key, 0)) for timers, calls, total in columns]
        rows.append(report.Row(label, *cells))
    others = []
    for timers, _, total in columns:
        other = total - sum(timers.get(key, 0.0) for key, _ in STAGES)
        others.append(f"{other:,.1f} s ({100 * other / total:.0f} %)" if total else "-")
    rows.append(report.Row("Other (progress writes, claims, mapping, webhook receipt, ...)", *others))
    rows.append(
        report.Row(
            "Sandbox's own time answering the calls (part of HTTP)",
            *(f"{result.calls.server_seconds:,.1f} s" for result in (full, incremental, webhook)),
        )
    )
    rows.append(
        report.Row(
            "Total (SyncRun start to finish; webhook: delivery to answer)",
            *(f"{total:,.1f} s" for _, _, total in columns),
        )
    )
    return rows


SIDE_HEADER = ["Measure", "Capsync", "tap-xero", "Capsync / tap-xero", "Floor", "Capsync / floor", "tap-xero / floor"]
PAGE_HEADER = ["Page (GET, signed-in team member)", "p50", "p95", "max", "Queries", "Size"]


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def _by_resource(calls) -> str:
    return ", ".join(f"{name} {count:,}" for name, count in sorted(calls.by_path.items()))


def side_by_side_rows(*, contacts: int, invoices: int, full, tap) -> list[list[str]]:
    """Capsync's initial sync and tap-xero's first sync of the same organisation, both counted by the sandbox."""
    calls_floor = math.ceil(invoices / PAGE_SIZE) + math.ceil(contacts / PAGE_SIZE)
    time_floor = calls_floor * 60 / CALLS_PER_MINUTE
    ours, theirs = full.calls, tap.calls
    records = ", ".join(f"{stream} {count:,}" for stream, count in sorted(tap.counts.records.items()))
    return [
        ["Calls by resource (incl. 429s)", _by_resource(ours), _by_resource(theirs), "", "", "", ""],
        [
            "Records",
            f"{full.run.counts.get('invoices', 0):,} invoices, {full.run.counts.get('credit_notes', 0):,} "
            f"credit notes, {full.run.counts.get('contacts_read', 0):,} contacts",
            f"{records} (Singer RECORD messages)",
            "",
            "",
            "",
            "",
        ],
        [
            "API calls counted against the limits (HTTP 200 + errors)",
            f"{ours.counted:,}",
            f"{theirs.counted:,}",
            _ratio(ours.counted, theirs.counted),
            f"{calls_floor:,}",
            _ratio(ours.counted, calls_floor),
            _ratio(theirs.counted, calls_floor),
        ],
        [
            "Calls refused with 429 (not counted by Xero)",
            f"{ours.accounting_429:,}",
            f"{theirs.accounting_429:,}",
            "",
            "",
            "",
            "",
        ],
        ["Token calls (identity)", f"{ours.identity:,}", f"{theirs.identity:,}", "", "", "", ""],
        [
            "Wall time (process start to exit)",
            _seconds(full.wall_seconds),
            _seconds(tap.wall_seconds),
            _ratio(full.wall_seconds, tap.wall_seconds),
            f"{_seconds(time_floor)} ({calls_floor} calls at 60/min)",
            _ratio(full.wall_seconds, time_floor),
            _ratio(tap.wall_seconds, time_floor),
        ],
        [
            "Wall time against its own calls at 60/min",
            _seconds(full.wall_seconds),
            _seconds(tap.wall_seconds),
            "",
            f"{_seconds(ours.counted)} / {_seconds(theirs.counted)}",
            _ratio(full.wall_seconds, ours.counted),
            _ratio(tap.wall_seconds, theirs.counted),
        ],
        [
            "Sandbox's own time answering the calls",
            f"{ours.server_seconds:,.1f} s",
            f"{theirs.server_seconds:,.1f} s",
            "",
            "",
            "",
            "",
        ],
        [
            "Peak RSS of the process",
            _mib(full.max_rss_kib),
            _mib(tap.max_rss_kib),
            _ratio(full.max_rss_kib, tap.max_rss_kib),
            "",
            "",
            "",
        ],
        [
            "Finished",
            f"{full.run.outcome}",
            "yes (exit 0)" if tap.finished else f"NO (exit {tap.exit_code})",
            "",
            "",
            "",
            "",
        ],
    ]


def page_rows(timings) -> list[list[str]]:
    return [
        [
            timing.name,
            f"{timing.p50_ms:,.0f} ms",
            f"{timing.p95_ms:,.0f} ms",
            f"{timing.max_ms:,.0f} ms",
            f"{timing.queries}",
            f"{timing.size_kib:,.0f} KiB",
        ]
        for timing in timings
    ]


def pages_only(args: argparse.Namespace) -> int:
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
    machine = report.machine()
    machine_line = (
        f"{machine['nproc']} CPUs ({machine['cpu']}), {machine['memory']} RAM, {machine['os']}, "
        f"Python {machine['python']}, PostgreSQL {scenario.postgres_version()}; load average {machine['load']} "
        "(1 / 5 / 15 min) as the run ended"
    )
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
                f"Last run {when} on commit {_git_revision()}: `{command}`.  \nMachine: {machine_line}.",
                note,
                report.grid(PAGE_HEADER, table),
            ]
        )
        history = (
            f"- {when}, {size}, pages only: slowest page p95 {max(t.p95_ms for t in timings):,.0f} ms "
            f"(commit {_git_revision()})"
        )
        report.docs_update(
            args.output, key=f"pages-{args.contacts}x{args.invoices}", section=section, history_line=history
        )
        print(f"\nWrote {args.output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.pages_only:
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        return pages_only(args)
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
    begun = time.perf_counter()
    sandbox_process = SandboxProcess(
        [
            "--port",
            "0",
            "--contacts",
            str(args.contacts),
            "--invoices",
            str(args.invoices),
            "--rate-limits",
            "xero",
            "--latency-ms",
            str(args.latency_ms),
            "--log-level",
            "WARNING",
        ],
        start_timeout=args.sandbox_timeout,
    )
    build_seconds = time.perf_counter() - begun
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
    machine = report.machine()
    machine_line = (
        f"{machine['nproc']} CPUs ({machine['cpu']}), {machine['memory']} RAM, {machine['os']}, "
        f"Python {machine['python']}, PostgreSQL {postgres}; load average {machine['load']} (1 / 5 / 15 min) as "
        "the run ended"
    )
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
                f"Last run {when} on commit {_git_revision()}: `{command}`.  \n"
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
        history = (
            f"- {when}, {size}: full sync {_calls(full.run.api_calls)} in {_seconds(_run_seconds(full.run))} "
            f"({_ratio(_run_seconds(full.run), honest_floor(full).seconds)} the honest floor), "
            f"peak RSS {full.max_rss_kib / 1024:,.0f} MiB, "
            f"{full.run.counts.get('invoices', 0) / max(full.payload['timers'].get('invoices_apply', 0.0), 1e-9):,.0f}"
            f" invoice upserts/s; idle incremental {_calls(incremental.run.api_calls)}; webhook "
            f"{_calls(webhook.run.api_calls)} in {_seconds(webhook.seconds)}, panel shows it after "
            f"{_seconds(webhook.change_to_panel_seconds)}"
            + (
                f"; tap-xero {_calls(tap.calls.counted)} in {_seconds(tap.wall_seconds)}, peak RSS "
                f"{_mib(tap.max_rss_kib)}"
                if tap
                else ""
            )
            + f"; slowest page p95 {max(t.p95_ms for t in timings):,.0f} ms (commit {_git_revision()})"
        )
        report.docs_update(args.output, key=key, section=section, history_line=history)
        print(f"\nWrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    succeeded = all(run.outcome == "succeeded" for run in (full.run, incremental.run, webhook.run))
    return 0 if succeeded and webhook.applied and webhook.panel_shows_change and (tap is None or tap.finished) else 1


if __name__ == "__main__":
    sys.exit(main())
