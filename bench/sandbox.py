"""`python -m bench.sandbox`: how fast the Xero sandbox builds a benchmark organisation and serves its pages.

Builds the organisation in this process exactly as `xero_sandbox serve --contacts N --invoices M` does (a
`Runtime` started with those options, which generates the "Benchmark Org"), times that, then serves it through the
sandbox's real HTTP server on a free 127.0.0.1 port and times GET pages over real sockets (keep-alive connections,
as the clients use): Invoices ordered by InvoiceID (the sync's order) at pages 1, 50 and 100, the default order,
an `If-Modified-Since` read, Contacts ordered by ContactID, and 5 requests at once (as the sync makes them). Rate
limits are off, so the figures are the sandbox's own time plus the socket. Prints p50/p95 per case and the peak
RSS of the process (the sandbox plus a small client); `--write` puts the table into docs/BENCHMARKS.md.
"""

import argparse
import http.client
import json
import re
import resource
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.report import grid, grid_plain, machine, percentile
from tests.sandbox import DEFAULT_SCOPE, SandboxControl
from xero_sandbox import msdate
from xero_sandbox.records import SandboxOptions
from xero_sandbox.runtime import Runtime
from xero_sandbox.seed.start import (
    BENCHMARK_ORGANISATION,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_REDIRECT_URIS,
    DEMO_USER_EMAIL,
)
from xero_sandbox.server import API_PREFIX, SandboxHTTPServer

ROOT = Path(__file__).resolve().parents[1]
BLOCK_START, BLOCK_END = "<!-- bench:sandbox:start -->", "<!-- bench:sandbox:end -->"
SECTION_HEADING = "### The sandbox's pages and generation (issue 18, lane sandbox)"
NEXT_SECTION = '## The dashboard\'s "won, not yet invoiced" (issue 16)'
PAGE_SIZE = 1000
CONCURRENCY = 5
HEADER = ["Request (pageSize 1000)", "Records", "Bytes", "First read ms", "p50 ms", "p95 ms", "Target"]


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    target: str = ""


@dataclass(frozen=True)
class Timed:
    case: Case
    records: int
    size: int
    first: float | None  # the first read of these records (nothing of them serialised yet)
    seconds: list[float]


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.sandbox", description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per case (default 20)")
    parser.add_argument("--write", action="store_true", help="put the table into docs/BENCHMARKS.md")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    return parser.parse_args(argv)


class Client:
    """One keep-alive connection to the sandbox's accounting API, reading whole bodies (never parsing them)."""

    def __init__(self, url: str, *, access_token: str, tenant_id: str) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=600)
        self.headers = {"Authorization": f"Bearer {access_token}", "xero-tenant-id": tenant_id}
        self.headers["Accept"] = "application/json"

    def get(self, case: Case) -> tuple[float, bytes]:
        """One request: its wall time from sending to the last byte, and the body. Raises on a non-200."""
        target = f"{API_PREFIX}/{case.path}?{urlencode(case.params)}"
        begun = time.perf_counter()
        self.connection.request("GET", target, headers={**self.headers, **case.headers})
        response = self.connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - begun
        if response.status != 200:
            raise RuntimeError(f"GET {target} answered {response.status}: {body[:300]!r}")
        return elapsed, body

    def close(self) -> None:
        self.connection.close()


def _record_count(body: bytes, path: str) -> int:
    return len(json.loads(body)[path])


