"""Injected faults: the next N requests matching a path regex (and optionally method/tenant) misbehave."""

import re
import threading
import uuid
from dataclasses import asdict, dataclass, field

KINDS = (
    "429-minute",
    "429-day",
    "429-concurrent",
    "401-authorization",
    "500",
    "503",
    "timeout",
    "reset",
    "html",
    "malformed-json",
    "lose-response",
)


class FaultSpecError(ValueError):
    """The requested fault is not valid."""


@dataclass
class Fault:
    fault_id: str
    match: str
    kind: str
    count: int = 1
    method: str | None = None
    tenant_id: str | None = None
    delay_seconds: float = 35.0
    retry_after: int | None = None
    status: int | None = None
    fired: int = 0

    def matches(self, *, path: str, method: str, tenant_id: str | None) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.tenant_id and self.tenant_id != tenant_id:
            return False
        return re.search(self.match, path) is not None


@dataclass
class FaultSet:
    """Thread-safe list of armed faults; take() fires at most one and spends one of its count."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _faults: list[Fault] = field(default_factory=list)

    def add(self, spec: dict) -> Fault:
        """Arm a fault from a control-API body. Raises FaultSpecError for an unknown kind or a bad regex."""
        kind = spec.get("kind")
        if kind not in KINDS:
            raise FaultSpecError(f"kind must be one of {', '.join(KINDS)}")
        match = spec.get("match", "")
        try:
            re.compile(match)
        except re.error as exc:
            raise FaultSpecError(f"bad match regex: {exc}") from exc
        count = int(spec.get("count", 1))
        if count < 1:
            raise FaultSpecError("count must be at least 1")
        fault = Fault(
            fault_id=str(uuid.uuid4()),
            match=match,
            kind=kind,
            count=count,
            method=spec.get("method"),
            tenant_id=spec.get("tenant_id"),
            delay_seconds=float(spec.get("delay_seconds", 35)),
            retry_after=int(spec["retry_after"]) if spec.get("retry_after") is not None else None,
            status=int(spec["status"]) if spec.get("status") is not None else None,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, *, path: str, method: str, tenant_id: str | None) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(path=path, method=method, tenant_id=tenant_id):
                    fault.count -= 1
                    fault.fired += 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def list(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
