"""`python -m bench --orgs N --contacts C --invoices I --workers W`: many organisations, real Celery workers (issue 18).

Starts the sandbox with N generated organisations of C contacts and I invoices each (Xero's limits on: 60 calls a
minute and 5 in flight per organisation, 10,000 a minute per app), recreates the benchmark database, links every
organisation with one consent, starts W `celery worker` processes (`--per-worker` syncs each: child processes of
Celery's prefork pool, as docker-compose.yml runs production, or threads with `--pool threads`) on Redis and
PostgreSQL, queues every organisation's initial full sync at once and waits for all of them, then does
the same for an idle incremental round. It reports the total time, each organisation's time against its own
floor, the slowest organisation, the peaks of calls in flight per organisation and per app (the sandbox's
counters), 429s, calls a minute for the app and each worker process's peak RSS (VmHWM): with prefork, the
worker's parent and each pool process that runs syncs.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench import report
from bench.environment import database_recreate, environment_set, sandbox_start
from bench.process import PeakRss
from tests.sandbox import SandboxControl

ROOT = Path(__file__).resolve().parents[1]
WORKER_START_SECONDS = 60
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Round:
    """One round of syncs: every organisation's run, and what the sandbox saw meanwhile."""

    kind: str
    seconds: float
    runs: list  # SyncRun, one per organisation
    queued_at: datetime
    calls: list[dict]
    peak_per_org: int
    peak_app: int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--orgs", type=int, default=0, help="many-organisations benchmark: this many organisations (bench/orgs.py)"
    )
    parser.add_argument("--workers", type=int, default=1, help="with --orgs: Celery worker processes (default 1)")
    parser.add_argument(
        "--per-worker",
        type=int,
        default=4,
        help="with --orgs: syncs each worker runs at once (pool processes or threads; default 4)",
    )
    parser.add_argument(
        "--pool",
        choices=("prefork", "threads"),
        default="prefork",
        help="with --orgs: Celery's pool; prefork (the default, as in docker-compose.yml) runs each sync in its own "
        "process, threads runs --per-worker syncs in one process",
    )
    parser.add_argument(
        "--slice-pages",
        type=int,
        default=None,
        help="with --orgs: XERO_SYNC_SLICE_PAGES for the workers (pages a sync task reads before queueing the rest)",
    )
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=0,
        help="delay the sandbox adds to every accounting call (Xero's own answer time)",
    )


def link_all(sandbox: SandboxControl) -> list[int]:
    """Link every benchmark organisation with one consent, as the wizard does; returns the connection ids."""
    from bench.scenario import link_tenants

    tenant_ids = [
        tenant["tenant_id"] for tenant in sandbox.state()["tenants"] if tenant["name"].startswith("Benchmark Org")
    ]
    return link_tenants(sandbox, tenant_ids=tenant_ids)[0]


