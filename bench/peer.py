"""The peer in the side-by-side benchmark: the Singer tap `tap-xero` syncing the same organisation as Capsync.

tap-xero pins its own dependencies (singer-python, an old jsonschema, backoff, ...), so it lives in a venv of its
own, `.venv-peer/` (git-ignored), made on first use. It is pointed at the sandbox by its two base URLs only (see
bench/peer_tap_xero.py), gets its own Xero app registered in the sandbox and a consent from the sandbox's demo user
(as a Singer user would when setting the tap up), and runs as `tap-xero --config --catalog --state` with the
`contacts` and `invoices` streams selected. Its stdout (Singer messages) goes to a counting sink in this process,
so no target's work is added to its time or memory. Django-free.
"""

import json
import os
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bench.calls import Calls, calls_mark, calls_since
from bench.process import PeakRss
from tests.sandbox import SandboxControl

ROOT = Path(__file__).resolve().parents[1]
PEER_VENV = ROOT / ".venv-peer"
LAUNCHER = ROOT / "bench" / "peer_tap_xero.py"
TAP_VERSION = "2.6.0"
# tap-xero 2.6.0 imports `six` (tap_xero/client.py) without declaring it; without it the tap cannot start.
PEER_REQUIREMENTS = [f"tap-xero=={TAP_VERSION}", "six==1.17.0"]
SELECTED_STREAMS = ("contacts", "invoices")
TAP_CLIENT_ID = "tap-xero-bench"
TAP_REDIRECT_URI = "http://127.0.0.1:8000/tap-xero/callback"
# What the tap needs: contacts and invoices read, settings read for its discovery check (GET Currencies).
TAP_SCOPE = "offline_access accounting.contacts.read accounting.invoices.read accounting.settings.read"
START_DATE = "2000-01-01T00:00:00Z"  # before anything in the organisation: the first sync reads everything


class PeerError(RuntimeError):
    """The peer could not be installed, linked or run (the message says which)."""


