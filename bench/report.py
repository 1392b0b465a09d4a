"""The benchmark's results as text: the machine, a Markdown table, and docs/BENCHMARKS.md kept up to date.

docs/BENCHMARKS.md holds one generated block per benchmark size, between HTML comment markers, each replaced by
the size's latest run, and a run history that gains one dated line per run. Text outside the markers is
written by hand (findings, hot spots) and left alone.
"""

import math
import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path

HISTORY_KEY = "history"
HISTORY_LIMIT = 30
HEADER = """# Capsync benchmarks

Measured speed, memory and Xero API-call figures. Targets live here, never in timed unit tests
(our style guide's rule). Each section says how to reproduce it; the generated blocks are rewritten by
the benchmark itself, the prose around them is written by hand.
"""
SYNC_INTRO = """## Sync benchmark (issue 6)

`make bench` (or `.venv/bin/python -m bench`; `--quick` for 1,000 contacts / 10,000 invoices) starts
`xero_sandbox --contacts N --invoices M --rate-limits xero`, migrates a fresh PostgreSQL database
`capsync_bench`, links the sandbox's "Benchmark Org" the way the connect wizard does (`/_sandbox/authorize`, then
`consent_complete`, `connections_link`, `connection_configure`), and measures:

- the initial full sync, in its own process (`python -m bench.worker`, which runs `organisation_sync` exactly
  as `manage.py xero_sync --full` does, with timers around its stages): API calls against the floor
  `ceil(invoices/1000) + ceil(contacts/1000)`, wall time against the rate-limit floor (that many calls at
  Xero's 60 calls a minute), the worker's peak RSS, and the invoice upsert rate;
- an idle incremental sync straight after it (target: at most 4 calls: invoices, credit notes, contacts and, since
  issue 16, the items changed; docs/xero.md "The catalogue Capsync keeps");
- one invoice changed in the sandbox and announced by a signed webhook delivery to Capsync's receiver view
  (`integrations.xero.webhooks.receive`), with Celery eager so the webhook sync runs inside the delivery
  (target: at most 2 calls).
"""


@dataclass(frozen=True)
class Row:
    measure: str
    value: str
    target: str = ""
    ratio: str = ""


def machine() -> dict[str, str]:
    """What the figures were measured on (the PostgreSQL version is added by the caller)."""
    cpu = ""
    memory = ""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        cpu = found.group(1).strip() if found else ""
        meminfo = Path("/proc/meminfo").read_text()
        found = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.MULTILINE)
        memory = f"{int(found.group(1)) / 1024 / 1024:.1f} GiB" if found else ""
    except OSError:
        pass  # not Linux: the fields stay empty and say so in the report
    return {
        "nproc": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()),
        "memory": memory or "unknown",
        "cpu": cpu or platform.processor() or "unknown",
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        # The machine is often shared: the load when the run ended says how far to trust its times.
        "load": " / ".join(f"{value:.1f}" for value in os.getloadavg()),
    }


def machine_line(*, postgres: str | None = None) -> str:
    """The machine in one line for a block of the docs: CPUs, memory, system, Python, the PostgreSQL version when
    given, and the load average as the run ended."""
    found = machine()
    software = f", Python {found['python']}" + (f", PostgreSQL {postgres}" if postgres else "")
    return (
        f"{found['nproc']} CPUs ({found['cpu']}), {found['memory']} RAM, {found['os']}{software}; "
        f"load average {found['load']} (1 / 5 / 15 min) as the run ended"
    )


TABLE_HEADER = Row("Measure", "Value", "Floor / target", "Ratio")


def table(rows: list[Row], *, header: Row = TABLE_HEADER) -> str:
    lines = [f"| {row.measure} | {row.value} | {row.target} | {row.ratio} |" for row in [header, *rows]]
    lines.insert(1, "| --- | ---: | ---: | ---: |")
    return "\n".join(lines)


def plain_table(rows: list[Row], *, header: Row = TABLE_HEADER) -> str:
    """The same table for a terminal."""
    widths = [
        max(len(getattr(row, name)) for row in [header, *rows]) for name in ("measure", "value", "target", "ratio")
    ]
    lines = []
    for row in [header, *rows]:
        cells = (
            row.measure.ljust(widths[0]),
            row.value.rjust(widths[1]),
            row.target.rjust(widths[2]),
            row.ratio.rjust(widths[3]),
        )
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _markers(key: str) -> tuple[str, str]:
    return f"<!-- bench:sync:{key}:start -->", f"<!-- bench:sync:{key}:end -->"


def _replace_block(text: str, key: str, body: str, *, before: str) -> str:
    start, end = _markers(key)
    block = f"{start}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text, count=1)
    if before in text:
        return text.replace(before, f"{block}\n\n{before}", 1)
    return f"{text.rstrip()}\n\n{block}\n"