def cases(*, invoices: int, contacts: int, modified_since: str) -> list[Case]:
    """The timed requests; page numbers past the last page are clamped to it (smaller organisations)."""
    by_id = {"order": "InvoiceID ASC", "pageSize": str(PAGE_SIZE)}
    last = max(1, -(-invoices // PAGE_SIZE))
    newer_last = max(1, -(-(invoices // 2) // PAGE_SIZE))
    contacts_page = min(5, max(1, -(-contacts // PAGE_SIZE)))
    target = "50 ms"
    return [
        Case("Invoices by InvoiceID, page 1", "Invoices", {**by_id, "page": "1"}, {}, target),
        *(
            Case(f"Invoices by InvoiceID, page {page}", "Invoices", {**by_id, "page": str(page)}, {}, target)
            for page in sorted({min(50, last), min(100, last)} - {1})
        ),
        Case(
            f"Invoices, default order, page {min(50, last)}",
            "Invoices",
            {"pageSize": str(PAGE_SIZE), "page": str(min(50, last))},
            {},
        ),
        Case(
            f"Invoices by InvoiceID, If-Modified-Since (half newer), page {min(10, newer_last)}",
            "Invoices",
            {**by_id, "page": str(min(10, newer_last))},
            {"If-Modified-Since": modified_since},
        ),
        Case(
            f"Contacts by ContactID, page {contacts_page}",
            "Contacts",
            {"order": "ContactID ASC", "pageSize": str(PAGE_SIZE), "page": str(contacts_page)},
            {},
        ),
    ]


def time_case(client: Client, case: Case, *, repeat: int) -> Timed:
    """A first request (it also counts the records), then `repeat` more."""
    first, body = client.get(case)
    records = _record_count(body, case.path)
    seconds = [client.get(case)[0] for _ in range(repeat)]
    return Timed(case=case, records=records, size=len(body), first=first, seconds=seconds)


def time_concurrent(make_client: Callable[[], Client], *, pages: int, repeat: int) -> Timed:
    """`CONCURRENCY` threads, each on its own connection, reading invoice pages by id at once, round after round."""
    clients = [make_client() for _ in range(CONCURRENCY)]
    seconds: list[float] = []
    sizes: list[int] = []
    lock = threading.Lock()
    failures: list[BaseException] = []

    def run(index: int, client: Client, start: threading.Barrier) -> None:
        for round_number in range(repeat):
            page = (round_number * CONCURRENCY + index) % pages + 1
            case = Case("", "Invoices", {"order": "InvoiceID ASC", "pageSize": str(PAGE_SIZE), "page": str(page)}, {})
            start.wait()
            try:
                elapsed, body = client.get(case)
            except (OSError, RuntimeError) as exc:
                failures.append(exc)
                start.abort()
                return
            with lock:
                seconds.append(elapsed)
                sizes.append(len(body))

    barrier = threading.Barrier(CONCURRENCY)
    threads = [threading.Thread(target=run, args=(i, c, barrier)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    if failures:
        raise RuntimeError(f"a concurrent request failed: {failures[0]}")
    case = Case(f"{CONCURRENCY} at once, Invoices by InvoiceID, the pages in turn (each request)", "Invoices", {}, {})
    return Timed(case=case, records=PAGE_SIZE, size=max(sizes), first=None, seconds=seconds)


def peak_rss_mib() -> float:
    """The peak resident set of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _median_updated(runtime: Runtime, tenant_id: str) -> str:
    """An If-Modified-Since value with about half the invoices updated after it."""
    tenant = runtime.sandbox.tenants[tenant_id]
    with tenant.lock:
        stamps = sorted(msdate.ms_of(record["UpdatedDateUTC"]) for record in tenant.data.invoices.records.values())
    middle = stamps[len(stamps) // 2] if stamps else 0
    return formatdate(middle / 1000, usegmt=True)


def rows(timed: list[Timed]) -> list[list[str]]:
    return [
        [
            item.case.name,
            f"{item.records:,}",
            f"{item.size:,}",
            "" if item.first is None else f"{item.first * 1000:.1f}",
            f"{percentile(item.seconds, 0.5) * 1000:.1f}",
            f"{percentile(item.seconds, 0.95) * 1000:.1f}",
            item.case.target,
        ]
        for item in timed
    ]


def docs_write(path: Path, body: str) -> None:
    """Replace the generated block (or add it, with its heading, before the next section of issue 18's)."""
    text = path.read_text()
    block = f"{BLOCK_START}\n{body.strip()}\n{BLOCK_END}"
    pattern = re.compile(re.escape(BLOCK_START) + r".*?" + re.escape(BLOCK_END), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    elif NEXT_SECTION in text:
        text = text.replace(NEXT_SECTION, f"{SECTION_HEADING}\n\n{block}\n\n{NEXT_SECTION}", 1)
    else:
        text = f"{text.rstrip()}\n\n{SECTION_HEADING}\n\n{block}\n"
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    options = SandboxOptions(contacts=args.contacts, invoices=args.invoices, rate_limits=False)
    print(f"Generating {args.contacts:,} contacts / {args.invoices:,} invoices ...", flush=True)
    begun, begun_cpu = time.perf_counter(), time.process_time()
    runtime = Runtime(options)
    runtime.start()
    generation, generation_cpu = time.perf_counter() - begun, time.process_time() - begun_cpu
    rss_generated = peak_rss_mib()
    tenant_id = next(
        t.meta.tenant_id for t in runtime.sandbox.tenants.values() if t.meta.name == BENCHMARK_ORGANISATION[0]
    )
    print(
        f"Generated in {generation:.1f} s, CPU {generation_cpu:.1f} s (peak RSS {rss_generated:.0f} MiB); serving ...",
        flush=True,
    )
    server = SandboxHTTPServer(("127.0.0.1", 0), runtime)
    host, port = server.server_address[:2]
    url = f"http://{host}:{port}"
    runtime.sandbox.base_url = url
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    serving.start()
    try:
        control = SandboxControl(url)
        token = control.connect(
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
            DEMO_REDIRECT_URIS[0],
            [tenant_id],
            scope=DEFAULT_SCOPE,
            user_email=DEMO_USER_EMAIL,
        )["token"]["access_token"]

        def make_client() -> Client:
            return Client(url, access_token=token, tenant_id=tenant_id)

        client = make_client()
        timed = []
        modified_since = _median_updated(runtime, tenant_id)
        for case in cases(invoices=args.invoices, contacts=args.contacts, modified_since=modified_since):
            timed.append(time_case(client, case, repeat=args.repeat))
            print("  " + " | ".join(rows(timed[-1:])[0]), flush=True)
        client.close()
        pages = max(1, -(-args.invoices // PAGE_SIZE))
        timed.append(time_concurrent(make_client, pages=pages, repeat=args.repeat))
    finally:
        server.shutdown()
        server.server_close()
        runtime.stop()
    rss = peak_rss_mib()
    load = machine()["load"]
    summary = (
        f"{args.contacts:,} contacts / {args.invoices:,} invoices: generated in {generation:.1f} s (target under "
        f"15 s; CPU time {generation_cpu:.1f} s, which a busy machine inflates less); peak RSS "
        f"{rss_generated:.0f} MiB after generating, {rss:.0f} MiB after serving (this process: the sandbox and its "
        f"client). 'First read' is each case's first request, then {args.repeat} more per case "
        f"(p50/p95), over keep-alive sockets, rate limits off; the {CONCURRENCY} at once read the pages in turn. "
        f"Load average {load} at the end (2 CPUs)."
    )
    print()
    print(grid_plain(HEADER, rows(timed)))
    print(summary)
    if args.write:
        command = "python -m bench.sandbox" + (" " + " ".join(argv if argv is not None else sys.argv[1:]))
        docs_write(args.output, f"`{command.strip()}`: {summary}\n\n{grid(HEADER, rows(timed))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
