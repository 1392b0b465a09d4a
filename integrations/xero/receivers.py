"""Reactions to what other apps announce. Receivers only enqueue: the work and its rules live in tasks' services."""

from typing import Any

from integrations.xero import tasks


def contact_changed(*, contact_id: int, **_: Any) -> None:
    """A CRM contact's details changed: send them to Xero once the change is committed (contacts.signals)."""
    tasks.contact_push.delay_on_commit(contact_id=contact_id)
