"""The sync benchmark's tables (`python -m bench`): its results against the floors, where the time went, the side
by side with tap-xero and the page timings."""

import math
from datetime import datetime

from bench import report
from bench.environment import git_revision

PAGE_SIZE = 1000
CALLS_PER_MINUTE = 60  # Xero's per-organisation minute limit
# An idle sync's calls: invoices, credit notes and contacts (each If-Modified-Since) and the Items catalogue
# (docs/xero.md, "The catalogue Capsync keeps for invoice lines, and what it costs").
IDLE_CALLS_TARGET = 4
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


def history_line(*, when: str, size: str, full, incremental, webhook, tap, timings) -> str:
    """The run's line in the docs' history: the initial sync against its honest floor, the idle round, the webhook,
    tap-xero when it ran, and the slowest page."""
    upsert_seconds = max(full.payload["timers"].get("invoices_apply", 0.0), 1e-9)
    return (
        f"- {when}, {size}: full sync {_calls(full.run.api_calls)} in {_seconds(_run_seconds(full.run))} "
        f"({_ratio(_run_seconds(full.run), honest_floor(full).seconds)} the honest floor), "
        f"peak RSS {full.max_rss_kib / 1024:,.0f} MiB, "
        f"{full.run.counts.get('invoices', 0) / upsert_seconds:,.0f} invoice upserts/s; "
        f"idle incremental {_calls(incremental.run.api_calls)}; webhook "
        f"{_calls(webhook.run.api_calls)} in {_seconds(webhook.seconds)}, panel shows it after "
        f"{_seconds(webhook.change_to_panel_seconds)}"
        + (
            f"; tap-xero {_calls(tap.calls.counted)} in {_seconds(tap.wall_seconds)}, peak RSS {_mib(tap.max_rss_kib)}"
            if tap
            else ""
        )
        + f"; slowest page p95 {max(t.p95_ms for t in timings):,.0f} ms (commit {git_revision()})"
    )