def peer_python(*, venv: Path = PEER_VENV, python: str = sys.executable) -> Path:
    """The peer venv's Python, with tap-xero installed; makes the venv on first use."""
    marker = venv / f".installed-{'-'.join(PEER_REQUIREMENTS)}"
    interpreter = venv / "bin" / "python"
    if marker.exists() and interpreter.exists():
        return interpreter
    print(f"Installing {', '.join(PEER_REQUIREMENTS)} into {venv.name}/ (once) ...", flush=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run(
        [str(interpreter), "-m", "pip", "install", "-q", *PEER_REQUIREMENTS], capture_output=True, text=True
    )
    if installed.returncode != 0:
        raise PeerError(f"pip could not install {PEER_REQUIREMENTS} into {venv}: {installed.stderr[-2000:]}")
    marker.touch()
    return interpreter


@dataclass
class SingerCounts:
    """What a tap wrote to stdout, counted and discarded: records per stream, schemas, states, other lines."""

    records: Counter = field(default_factory=Counter)
    schemas: list[str] = field(default_factory=list)
    states: int = 0
    last_state: dict[str, Any] | None = None
    other_lines: int = 0

    def feed(self, line: str | bytes) -> None:
        """Count one line of Singer output; a blank line is ignored, a non-message line is counted as other."""
        if not line.strip():
            return
        try:
            message = json.loads(line)
        except ValueError:
            self.other_lines += 1
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "RECORD":
            self.records[message["stream"]] += 1
        elif kind == "SCHEMA":
            self.schemas.append(message["stream"])
        elif kind == "STATE":
            self.states += 1
            self.last_state = message.get("value")
        else:
            self.other_lines += 1

    def drain(self, stream: IO[bytes]) -> None:
        for line in stream:
            self.feed(line)


@dataclass(frozen=True)
class TapLink:
    tenant_id: str
    client_id: str
    client_secret: str
    refresh_token: str


def tap_link(sandbox: SandboxControl, *, tenant_id: str, user_email: str) -> TapLink:
    """Register the tap's own Xero app in the sandbox and consent to it for the organisation (as its user would)."""
    secret = secrets.token_urlsafe(24)
    sandbox.create_app(
        client_id=TAP_CLIENT_ID, client_secret=secret, name="tap-xero (Singer)", redirect_uris=[TAP_REDIRECT_URI]
    )
    linked = sandbox.connect(
        TAP_CLIENT_ID, secret, TAP_REDIRECT_URI, [tenant_id], scope=TAP_SCOPE, user_email=user_email
    )
    return TapLink(
        tenant_id=tenant_id,
        client_id=TAP_CLIENT_ID,
        client_secret=secret,
        refresh_token=linked["token"]["refresh_token"],
    )


@dataclass
class TapResult:
    exit_code: int
    wall_seconds: float
    max_rss_kib: int
    counts: SingerCounts
    calls: Calls
    discovery_calls: Calls
    selected: tuple[str, ...]
    log: Path
    stderr_tail: str

    @property
    def finished(self) -> bool:
        return self.exit_code == 0


def _environment(sandbox: SandboxControl) -> dict[str, str]:
    return {**os.environ, "TAP_XERO_API_URL": sandbox.accounting_url, "TAP_XERO_TOKEN_URL": sandbox.token_url}


def catalog_select(catalog: dict[str, Any], streams: tuple[str, ...]) -> dict[str, Any]:
    """The discovered catalog with exactly `streams` selected (every field of theirs), the rest left out."""
    chosen = [entry for entry in catalog["streams"] if entry["tap_stream_id"] in streams]
    missing = set(streams) - {entry["tap_stream_id"] for entry in chosen}
    if missing:
        raise PeerError(f"tap-xero's catalog has no stream(s) {sorted(missing)}")
    for entry in chosen:
        top = next((item for item in entry["metadata"] if item["breadcrumb"] == []), None)
        if top is None:
            top = {"breadcrumb": [], "metadata": {}}
            entry["metadata"].append(top)
        top["metadata"]["selected"] = True
    return {"streams": chosen}


def tap_run(
    *, sandbox: SandboxControl, link: TapLink, work_dir: Path, python: Path, streams: tuple[str, ...] = SELECTED_STREAMS
) -> TapResult:
    """Discover (not measured), then run the tap's sync once, measuring calls, wall time, peak RSS and records.
    ``streams`` are the tap's stream ids to select (the benchmark's two by default; the suite picks more)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    config = work_dir / "tap-config.json"
    catalog = work_dir / "tap-catalog.json"
    state = work_dir / "tap-state.json"
    log = work_dir / "tap-xero.log"
    config.write_text(
        json.dumps(
            {
                "start_date": START_DATE,
                "client_id": link.client_id,
                "client_secret": link.client_secret,
                "tenant_id": link.tenant_id,
                "refresh_token": link.refresh_token,
                "user_agent": "capsync-bench tap-xero",
            },
            indent=2,
        )
    )
    state.write_text("{}")
    environment = _environment(sandbox)

    since = calls_mark(sandbox)
    discovered = subprocess.run(
        [str(python), str(LAUNCHER), "--config", str(config), "--discover"],
        capture_output=True,
        env=environment,
        cwd=work_dir,
    )
    if discovered.returncode != 0:
        raise PeerError(f"tap-xero --discover exited {discovered.returncode}: {discovered.stderr.decode()[-2000:]}")
    discovery_calls = calls_since(sandbox, since, client_id=link.client_id)
    catalog.write_text(json.dumps(catalog_select(json.loads(discovered.stdout), streams)))

    counts = SingerCounts()
    since = calls_mark(sandbox)
    started = time.perf_counter()
    with log.open("w") as errors:
        process = subprocess.Popen(
            [str(python), str(LAUNCHER), "--config", str(config), "--catalog", str(catalog), "--state", str(state)],
            stdout=subprocess.PIPE,
            stderr=errors,
            env=environment,
            cwd=work_dir,
        )
        sink = threading.Thread(target=counts.drain, args=(process.stdout,), daemon=True)
        sink.start()
        with PeakRss(process.pid) as peak:
            process.wait()
        wall = time.perf_counter() - started
        sink.join()
    tail = "\n".join(log.read_text().splitlines()[-15:])
    return TapResult(
        exit_code=process.returncode,
        wall_seconds=wall,
        max_rss_kib=peak.kib,
        counts=counts,
        calls=calls_since(sandbox, since, client_id=link.client_id),
        discovery_calls=discovery_calls,
        selected=streams,
        log=log,
        stderr_tail=tail,
    )
