"""An admin's answers to the conflict inbox.

A doubtful match (kind MATCH, opened by `sync/contacts.py`): link the Xero contact to a CRM contact, bring it in as
a new one, or leave it out. A name already held in Xero (kind NAME, opened by `sync/names.py` before a push or a
create): link the CRM contact to the Xero contact holding the name, rename the CRM contact, or cancel.
"""

import logging
from datetime import datetime

from django.db import transaction

from contacts import services as contact_services
from contacts.models import Contact
from integrations.xero.models import MatchConflict, XeroContact
from integrations.xero.sync import names
from integrations.xero.sync.contacts import contact_from_xero, contact_link
from invoices import services as invoice_services

logger = logging.getLogger(__name__)


class ConflictAlreadyResolved(Exception):
    """Someone resolved this conflict already."""


def _conflict_close(
    conflict: MatchConflict, *, resolution: str, contact_id: int | None, user_id: int, now: datetime
) -> None:
    conflict.status = MatchConflict.Status.RESOLVED
    conflict.resolution = resolution
    conflict.resolved_contact_id = contact_id
    conflict.resolved_by_id = user_id
    conflict.resolved_at = now
    conflict.save(update_fields=["status", "resolution", "resolved_contact", "resolved_by", "resolved_at"])
    logger.info(
        "Match conflict resolved", extra={"conflict_id": conflict.pk, "resolution": resolution, "user_id": user_id}
    )


def _open_conflict(conflict_id: int, *, kind: str = MatchConflict.Kind.MATCH) -> MatchConflict:
    conflict = (
        MatchConflict.objects.select_for_update()
        .select_related("xero_contact__connection")
        .get(
            pk=conflict_id,
            kind=kind,
        )
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
        organisation_id=xero_contact.connection.organisation_id,
        xero_contact_id=xero_contact.xero_id,
        contact_id=contact_id,
    )
    _conflict_close(
        conflict, resolution=MatchConflict.Resolution.LINKED, contact_id=contact_id, user_id=user_id, now=now
    )
    return conflict


@transaction.atomic
def conflict_resolve_create(*, conflict_id: int, user_id: int, now: datetime) -> MatchConflict:
    """Bring the Xero contact in as a new CRM contact, in its organisation's default team."""
    conflict = _open_conflict(conflict_id)
    xero_contact = conflict.xero_contact
    contact = contact_from_xero(xero_contact=xero_contact, connection=xero_contact.connection)
    invoice_services.invoices_link_contact(
        organisation_id=xero_contact.connection.organisation_id,
        xero_contact_id=xero_contact.xero_id,
        contact_id=contact.pk,
    )
    _conflict_close(
        conflict, resolution=MatchConflict.Resolution.CREATED, contact_id=contact.pk, user_id=user_id, now=now
    )
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
    """The CRM contact is linked to another Xero contact of the same organisation (or the Xero contact to another
    CRM contact)."""


class NameStillTaken(Exception):
    """The new name is held by another Xero contact too."""


@transaction.atomic
def conflict_resolve_name_link(*, conflict_id: int, user_id: int, now: datetime) -> MatchConflict:
    """The CRM contact and the Xero contact holding its name are the same business: link them and attach the Xero
    contact's invoices. The CRM contact's previous link in that organisation, if any, is undone (its Xero contact
    is matched afresh by the next sync). An archived holder is linked too, and shown as archived.

    Raises ConflictAlreadyResolved, or ContactAlreadyLinked when the holder is linked to another CRM contact.
    """
    conflict = _open_conflict(conflict_id, kind=MatchConflict.Kind.NAME)
    holder = conflict.xero_contact
    if holder.contact_id is not None and holder.contact_id != conflict.contact_id:
        raise ContactAlreadyLinked(f"{holder.name} in Xero is already linked to another Capsync contact.")
    XeroContact.objects.filter(connection_id=holder.connection_id, contact_id=conflict.contact_id).exclude(
        pk=holder.pk
    ).update(
        contact=None, link_state=XeroContact.LinkState.UNLINKED, push_state=XeroContact.PushState.IN_SYNC, push_error=""
    )
    contact_link(xero_contact=holder, contact_id=conflict.contact_id)
    invoice_services.invoices_link_contact(
        organisation_id=holder.connection.organisation_id,
        xero_contact_id=holder.xero_id,
        contact_id=conflict.contact_id,
    )
    _conflict_close(
        conflict, resolution=MatchConflict.Resolution.LINKED, contact_id=conflict.contact_id, user_id=user_id, now=now
    )
    return conflict


def _rename(contact: Contact, *, name: str, now: datetime) -> None:
    """Rename through the CRM's own edit service, so the change is pushed like any edit (a person's last word is
    the last name)."""
    first_name, _, last_name = name.strip().rpartition(" ")
    contact_services.contact_update(
        contact_id=contact.pk,
        name=name,
        first_name=first_name,
        last_name=last_name,
        job_title=contact.job_title,
        now=now,
    )
    XeroContact.objects.filter(contact_id=contact.pk, push_state=XeroContact.PushState.FAILED).update(
        push_state=XeroContact.PushState.PENDING
    )


@transaction.atomic
def conflict_resolve_rename(*, conflict_id: int, name: str, user_id: int, now: datetime) -> MatchConflict:
    """Give the CRM contact a name Xero does not hold; the edit is then pushed as any edit is.

    Raises ConflictAlreadyResolved, NameStillTaken when another Xero contact of the organisation holds `name`
    too, or contacts.services.ContactDetailsInvalid for an empty name.
    """
    conflict = _open_conflict(conflict_id, kind=MatchConflict.Kind.NAME)
    connection_id = conflict.xero_contact.connection_id
    own = (
        XeroContact.objects.filter(connection_id=connection_id, contact_id=conflict.contact_id)
        .values_list("xero_id", flat=True)
        .first()
    )
    holder = names.name_holder(connection_id=connection_id, name=name, own_xero_id=own or "")
    if holder is not None:
        raise NameStillTaken(names.name_taken_message(holder))
    _rename(Contact.objects.get(pk=conflict.contact_id), name=name, now=now)
    _conflict_close(
        conflict, resolution=MatchConflict.Resolution.RENAMED, contact_id=conflict.contact_id, user_id=user_id, now=now
    )
    return conflict


@transaction.atomic
def conflict_resolve_cancel(*, conflict_id: int, user_id: int, now: datetime) -> MatchConflict:
    """Drop the clashing name. A linked CRM contact takes back the name its Xero contact has (so nothing fights
    over it; its other edits are still sent); an unlinked one keeps its name and nothing is made in Xero."""
    conflict = _open_conflict(conflict_id, kind=MatchConflict.Kind.NAME)
    link = XeroContact.objects.filter(
        connection_id=conflict.xero_contact.connection_id,
        contact_id=conflict.contact_id,
        link_state=XeroContact.LinkState.LINKED,
    ).first()
    contact = Contact.objects.get(pk=conflict.contact_id)
    if link is not None and link.name and names.name_key(link.name) != names.name_key(contact.name):
        _rename(contact, name=link.name, now=now)
    _conflict_close(
        conflict,
        resolution=MatchConflict.Resolution.CANCELLED,
        contact_id=conflict.contact_id,
        user_id=user_id,
        now=now,
    )
    return conflict
