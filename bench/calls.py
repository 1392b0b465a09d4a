"""Counting Xero calls from the sandbox's own calls log: the one counter used for Capsync and for tap-xero alike."""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from tests.sandbox import SandboxControl

ACCOUNTING_PREFIX = "/api/api.xro/"


@dataclass(frozen=True)
class Calls:
    """What the sandbox's calls log saw between two points: accounting calls by outcome, identity calls."""

    accounting_ok: int
    accounting_429: int
    accounting_other: int
    identity: int
    by_path: dict[str, int]
    server_seconds: float  # the sandbox's own time answering the accounting calls (its calls log)
    first_at: str = ""  # sandbox clock (ISO) of the first and last accounting call, "" when none
    last_at: str = ""
    # Sandbox clock (ISO) when the last minute window these calls opened at Xero closes, "" when none.
    window_closes_at: str = ""
    # Sandbox clock (ISO) of each resource's last accounting call.
    last_at_by_path: dict[str, str] = field(default_factory=dict)

    @property
    def accounting(self) -> int:
        return self.accounting_ok + self.accounting_429 + self.accounting_other

    @property
    def counted(self) -> int:
        """Accounting calls that count against Xero's limits: every one but those refused with 429."""
        return self.accounting_ok + self.accounting_other


def calls_mark(sandbox: SandboxControl) -> int:
    """The id of the sandbox's latest logged call: count from here."""
    return int(sandbox.calls(since_id=2**62)["last_id"])


MINUTE = timedelta(minutes=1)


def minute_windows_close(calls: list[dict]) -> datetime | None:
    """When the last of the fixed minute windows these calls opened closes, on the sandbox's clock.

    As at Xero (and in the sandbox's limits.py), a window of an app and organisation opens with the first call that
    arrives after the previous one closed, and lasts a minute; a refused (429) call opens none. The log records a
    call when it was answered, so it arrived `duration_ms` earlier."""
    arrivals: dict[tuple[str, str], list[datetime]] = {}
    for call in calls:
        if not call["path"].startswith(ACCOUNTING_PREFIX) or int(call["status"]) == 429 or not call.get("time"):
            continue
        arrived = datetime.fromisoformat(call["time"]) - timedelta(milliseconds=float(call["duration_ms"]))
        arrivals.setdefault((str(call.get("client_id")), str(call.get("tenant_id"))), []).append(arrived)
    closes = None
    for times in arrivals.values():
        opened = None
        for arrived in sorted(times):
            if opened is None or arrived >= opened + MINUTE:
                opened = arrived
        if opened is not None and (closes is None or opened + MINUTE > closes):
            closes = opened + MINUTE
    return closes


def calls_count(calls: list[dict], *, client_id: str | None = None) -> Calls:
    """Tally calls-log records (optionally only one app's): accounting calls by outcome and resource, the rest."""
    ok = refused = other = identity = 0
    server_seconds = 0.0
    by_path: dict[str, int] = {}
    times: list[str] = []
    last_at_by_path: dict[str, str] = {}
    for call in calls:
        if client_id is not None and call.get("client_id") != client_id:
            continue
        path = call["path"]
        if path.startswith(ACCOUNTING_PREFIX):
            status = int(call["status"])
            ok += 200 <= status < 300
            refused += status == 429
            other += not (200 <= status < 300 or status == 429)
            resource = path.removeprefix(f"{ACCOUNTING_PREFIX}2.0/").split("/")[0]
            by_path[resource] = by_path.get(resource, 0) + 1
            last_at_by_path[resource] = max(last_at_by_path.get(resource, ""), str(call.get("time", "")))
            server_seconds += float(call["duration_ms"]) / 1000
            times.append(str(call.get("time", "")))
        else:
            identity += 1
    return Calls(
        accounting_ok=ok,
        accounting_429=refused,
        accounting_other=other,
        identity=identity,
        by_path=by_path,
        server_seconds=server_seconds,
        first_at=min(times, default=""),
        last_at=max(times, default=""),
        last_at_by_path=last_at_by_path,
    )


def calls_since(sandbox: SandboxControl, since_id: int, *, client_id: str | None = None) -> Calls:
    calls = sandbox.calls(since_id=since_id)["calls"]
    closes = minute_windows_close([call for call in calls if client_id is None or call.get("client_id") == client_id])
    return replace(calls_count(calls, client_id=client_id), window_closes_at=closes.isoformat() if closes else "")
