"""The state file (--state PATH): read on start, written shortly after each change and on shutdown.

A background thread saves when the state is dirty, but never spends more than ~10% of the time saving (a benchmark
state of 100k invoices takes seconds to write). Besides the sandbox's records the file holds named sections for
services wired next to it (webhook sequence numbers), each an object with ``to_json()`` and ``from_json(data)``.
"""

import logging
import os
import tempfile
import threading
import time
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from xero_sandbox import jsonutil
from xero_sandbox.records import App, AuthCode, Connection, RefreshToken, Tenant, TenantMeta, User
from xero_sandbox.state import Sandbox
from xero_sandbox.store import TenantData

logger = logging.getLogger(__name__)

STATE_VERSION = 1
SAVE_INTERVAL_SECONDS = 2.0


class Section(Protocol):
    """Something else that keeps its state in the file, under its own key."""

    def to_json(self) -> dict: ...

    def from_json(self, data: dict) -> None: ...


def _floats(record: dict) -> dict:
    """jsonutil reads non-integer numbers as Decimal; timestamps in our records are floats."""
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in record.items()}


def _shallow_copy(value: object) -> object:
    if isinstance(value, list):
        return [dict(v) if isinstance(v, dict) else v for v in value]
    if isinstance(value, dict):
        return {k: dict(v) if isinstance(v, dict) else v for k, v in value.items()}
    return value


def state_json(sandbox: Sandbox, sections: dict[str, Section]) -> dict:
    """The state file's content: one consistent copy, taken under the sandbox's lock."""
    with sandbox.lock:
        tenants = {}
        for tenant_id, tenant in sandbox.tenants.items():
            with tenant.lock:
                # Shallow copies taken under the lock: serialising happens later, outside it.
                data = {k: _shallow_copy(v) for k, v in tenant.data.to_json().items()}
            tenants[tenant_id] = {"meta": asdict(tenant.meta), "data": data}
        state = {
            "version": STATE_VERSION,
            "clock_offset": sandbox.clock_offset,
            "signing_key_pem": sandbox.signing_key_pem,
            "signing_kid": sandbox.signing_kid,
            "apps": [asdict(a) for a in sandbox.apps.values()],
            "users": [asdict(u) for u in sandbox.users.values()],
            "tenants": tenants,
            "connections": [asdict(c) for c in sandbox.connections.values()],
            "codes": [asdict(c) for c in sandbox.codes.values()],
            "refresh_tokens": [asdict(t) for t in sandbox.refresh_tokens.values()],
            "grants": dict(sandbox.grants),
        }
    for name, section in sections.items():
        state[name] = section.to_json()
    return state


def state_restore(sandbox: Sandbox, sections: dict[str, Section], data: dict) -> None:
    """Replace the sandbox's state (and each section's) with the content of a state file."""
    sandbox.restore(
        clock_offset=float(data.get("clock_offset", 0)),
        signing_key_pem=data["signing_key_pem"],
        signing_kid=data["signing_kid"],
        apps=[App(**a) for a in data["apps"]],
        users=[User(**u) for u in data["users"]],
        tenants=[
            Tenant(meta=TenantMeta(**_floats(t["meta"])), data=TenantData.from_json(t["data"]))
            for t in data["tenants"].values()
        ],
        connections=[Connection(**_floats(c)) for c in data["connections"]],
        codes=[AuthCode(**_floats(c)) for c in data["codes"]],
        refresh_tokens=[RefreshToken(**_floats(t)) for t in data["refresh_tokens"]],
        grants=data.get("grants") or {},
    )
    for name, section in sections.items():
        section.from_json(data.get(name) or {})


class StateFile:
    """Keeps one sandbox in sync with its state file."""

    def __init__(self, sandbox: Sandbox, path: Path, *, sections: dict[str, Section] | None = None) -> None:
        self.sandbox = sandbox
        self.path = path
        self.sections = dict(sections or {})
        self._stop = threading.Event()
        self._saver: threading.Thread | None = None

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> None:
        """Replace the sandbox's state with the file's."""
        state_restore(self.sandbox, self.sections, jsonutil.loads(self.path.read_bytes()))

    def save(self) -> None:
        """Write the state file atomically (temp file + rename)."""
        self.sandbox.mark_clean()
        payload = jsonutil.dumps(state_json(self.sandbox, self.sections))
        fd, tmp = tempfile.mkstemp(prefix=".xero_sandbox_state.", dir=self.path.parent or ".")
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        Path(tmp).replace(self.path)

    def start(self) -> None:
        """Save from a background thread from now on, shortly after each change."""
        self._saver = threading.Thread(target=self._save_loop, name="sandbox-saver", daemon=True)
        self._saver.start()

    def stop(self) -> None:
        """Stop the background thread and save one last time."""
        self._stop.set()
        self.save()

    def _save_loop(self) -> None:
        """Save shortly after changes, but never spend more than ~10% of the time saving (big benchmark states)."""
        next_allowed = 0.0
        while not self._stop.wait(SAVE_INTERVAL_SECONDS / 4):
            if self.sandbox.dirty and time.monotonic() >= next_allowed:
                started = time.monotonic()
                try:
                    self.save()
                except (OSError, RuntimeError, ValueError):
                    logger.exception("Unable to save the sandbox state; will retry")
                    self.sandbox.mark_dirty()
                took = time.monotonic() - started
                next_allowed = time.monotonic() + max(SAVE_INTERVAL_SECONDS, 10 * took)
                logger.debug("state saved in %.3fs", took)