def workers_start(
    count: int, *, per_worker: int, log_dir: Path, pool: str = "prefork", slice_pages: int | None = None
) -> list[subprocess.Popen]:
    """Start `count` Celery workers on the xero queue and wait until each says it is ready."""
    started = []
    for number in range(count):
        log = log_dir / f"orgs-worker-{number}.log"
        output = log.open("w")
        started.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "capsync",
                    "worker",
                    f"--pool={pool}",
                    f"--concurrency={per_worker}",
                    "--queues=xero",
                    "--loglevel=INFO",
                    "-n",
                    f"bench-{number}-{uuid.uuid4().hex[:6]}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=ROOT,
                env={
                    **os.environ,
                    "DB_CONN_MAX_AGE": "60",
                    "LOG_LEVEL": "INFO",  # the worker's "ready" line, which the bench waits for, is INFO
                    # glibc gives each thread its own malloc arena and keeps what they freed: with a threads pool
                    # of syncs (each with its page readers) one worker stood at 210 MiB without this and 183 MiB
                    # with it, at the same point of the same 100-organisation run.
                    "MALLOC_ARENA_MAX": "2",
                    **({"XERO_SYNC_SLICE_PAGES": str(slice_pages)} if slice_pages is not None else {}),
                },
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + WORKER_START_SECONDS
    for number, worker in enumerate(started):
        log = log_dir / f"orgs-worker-{number}.log"
        while "ready" not in log.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                workers_stop(started)  # a worker left behind would take the next run's tasks
                raise SystemExit(f"Celery worker {number} did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
    return started


def pool_processes(worker: subprocess.Popen) -> list[int]:
    """The pids of a prefork worker's pool processes (none for a threads pool)."""
    try:
        return [int(pid) for pid in Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()]
    except OSError:
        return []


def workers_stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def sync_round(*, sandbox: SandboxControl, connection_ids: list[int], kind: str, timeout: float) -> Round:
    """Queue one sync of `kind` for every organisation at once and wait until all have finished."""
    from django.utils import timezone

    from integrations.xero import tasks
    from integrations.xero.models import SyncRun

    sandbox.clear_calls()  # also resets the sandbox's in-flight peaks
    queued_at = timezone.now()
    begun = time.perf_counter()
    for connection_id in connection_ids:
        tasks.organisation_sync.delay(connection_id=connection_id, kind=kind)
    finished = SyncRun.objects.filter(kind=kind, started_at__gte=queued_at).exclude(
        outcome__in=[SyncRun.Outcome.RUNNING, SyncRun.Outcome.SKIPPED]
    )
    while finished.values("connection_id").distinct().count() < len(connection_ids):
        if time.perf_counter() - begun > timeout:
            raise SystemExit(f"only {finished.count()} of {len(connection_ids)} {kind} syncs finished in {timeout} s")
        time.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - begun
    log = sandbox.calls()
    return Round(
        kind=kind,
        seconds=seconds,
        runs=list(finished.order_by("connection_id")),
        queued_at=queued_at,
        calls=[call for call in log["calls"] if call["path"].startswith("/api/api.xro/")],
        peak_per_org=max(log["peak_concurrency"].values(), default=0),
        peak_app=max(log.get("peak_app_concurrency", {}).values(), default=0),
    )


def own_floor(calls: int) -> float:
    """The waits of `report.window_floor` for an organisation's calls (one per full window before the last). The
    workers keep no stage timers, so the last window's own work is left out here and named beside the figure."""
    return report.window_floor(calls=calls, seconds_per_call=0.0, seconds_per_store=0.0).seconds


def peak_overlap(intervals: list[tuple[datetime, datetime]]) -> int:
    """The most intervals (start, end) open at one moment; one ending as another starts does not overlap it."""
    moments = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    peak = running = 0
    for _, step in moments:
        running += step
        peak = max(peak, running)
    return peak


def _per_minute(calls: list[dict]) -> tuple[int, float]:
    """The busiest minute's calls and the mean calls a minute, minutes counted from the first call."""
    if not calls:
        return 0, 0.0
    moments = sorted(datetime.fromisoformat(call["time"]) for call in calls)
    buckets = Counter(int((moment - moments[0]).total_seconds() // 60) for moment in moments)
    span_minutes = (moments[-1] - moments[0]).total_seconds() / 60
    return max(buckets.values()), len(calls) / max(span_minutes, 1.0)


def _s(seconds: float) -> str:
    return f"{seconds:,.1f} s"


def _mib(peak: PeakRss) -> str:
    return f"{peak.kib / 1024:,.0f} MiB"


def rss_rows(parents: list[PeakRss], pool_peaks: list[list[PeakRss]]) -> list[report.Row]:
    """Each worker's peak RSS; with prefork, its parent's and its pool processes' (where the syncs run)."""
    if not any(pool_peaks):
        return [report.Row("Peak RSS per worker (VmHWM)", ", ".join(map(_mib, parents)))]
    children = [peak for worker_peaks in pool_peaks for peak in worker_peaks]
    return [
        report.Row("Peak RSS per worker's parent process (VmHWM)", ", ".join(map(_mib, parents))),
        report.Row(
            "Peak RSS per pool process running syncs (VmHWM)",
            f"max {_mib(max(children, key=lambda peak: peak.kib))}",
            "; ".join(", ".join(map(_mib, worker_peaks)) for worker_peaks in pool_peaks),
        ),
    ]


def round_rows(result: Round) -> list[report.Row]:
    syncs = [(run.finished_at - run.started_at).total_seconds() for run in result.runs]
    waits = [(run.started_at - result.queued_at).total_seconds() for run in result.runs]
    ends = [(run.finished_at - result.queued_at).total_seconds() for run in result.runs]
    over = [sync - own_floor(run.api_calls) for sync, run in zip(syncs, result.runs, strict=True)]
    slowest = max(range(len(result.runs)), key=lambda index: ends[index])
    worst = result.runs[slowest]
    busiest, mean = _per_minute(result.calls)
    refused = sum(1 for call in result.calls if int(call["status"]) == 429)
    outcomes = Counter(run.outcome for run in result.runs)

    def spread(values: list[float]) -> str:
        return (
            f"median {_s(statistics.median(values))}, p95 {_s(report.percentile(values, 0.95))}, max {_s(max(values))}"
        )

    return [
        report.Row(f"{result.kind}: total time (all queued at once to the last finished)", _s(result.seconds)),
        report.Row(f"{result.kind}: outcomes", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))),
        report.Row(
            f"{result.kind}: API calls (all organisations)",
            f"{len(result.calls):,}",
            f"{sum(run.api_calls for run in result.runs):,} by the SyncRuns",
        ),
        report.Row(f"{result.kind}: each organisation's sync (start to finish)", spread(syncs)),
        report.Row(
            f"{result.kind}: each organisation's own floor ((ceil(calls/60) - 1) x 60 s)",
            spread([own_floor(run.api_calls) for run in result.runs]),
            "plus its work on the last window's pages",
        ),
        report.Row(f"{result.kind}: sync time above its own floor (the work, and sharing the workers)", spread(over)),
        report.Row(f"{result.kind}: waiting in the queue before its sync began", spread(waits)),
        report.Row(
            f"{result.kind}: organisations syncing at once (peak) / slices handed over per run",
            f"{peak_overlap([(run.started_at, run.finished_at) for run in result.runs])} / "
            f"max {max(run.counts.get('slices_handed_over', 0) for run in result.runs)}",
            "slices: XERO_SYNC_SLICE_PAGES pages a task",
        ),
        report.Row(
            f"{result.kind}: slowest organisation (queued to finished)",
            f"{worst.connection.name}: {_s(ends[slowest])}",
            f"waited {_s(waits[slowest])}, synced {_s(syncs[slowest])} for {worst.api_calls} calls "
            f"(own floor {_s(own_floor(worst.api_calls))})",
        ),
        report.Row(
            f"{result.kind}: peak calls in flight, per organisation / per app",
            f"{result.peak_per_org} / {result.peak_app}",
            "Xero: 5 per organisation",
        ),
        report.Row(f"{result.kind}: 429s", f"{refused}"),
        report.Row(
            f"{result.kind}: app calls a minute (busiest minute / mean)",
            f"{busiest:,} / {mean:,.0f}",
            "Xero: 10,000 a minute per app",
        ),
    ]


def main(args: argparse.Namespace) -> int:
    log_dir = ROOT / "var" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        raise SystemExit("--orgs needs REDIS_URL (Celery's broker and the call slots)")
    started_at = datetime.now().astimezone()
    size = f"{args.orgs} organisations x {args.contacts:,} contacts / {args.invoices:,} invoices"
    print(
        f"Many organisations: {size}, {args.workers} worker(s) x {args.per_worker} syncs. Starting the sandbox ...",
        flush=True,
    )
    sandbox_process, build_seconds = sandbox_start(
        contacts=args.contacts,
        invoices=args.invoices,
        latency_ms=args.latency_ms,
        timeout=args.sandbox_timeout,
        organisations=args.orgs,
    )
    workers: list[subprocess.Popen] = []
    peaks: list[PeakRss] = []
    pool_peaks: list[list[PeakRss]] = []
    try:
        sandbox = SandboxControl(sandbox_process.url)
        environment_set(sandbox=sandbox, database_url=args.database_url)
        os.environ.update(
            {
                "CELERY_TASK_ALWAYS_EAGER": "0",
                "CELERY_BROKER_URL": redis_url,
                "CELERY_RESULT_BACKEND": redis_url,
                "REDIS_URL": redis_url,
            }
        )
        database_recreate(args.database_url)
        import django

        django.setup()
        from django.core.management import call_command

        from capsync.celery import app as celery_app

        call_command("migrate", verbosity=0, interactive=False)
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_purge("xero")
        connection_ids = link_all(sandbox)
        print(
            f"Sandbox built in {build_seconds:.0f} s; linked {len(connection_ids)} organisations; starting "
            f"{args.workers} worker(s) ...",
            flush=True,
        )
        workers = workers_start(
            args.workers, per_worker=args.per_worker, log_dir=log_dir, pool=args.pool, slice_pages=args.slice_pages
        )
        peaks = [PeakRss(worker.pid).__enter__() for worker in workers]
        pool_peaks = [[PeakRss(pid).__enter__() for pid in pool_processes(worker)] for worker in workers]
        peaks += [peak for worker_peaks in pool_peaks for peak in worker_peaks]
        full = sync_round(sandbox=sandbox, connection_ids=connection_ids, kind="full", timeout=args.orgs * 600)
        print(f"Initial syncs done in {full.seconds:.0f} s; idle round ...", flush=True)
        idle = sync_round(sandbox=sandbox, connection_ids=connection_ids, kind="incremental", timeout=args.orgs * 60)
    finally:
        for peak in peaks:
            peak.__exit__()
        workers_stop(workers)
        sandbox_process.stop()

    rows = [
        *round_rows(full),
        *round_rows(idle),
        *rss_rows(peaks[: len(workers)], pool_peaks),
    ]
    machine_line = report.machine_line()
    command = (
        f".venv/bin/python -m bench --orgs {args.orgs} --contacts {args.contacts} --invoices {args.invoices} "
        f"--workers {args.workers} --per-worker {args.per_worker} --pool {args.pool}"
        + (f" --slice-pages {args.slice_pages}" if args.slice_pages is not None else "")
        + (f" --latency-ms {args.latency_ms}" if args.latency_ms else "")
    )
    print()
    print(f"{size}, {args.workers} worker(s) x {args.per_worker}, on {machine_line}")
    print(report.plain_table(rows))
    if not args.no_write:
        when = started_at.strftime("%Y-%m-%d %H:%M %Z")
        key = (
            f"orgs-{args.orgs}x{args.contacts}x{args.invoices}-w{args.workers}x{args.per_worker}"
            + (f"-l{args.latency_ms}" if args.latency_ms else "")
            + ("-threads" if args.pool == "threads" else "")
        )
        section = "\n\n".join(
            [
                f"### {size}, {args.workers} worker(s) x {args.per_worker} syncs ({args.pool} pool)",
                f"Last run {when}: `{command}`.  \nMachine: {machine_line}. The sandbox built the organisations in "
                f"{build_seconds:.0f} s.",
                report.table(rows),
            ]
        )
        history = (
            f"- {when}, {size}, {args.workers}x{args.per_worker} workers: initial syncs {_s(full.seconds)}, "
            f"peak in flight {full.peak_per_org}/org {full.peak_app}/app, "
            f"{sum(int(c['status']) == 429 for c in full.calls)} 429s"
        )
        report.docs_update(args.output, key=key, section=section, history_line=history)
    failed = [run for run in (*full.runs, *idle.runs) if run.outcome != "succeeded"]
    return 1 if failed else 0
