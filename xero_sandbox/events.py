"""What the sandbox's state tells its subscribers (webhook delivery, at present) when something changes.

``state.Sandbox.subscribe(listener)`` registers a callable; the state calls it synchronously, outside its lock, with
one of these events. The state and its subscribers import this module, not each other.
"""

from collections.abc import Callable
from dataclasses import dataclass

from xero_sandbox.store import Event


@dataclass(frozen=True)
class AppRegistered:
    """An app was registered or registered again; ``webhook_changed`` when its webhook URL or key is new."""

    client_id: str
    webhook_changed: bool


@dataclass(frozen=True)
class RecordsChanged:
    """Accounting records of a tenant changed, as if edited in Xero (an API write, or a load with notify)."""

    tenant_id: str
    events: tuple[Event, ...]


@dataclass(frozen=True)
class SandboxReset:
    """The sandbox went back to its start seed."""


SandboxEvent = AppRegistered | RecordsChanged | SandboxReset
Listener = Callable[[SandboxEvent], None]
