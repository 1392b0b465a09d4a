"""The benchmark's results as text: the machine, a Markdown table, and docs/BENCHMARKS.md kept up to date.

docs/BENCHMARKS.md holds one generated block per benchmark size, between HTML comment markers, each replaced by
the size's latest run, and a run history that gains one dated line per run. Text outside the markers is
written by hand (findings, hot spots) and left alone.
"""

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
- an idle incremental sync straight after it (target: at most 3 calls);
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
    }


TABLE_HEADER = Row("Measure", "Value", "Floor / target", "Ratio")


def table(rows: list[Row], *, header: Row = TABLE_HEADER) -> str:
    lines = [f"| {row.measure} | {row.value} | {row.target} | {row.ratio} |" for row in [header, *rows]]
    lines.insert(1, "| --- | ---: | ---: | ---: |")
    return "\n".join(lines)


def plain_table(rows: list[Row], *, header: Row = TABLE_HEADER) -> str:
    """The same table for a terminal."""
    widths = [max(len(getattr(row, name)) for row in [header, *rows]) for name in ("measure", "value", "target",
                                                                                    "ratio")]
    lines = []
    for row in [header, *rows]:
        cells = (row.measure.ljust(widths[0]), row.value.rjust(widths[1]), row.target.rjust(widths[2]),
                 row.ratio.rjust(widths[3]))
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
        "  ".join([cells[0].ljust(widths[0]), *(cell.rjust(width) for cell, width in zip(cells[1:], widths[1:],
                                                                                        strict=True))]).rstrip()
        for cells in [header, *rows]
    )
