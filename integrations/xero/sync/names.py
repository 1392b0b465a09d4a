"""Xero's unique contact names, checked before Capsync writes a name to Xero (docs/xero.md, "Xero's rules").

Xero refuses a contact whose name another contact of the organisation holds: an active one ("The contact name …
is already assigned to another contact. The contact name must be unique across all active contacts.") or an
archived one ("The specified contact details matched an archived contact…"). Capsync never works around that with
a suffix ("Acme Ltd-1"). Before a push or a create it looks the name up in its copy of the organisation's Xero
contacts (archived and merged-away ones included); a clash opens a name conflict in the admin's conflict inbox,
which offers to link to the Xero contact holding the name, rename the CRM contact, or cancel (conflicts.py). A
refusal Xero gives anyway (the name was taken in Xero since the last sync) lands in the same place.

Names are compared as the sandbox compares them, trimmed and case-insensitively: the sources do not say whether
Xero ignores case, and asking the admin about "ACME LTD" against "Acme Ltd" is cheaper than a second contact.
"""

import logging
from datetime import datetime

from django.db.models.functions import Lower, Trim

from integrations.xero import schemas
from integrations.xero.models import MatchConflict, XeroContact
from integrations.xero.sync.contacts import xero_contacts_store

logger = logging.getLogger(__name__)

ARCHIVED_IN_XERO = (
    "This contact is archived in Xero, and Xero takes no edits to archived contacts, so Capsync sent nothing. "
    "Restore it in Xero (its Archived tab, then Restore) to send Capsync's edits again."
)
# The two refusals Xero gives for a name another contact holds (xero_sandbox/README.md, "Unique contact names").
_TAKEN_ACTIVE = "is already assigned to another contact"
_TAKEN_ARCHIVED = "matched an archived contact"


def name_key(name: str) -> str:
    """A contact name as Xero's uniqueness rule compares it (as far as the sources tell): trimmed, any case."""
    return name.strip().casefold()


def name_holder(*, connection_id: int, name: str, own_xero_id: str = "") -> XeroContact | None:
    """The Xero contact of the organisation, other than `own_xero_id`, that already holds `name`, or None.

    Archived contacts count (Xero refuses their names too); an active holder is preferred when both exist.
    """
    wanted = name.strip().lower()
    if not wanted:
        return None
    return (
        XeroContact.objects.annotate(name_compared=Lower(Trim("name")))
        .filter(connection_id=connection_id, name_compared=wanted)
        .exclude(xero_id=own_xero_id)
        .order_by("status", "pk")  # "ACTIVE" sorts before "ARCHIVED"
        .first()
    )


def is_name_refusal(messages: list[str] | tuple[str, ...]) -> bool:
    """Whether Xero's validation messages say the name is held by another contact."""
    return any(_TAKEN_ACTIVE in message or _TAKEN_ARCHIVED in message for message in messages)


def name_taken_message(holder: XeroContact) -> str:
    """What the contact's Xero card says while a name conflict waits."""
    archived = " (archived there)" if holder.status == "ARCHIVED" else ""
    return (
        f"Xero already has a contact named {holder.name}{archived}, and names are unique in Xero, so nothing was "
        "sent. An admin can link to that contact, rename this one, or cancel, in the conflict inbox."
    )


def name_conflict_open(*, contact_id: int, holder: XeroContact, name: str) -> MatchConflict:
    """Queue the clash of CRM contact `contact_id`'s `name` with `holder` for an admin (once while it is open)."""
    conflict, created = MatchConflict.objects.get_or_create(
        kind=MatchConflict.Kind.NAME,
        xero_contact=holder,
        contact_id=contact_id,
        status=MatchConflict.Status.OPEN,
        defaults={"name": name},
    )
    if not created and conflict.name != name:
        conflict.name = name
        conflict.save(update_fields=["name"])
    if created:
        logger.info(
            "Contact name already held in Xero",
            extra={"connection_id": holder.connection_id, "contact_id": contact_id, "conflict_id": conflict.pk},
        )
    return conflict


def name_clash(*, connection_id: int, contact_id: int, name: str, own_xero_id: str = "") -> str:
    """Check `name` before it is written for the CRM contact: "" when Xero can take it; otherwise the message
    to show, after opening (or keeping) the name conflict with the Xero contact that holds it."""
    holder = name_holder(connection_id=connection_id, name=name, own_xero_id=own_xero_id)
    if holder is None:
        return ""
    name_conflict_open(contact_id=contact_id, holder=holder, name=name)
    return name_taken_message(holder)


class NameTaken(Exception):
    """A new Xero contact for CRM contact `contact_id` cannot take `name`: another Xero contact holds it.

    Raised inside a transaction that is rolled back, so it carries what is to be kept: `records` are Xero contacts
    fetched on the way (the holder among them), stored by `name_taken_record` along with the conflict.
    """

    def __init__(
        self, *, connection_id: int, contact_id: int, name: str, records: list[schemas.XeroContact] | None = None
    ) -> None:
        super().__init__(f"Xero already has a contact named {name}.")
        self.connection_id, self.contact_id, self.name, self.records = connection_id, contact_id, name, records or []


def name_taken_record(exc: NameTaken) -> list[str]:
    """Keep what NameTaken carries and open its name conflict; return the messages to show."""
    xero_contacts_store(connection_id=exc.connection_id, records=exc.records)
    clash = name_clash(connection_id=exc.connection_id, contact_id=exc.contact_id, name=exc.name)
    return [clash or str(exc)]


def name_conflicts_clear(*, connection_id: int, contact_id: int, now: datetime) -> int:
    """Close the contact's open name conflicts in the organisation once Xero took its name (the holder was
    renamed or merged away in Xero meanwhile): nothing is left to decide. Returns how many were closed."""
    return MatchConflict.objects.filter(
        kind=MatchConflict.Kind.NAME,
        status=MatchConflict.Status.OPEN,
        contact_id=contact_id,
        xero_contact__connection_id=connection_id,
    ).update(
        status=MatchConflict.Status.RESOLVED,
        resolution=MatchConflict.Resolution.CLEARED,
        resolved_at=now,
        resolved_contact_id=contact_id,
    )