def _history(text: str, line: str) -> str:
    start, end = _markers(HISTORY_KEY)
    found = re.search(re.escape(start) + r"\n(.*?)" + re.escape(end), text, re.DOTALL)
    old = [entry for entry in (found.group(1).splitlines() if found else []) if entry.strip()]
    lines = [line, *old][:HISTORY_LIMIT]
    return _replace_block(text, HISTORY_KEY, "\n".join(lines), before="\0")


def docs_update(path: Path, *, key: str, section: str, history_line: str) -> None:
    """Rewrite this size's block of the sync benchmark and add the run to the history, keeping the rest."""
    text = path.read_text() if path.exists() else ""
    if not text.strip():
        text = HEADER
    if "## Sync benchmark" not in text:
        text = f"{text.rstrip()}\n\n{SYNC_INTRO}"
    history_heading = "### Run history"
    if history_heading not in text:
        start, end = _markers(HISTORY_KEY)
        text = f"{text.rstrip()}\n\n{history_heading}\n\nNewest first; one line per run.\n\n{start}\n{end}\n"
    text = _replace_block(text, key, section, before=history_heading)
    text = _history(text, history_line)
    path.write_text(text.rstrip() + "\n")


WINDOW_SECONDS = 60  # Xero's minute window, per organisation and app
CALLS_PER_WINDOW = 60
IN_FLIGHT = 5  # Xero's concurrent calls per organisation and app


@dataclass(frozen=True)
class Floor:
    """The least time `calls` calls can take under Xero's fixed minute windows (see `window_floor`)."""

    calls: int
    windows: int
    last_window_calls: int
    waits_seconds: float  # the whole windows that must pass before the last one opens
    last_window_work_seconds: float  # the last window's pages, 5 in flight, plus storing the last page
    seconds: float


def window_floor(*, calls: int, seconds_per_call: float, seconds_per_store: float) -> Floor:
    """The honest rate-limit floor of a sync that makes `calls` calls: `(ceil(calls/60) - 1) x 60 s` plus the work on
    the last window's pages.

    Xero's minute windows are fixed and each opens with its first call, so 60 calls fit into the first window
    at once, and only `ceil(calls/60) - 1` whole windows must be waited out. What no pipeline can hide is the last
    window's own work: its calls, at most 5 in flight, each taking `seconds_per_call` (Xero's, here the sandbox's,
    mean time answering a call), and storing the page that comes back last (`seconds_per_store`, the run's mean
    store time per page). The old floor, `calls x 1 s`, spreads the calls evenly over the minutes instead, which is
    1.8 times as generous at 112 calls. Raises ValueError for a negative argument.
    """
    if calls < 0 or seconds_per_call < 0 or seconds_per_store < 0:
        raise ValueError("calls and seconds must not be negative")
    windows = math.ceil(calls / CALLS_PER_WINDOW)
    if windows == 0:
        return Floor(
            calls=0, windows=0, last_window_calls=0, waits_seconds=0.0, last_window_work_seconds=0.0, seconds=0.0
        )
    last_calls = calls - (windows - 1) * CALLS_PER_WINDOW
    waits = float((windows - 1) * WINDOW_SECONDS)
    work = math.ceil(last_calls / IN_FLIGHT) * seconds_per_call + seconds_per_store
    return Floor(
        calls=calls,
        windows=windows,
        last_window_calls=last_calls,
        waits_seconds=waits,
        last_window_work_seconds=work,
        seconds=waits + work,
    )


def percentile(values: list[float], share: float) -> float:
    """The `share` (0..1) percentile of `values`, interpolating linearly between the two nearest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= share <= 1:
        raise ValueError(f"share must be between 0 and 1, not {share}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def grid(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table of any width: the first column left-aligned, the others right-aligned."""
    lines = [f"| {' | '.join(cells)} |" for cells in [header, *rows]]
    lines.insert(1, "| --- |" + " ---: |" * (len(header) - 1))
    return "\n".join(lines)


def grid_plain(header: list[str], rows: list[list[str]]) -> str:
    """The same table for a terminal."""
    widths = [max(len(cells[index]) for cells in [header, *rows]) for index in range(len(header))]
    return "\n".join(
        "  ".join(
            [cells[0].ljust(widths[0]), *(cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))]
        ).rstrip()
        for cells in [header, *rows]
    )


def block_write(path: Path, markers: tuple[str, str], body: str) -> None:
    """Replace the block between `markers` (start, end) in the file with `body`, or append it when absent."""
    start, end = markers
    text = path.read_text() if path.exists() else ""
    block = f"{start}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: block, text, count=1) if pattern.search(text) else f"{text.rstrip()}\n\n{block}\n"
    path.write_text(text)
