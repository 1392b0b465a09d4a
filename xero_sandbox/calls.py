"""The calls log: every Xero-facing request the sandbox answered, with running counts."""

import bisect
import re
import threading

GUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
BODY_KEYS = ("request_headers", "request_body", "response_headers", "response_body")


class CallsLog:
    """Append-only (until cleared) list of call records; ids keep increasing across clears."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[dict] = []
        self._ids: list[int] = []
        self._next_id = 1
        self._counts: dict = {"total": 0, "by_status": {}, "by_path": {}}

    def record(self, call: dict) -> None:
        """Give the call the next id and count it by status and by path (GUIDs folded to {id})."""
        with self._lock:
            call["id"] = self._next_id
            self._next_id += 1
            self._calls.append(call)
            self._ids.append(call["id"])
            counts = self._counts
            counts["total"] += 1
            status = str(call["status"])
            counts["by_status"][status] = counts["by_status"].get(status, 0) + 1
            path = GUID_RE.sub("{id}", call["path"])
            counts["by_path"][path] = counts["by_path"].get(path, 0) + 1

    def query(
        self,
        *,
        since_id: int,
        tenant_id: str | None,
        bodies: bool,
        peak_concurrency: dict[str, int],
        peak_app_concurrency: dict[str, int] | None = None,
    ) -> dict:
        """Calls with id > since_id (optionally one tenant's), bodies only when asked for, with the peaks of calls
        in flight per tenant and per app (client id)."""
        with self._lock:
            start = bisect.bisect_right(self._ids, since_id)
            selected = self._calls[start:]
            last_id = self._next_id - 1
            counts = {
                "total": self._counts["total"],
                "by_status": dict(self._counts["by_status"]),
                "by_path": dict(self._counts["by_path"]),
            }
        if tenant_id:
            selected = [c for c in selected if c.get("tenant_id") == tenant_id]
        if not bodies:
            selected = [{k: v for k, v in c.items() if k not in BODY_KEYS} for c in selected]
        return {
            "calls": selected,
            "counts": counts,
            "peak_concurrency": peak_concurrency,
            "peak_app_concurrency": peak_app_concurrency or {},
            "last_id": last_id,
        }

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
            self._ids.clear()
            self._counts = {"total": 0, "by_status": {}, "by_path": {}}
