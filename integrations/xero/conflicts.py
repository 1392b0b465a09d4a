"""An admin's answers to doubtful matches: link the Xero contact to a CRM contact, bring it in as a new one, or
leave it out. The sync engine opens conflicts (`sync/contacts.py`); these services close them."""

import logging
from datetime import datetime

from django.db import transaction

from integrations.xero.models import MatchConflict, XeroContact
from integrations.xero.sync.contacts import contact_from_xero, contact_link
from invoices import services as invoice_services

logger = logging.getLogger(__name__)


class ConflictAlreadyResolved(Exception):
    """Someone resolved this conflict already."""


def _conflict_close(conflict: MatchConflict, *, resolution: str, contact_id: int | None, user_id: int,
                    now: datetime) -> None:
    conflict.status = MatchConflict.Status.RESOLVED
    conflict.resolution = resolution
    conflict.resolved_contact_id = contact_id
    conflict.resolved_by_id = user_id
    conflict.resolved_at = now
    conflict.save(update_fields=["status", "resolution", "resolved_contact", "resolved_by", "resolved_at"])
    logger.info("Match conflict resolved", extra={"conflict_id": conflict.pk, "resolution": resolution,
                                                  "user_id": user_id})


def _open_conflict(conflict_id: int) -> MatchConflict:
    conflict = MatchConflict.objects.select_for_update().select_related("xero_contact__connection").get(
        pk=conflict_id
    )
    if conflict.status != MatchConflict.Status.OPEN:
        raise ConflictAlreadyResolved(f"The conflict for {conflict.xero_contact.name} is already resolved.")
    return conflict


@transaction.atomic
def conflict_resolve_link(*, conflict_id: int, contact_id: int, user_id: int, now: datetime) -> MatchConflict:
    """Link the Xero contact to the CRM contact the admin chose, and attach its invoices.

    Raises ConflictAlreadyResolved, or ContactAlreadyLinked when that CRM contact is linked to another Xero
    contact of the same organisation.
    """
    conflict = _open_conflict(conflict_id)
    xero_contact = conflict.xero_contact
    taken = XeroContact.objects.filter(connection_id=xero_contact.connection_id, contact_id=contact_id).exclude(
        pk=xero_contact.pk
    )
    if taken.exists():
        raise ContactAlreadyLinked("That contact is already linked to another contact of this Xero organisation.")
    contact_link(xero_contact=xero_contact, contact_id=contact_id)
    invoice_services.invoices_link_contact(
        organisation_id=xero_contact.connection.organisation_id, xero_contact_id=xero_contact.xero_id,
        contact_id=contact_id,
    )
    _conflict_close(conflict, resolution=MatchConflict.Resolution.LINKED, contact_id=contact_id, user_id=user_id,
                    now=now)
    return conflict


@transaction.atomic
def conflict_resolve_create(*, conflict_id: int, user_id: int, now: datetime) -> MatchConflict:
    """Bring the Xero contact in as a new CRM contact, in its organisation's default team."""
    conflict = _open_conflict(conflict_id)
    xero_contact = conflict.xero_contact
    contact = contact_from_xero(xero_contact=xero_contact, connection=xero_contact.connection)
    invoice_services.invoices_link_contact(
        organisation_id=xero_contact.connection.organisation_id, xero_contact_id=xero_contact.xero_id,
        contact_id=contact.pk,
    )
    _conflict_close(conflict, resolution=MatchConflict.Resolution.CREATED, contact_id=contact.pk, user_id=user_id,
                    now=now)
    return conflict


@transaction.atomic
def conflict_resolve_ignore(*, conflict_id: int, user_id: int, now: datetime) -> MatchConflict:
    """Leave the Xero contact out of the CRM; later syncs will not ask again."""
    conflict = _open_conflict(conflict_id)
    conflict.xero_contact.link_state = XeroContact.LinkState.IGNORED
    conflict.xero_contact.save(update_fields=["link_state"])
    _conflict_close(conflict, resolution=MatchConflict.Resolution.IGNORED, contact_id=None, user_id=user_id, now=now)
    return conflict


class ContactAlreadyLinked(Exception):
    """The CRM contact is linked to another Xero contact of the same organisation."""
