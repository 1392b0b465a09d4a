"""One link at a time: bring Xero's persons in, take what Xero owns into the CRM, record clashes, and build what is
to be sent for what the CRM owns (ownership.py decides; push.py sends).

Used by both ways a push happens (the per-edit task and the sync's batches), so they decide alike.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from activity import services as activity_services
from contacts import services as contact_services
from contacts.models import Contact
from integrations.xero import client, ownership, schemas
from integrations.xero.models import XeroConnection, XeroContact
from integrations.xero.sync import contacts as contact_sync
from integrations.xero.sync import names, persons

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PushItem:
    """One link being sent: which row, the CRM version (`updated_at`) its element was built from, and what both
    sides agree on once Xero accepts it (`agreed`, at Xero's version `xero_version`), with the clashes Capsync's
    values win (recorded then)."""

    link_id: int
    version: datetime
    agreed: dict[str, Any] = field(default_factory=dict, compare=False)
    xero_version: datetime | None = None
    clashes: tuple[ownership.Clash, ...] = ()
    sending: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prepared:
    """A link reconciled: its item, the element to send (None: nothing to send), or why nothing may be sent."""

    item: PushItem
    element: schemas.Record | None
    blocked: str = ""
    clashes: int = 0


def contacts_loaded(contact_ids: list[int]) -> dict[int, Contact]:
    """The contacts with what the push and ownership read of them prefetched."""
    contacts = Contact.objects.filter(pk__in=contact_ids).prefetch_related(
        "emails", "phones", "addresses", "people__emails"
    )
    return {contact.pk: contact for contact in contacts}


def needs_push(link: XeroContact, contact: Contact) -> bool:
    """Whether the CRM has an edit Xero has not accepted yet."""
    return (
        link.push_state != XeroContact.PushState.IN_SYNC
        or link.pushed_at is None
        or link.pushed_at < contact.updated_at
    )


def clash_record(*, contact_id: int, clash: ownership.Clash, organisation: str, now: datetime) -> None:
    """Keep a clash in the contact's history, with the value that did not win."""
    activity_services.sync_note_record(
        contact_id=contact_id, body=ownership.clash_text(clash, organisation=organisation), now=now
    )
    logger.info("Xero field clash recorded", extra={"contact_id": contact_id, "group": str(clash.group)})


def _take(
    *, connection: XeroConnection, contact: Contact, link: XeroContact, take: dict[ownership.Group, Any], now: datetime
) -> bool:
    """Write Xero's values of the groups Xero owns into the CRM contact; False when the CRM refused them."""
    arguments: dict[str, Any] = {}
    for group, value in take.items():
        rule = ownership.RULE_OF[group]
        if rule.arguments is not None:
            arguments |= rule.arguments(value, link, contact)
    try:
        if arguments:
            contact_services.contact_update(
                contact_id=contact.pk,
                **{
                    "name": contact.name,
                    "first_name": contact.first_name,
                    "last_name": contact.last_name,
                    "job_title": contact.job_title,
                    **arguments,
                },
                now=now,
            )
        if ownership.Group.PERSONS in take:
            persons.persons_marks_take(link=link, organisation=contact, now=now)
    except contact_services.ContactDetailsInvalid as exc:
        logger.warning(
            "Xero's values could not be taken into Capsync",
            extra={"connection_id": connection.pk, "contact_id": contact.pk, "reason": str(exc)},
        )
        return False
    return True


def name_blocked(link: XeroContact, contact: Contact, *, xero: client.XeroClient | None = None) -> str:
    """Why the CRM name may not be sent, or "": the name is held by another Xero contact (a name conflict is
    opened). With `xero`, a holder found in Capsync's copy is read again first (one call), as it may have been
    renamed in Xero since."""
    holder = names.name_holder(connection_id=link.connection_id, name=contact.name, own_xero_id=link.xero_id)
    if holder is None:
        return ""
    if xero is not None:
        for page in xero.contacts(modified_since=None, ids=[holder.xero_id]):
            contact_sync.xero_contacts_store(connection_id=link.connection_id, records=page.records)
    return names.name_clash(
        connection_id=link.connection_id, contact_id=contact.pk, name=contact.name, own_xero_id=link.xero_id
    )


def link_prepare(
    *, link: XeroContact, now: datetime, may_send: bool = True, xero: client.XeroClient | None = None
) -> Prepared:
    """Reconcile one link (its `connection` loaded with its organisation) with its CRM contact.

    Xero's unmatched persons come in as people first; then ownership decides. Xero's values of the groups it owns
    are written into the CRM now, with their clashes; the element for the CRM's changed groups is returned, unless
    it may not be sent: the Xero contact is archived (Xero takes no edits to it), the CRM name is held by another
    Xero contact (a name conflict is opened), or Xero would refuse the persons (ownership.send_refusal).
    """
    connection = link.connection
    contact = contacts_loaded([link.contact_id])[link.contact_id]
    if not contact.is_person and link.persons and persons.persons_bring_in(link=link, organisation=contact, now=now):
        contact = contacts_loaded([contact.pk])[contact.pk]
    decision = ownership.reconcile(
        connection=connection, contact=contact, link=link, crm_dirty=needs_push(link, contact), may_send=may_send
    )
    recorded = 0
    if decision.take and _take(connection=connection, contact=contact, link=link, take=decision.take, now=now):
        contact = contacts_loaded([contact.pk])[contact.pk]
        for group in decision.take:  # what the CRM now holds is what both sides agree on
            rule = ownership.RULE_OF[group]
            decision.agreed[group] = rule.crm(contact, link) if rule.crm is not None else decision.agreed[group]
        for clash in decision.clashes:
            if clash.kept == ownership.Owner.XERO:
                clash_record(contact_id=contact.pk, clash=clash, organisation=connection.label, now=now)
                recorded += 1
    elif decision.take:  # refused by the CRM: nothing taken, nothing agreed for those groups
        for group in decision.take:
            decision.agreed[group] = link.synced.get(group, decision.agreed[group])
    item = PushItem(
        link_id=link.pk,
        version=contact.updated_at,
        agreed=dict(decision.agreed),
        xero_version=link.xero_updated_at,
        clashes=tuple(clash for clash in decision.clashes if clash.kept == ownership.Owner.CRM),
        sending=tuple(decision.send),
    )
    if not decision.send:
        return Prepared(item=item, element=None, clashes=recorded)
    blocked = (
        names.ARCHIVED_IN_XERO
        if link.status == "ARCHIVED"
        else (name_blocked(link, contact, xero=xero) if ownership.Group.NAME in decision.send else "")
        or ownership.send_refusal(contact=contact, send=decision.send)
    )
    element = ownership.element_of(contact=contact, xero_id=link.xero_id, send=decision.send)
    return Prepared(item=item, element=element, blocked=blocked, clashes=recorded)
