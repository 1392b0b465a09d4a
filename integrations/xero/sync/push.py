"""CRM edits of linked contacts go to Xero: for a linked contact, the CRM is the source of truth for its details.

Two ways in. After an edit, contacts.signals.contact_changed enqueues tasks.contact_push, which sends that one
contact to each organisation it is linked in (`contact_push`). And each organisation sync sends every dirty link in
batches of up to 50 contacts a call (`contacts_push_dirty`), which catches any edit whose task never ran.

`XeroContact.pushed_at` is the `updated_at` of the CRM contact as Xero last accepted it; linking sets it to the
contact's version at that moment, so linking writes nothing to Xero and only later edits are sent. A link is dirty
when its contact is newer than that, or when it is marked pending. Comparing versions rather than clock times means
an edit that lands while a push is on its way is never mistaken for sent. What Xero answers only refreshes our
mirror of its copy (XeroContact); nothing is ever copied from Xero over the CRM.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q, QuerySet

from contacts.models import Contact
from integrations.xero import auth, client, schemas
from integrations.xero.models import XeroConnection, XeroContact
from integrations.xero.sync import contacts as contact_sync
from integrations.xero.sync import names

logger = logging.getLogger(__name__)

GONE_FROM_XERO = "Xero no longer has this contact (it may have been deleted or merged there)."


@dataclass
class PushCounts:
    pushed: int = 0
    refused: int = 0
    calls: int = 0


@dataclass(frozen=True)
class PushItem:
    """One link being sent: which row, and the CRM version (`updated_at`) its element was built from."""

    link_id: int
    version: datetime


@dataclass(frozen=True)
class Batch:
    """Links to send in one call, with their POST /Contacts elements; `held_back` counts the links of this slice
    refused without a call (archived in Xero, or their name held there by another contact)."""

    items: list[PushItem]
    elements: list[schemas.Record] = field(repr=False)
    held_back: int = 0


def _contacts_loaded(contact_ids: list[int]) -> dict[int, Contact]:
    contacts = Contact.objects.filter(pk__in=contact_ids).prefetch_related("emails", "phones", "addresses")
    return {contact.pk: contact for contact in contacts}


def contact_change(contact: Contact, *, xero_id: str) -> schemas.ContactChange:
    """What Xero should hold for this CRM contact (emails, phones and addresses prefetched).

    The first email is Xero's EmailAddress. The first phone labelled "mobile" is Xero's MOBILE phone and the first
    other phone its DEFAULT one; further numbers stay in the CRM. The first address is Xero's STREET address.
    """
    emails = [email.address for email in contact.emails.all()]
    phones = list(contact.phones.all())
    mobile = next((phone.number for phone in phones if phone.label == "mobile"), "")
    default = next((phone.number for phone in phones if phone.label != "mobile"), "")
    address = next(iter(contact.addresses.all()), None)
    street = schemas.XeroAddress(
        type="STREET",
        lines=tuple(line.strip() for line in address.street.splitlines() if line.strip()) if address else (),
        city=address.city if address else "",
        region=address.region if address else "",
        postal_code=address.postcode if address else "",
        country=address.country if address else "",
    )
    return schemas.ContactChange(
        contact_id=xero_id,
        name=contact.name,
        first_name=contact.first_name if contact.is_person else None,
        last_name=contact.last_name if contact.is_person else None,
        email=emails[0] if emails else "",
        default_phone=default,
        mobile_phone=mobile,
        street=street,
    )


def _needs_push(link: XeroContact, contact: Contact) -> bool:
    return (
        link.push_state != XeroContact.PushState.IN_SYNC
        or link.pushed_at is None
        or link.pushed_at < contact.updated_at
    )


@transaction.atomic
def _accepted(item: PushItem) -> None:
    """Xero took the version `item` sent. If a newer edit exists, or a newer version was recorded as sent before
    this one (so this older one may have reached Xero last), the link stays pending and is sent again."""
    link = XeroContact.objects.select_for_update().get(pk=item.link_id)
    current = Contact.objects.filter(pk=link.contact_id).values_list("updated_at", flat=True).first()
    newer_sent = link.pushed_at is not None and link.pushed_at > item.version
    moved_on = current is not None and current > item.version
    if not newer_sent:
        link.pushed_at = item.version
    link.push_state = XeroContact.PushState.PENDING if newer_sent or moved_on else XeroContact.PushState.IN_SYNC
    link.push_error = ""
    link.save(update_fields=["pushed_at", "push_state", "push_error"])


def _refused(item: PushItem, *, messages: list[str] | tuple[str, ...]) -> None:
    """Xero refused the version `item` sent: show why on the contact, unless a newer version was accepted since."""
    XeroContact.objects.filter(Q(pushed_at__isnull=True) | Q(pushed_at__lt=item.version), pk=item.link_id).update(
        push_state=XeroContact.PushState.FAILED,
        push_error=" ".join(messages) or "Xero refused the change without saying why.",
    )
    logger.info("Xero refused a contact edit", extra={"xero_contact_pk": item.link_id})


def _blocked(link: XeroContact, contact: Contact, *, xero: client.XeroClient | None = None) -> str:
    """Why this edit is not sent, or "" when it may be: the Xero contact is archived (Xero takes no edits to it; no
    call is made), or the CRM name is held by another Xero contact (a name conflict is opened). With `xero`, a
    holder found in Capsync's copy is read again first (one call), as it may have been renamed in Xero since."""
    if link.status == "ARCHIVED":
        return names.ARCHIVED_IN_XERO
    holder = names.name_holder(connection_id=link.connection_id, name=contact.name, own_xero_id=link.xero_id)
    if holder is not None and xero is not None:
        for page in xero.contacts(modified_since=None, ids=[holder.xero_id]):
            contact_sync.xero_contacts_store(connection_id=link.connection_id, records=page.records)
    return (
        names.name_clash(
            connection_id=link.connection_id, contact_id=contact.pk, name=contact.name, own_xero_id=link.xero_id
        )
        if holder is not None
        else ""
    )


def _name_refusal(
    link: XeroContact, contact: Contact, *, messages: list[str] | tuple[str, ...], xero: client.XeroClient | None = None
) -> list[str]:
    """The messages to record for Xero's refusal of this link's edit. A refusal for a name another contact holds
    (taken in Xero since the last sync) opens the same name conflict as the check before sending; with `xero`,
    a holder Capsync has no copy of yet is fetched by name first."""
    if not names.is_name_refusal(messages):
        return list(messages)
    if (
        xero is not None
        and names.name_holder(connection_id=link.connection_id, name=contact.name, own_xero_id=link.xero_id) is None
    ):
        for page in xero.contacts(modified_since=None, search_term=contact.name.strip()):
            contact_sync.xero_contacts_store(connection_id=link.connection_id, records=page.records)
    clash = names.name_clash(
        connection_id=link.connection_id, contact_id=contact.pk, name=contact.name, own_xero_id=link.xero_id
    )
    return [clash] if clash else list(messages)


def contact_push(*, contact_id: int, clock: Callable[[], datetime], identity: client.XeroIdentity) -> PushCounts:
    """Send the CRM contact's details to every connected organisation it is linked in that takes CRM edits.

    One POST /Contacts/{ContactID} per such organisation, skipping those that already hold this version. A refusal
    is recorded on the link (push_state failed, push_error Xero's messages); an organisation needing a reconnect is
    skipped (its links stay dirty for the sync after reconnecting). Raises RateLimited or XeroUnavailable for the
    caller to retry later; links already sent are then not sent again.
    """
    counts = PushCounts()
    links = list(
        XeroContact.objects.filter(
            contact_id=contact_id,
            link_state=XeroContact.LinkState.LINKED,
            connection__push_crm_edits=True,
            connection__status=XeroConnection.Status.CONNECTED,
        )
        .select_related("connection")
        .order_by("pk")
    )
    contact = _contacts_loaded([contact_id]).get(contact_id) if links else None
    if contact is None:
        return counts
    for link in links:
        if not _needs_push(link, contact):
            continue
        item = PushItem(link_id=link.pk, version=contact.updated_at)
        if link.status == "ARCHIVED":
            _refused(item, messages=[names.ARCHIVED_IN_XERO])
            counts.refused += 1
            continue
        xero = auth.client_for(connection=link.connection, identity=identity, clock=clock)
        try:
            blocked = _blocked(link, contact, xero=xero)
        except client.ReconnectNeeded:
            blocked = ""  # the write below meets the same answer, and waits for the reconnect
        if blocked:
            _refused(item, messages=[blocked])
            counts.refused += 1
            counts.calls += xero.calls
            continue
        element = schemas.contact_change_json(contact_change(contact, xero_id=link.xero_id))
        try:
            copy = xero.contact_update(element)
        except client.XeroValidationError as exc:
            _refused(item, messages=_name_refusal(link, contact, messages=exc.messages, xero=xero))
            counts.refused += 1
            continue
        except client.XeroNotFound:
            _refused(item, messages=[GONE_FROM_XERO])
            counts.refused += 1
            continue
        except client.ReconnectNeeded:
            logger.warning(
                "Xero needs a reconnect; the contact edit waits for it",
                extra={"connection_id": link.connection_id, "contact_id": contact_id},
            )
            continue
        except schemas.SchemaError:
            logger.warning(
                "Xero saved a contact edit but its copy did not parse",
                extra={"connection_id": link.connection_id, "contact_id": contact_id},
            )
            copy = None
        finally:
            counts.calls += xero.calls
        _accepted(item)
        counts.pushed += 1
        names.name_conflicts_clear(connection_id=link.connection_id, contact_id=contact_id, now=clock())
        if copy is not None:
            contact_sync.xero_contacts_store(connection_id=link.connection_id, records=[copy])
    logger.info(
        "Contact edit sent to Xero",
        extra={"contact_id": contact_id, "pushed": counts.pushed, "refused": counts.refused, "calls": counts.calls},
    )
    return counts


def links_dirty(*, connection_id: int) -> QuerySet[XeroContact]:
    """The organisation's links whose CRM contact has changed since Xero last accepted it, or marked pending."""
    return XeroContact.objects.filter(
        Q(push_state=XeroContact.PushState.PENDING) | Q(contact__updated_at__gt=F("pushed_at")),
        connection_id=connection_id,
        link_state=XeroContact.LinkState.LINKED,
    )


def dirty_batches(*, connection_id: int) -> Iterator[Batch]:
    """The organisation's dirty links, up to CONTACTS_PER_WRITE a batch, each with its POST /Contacts elements.

    Batches are read as they are asked for, in link order, so memory stays flat and a link refused in one batch
    is not offered again in the same run. A batch whose links were all held back has no elements: send nothing.
    """
    after = 0
    while True:
        links = list(
            links_dirty(connection_id=connection_id).filter(pk__gt=after).order_by("pk")[: client.CONTACTS_PER_WRITE]
        )
        if not links:
            return
        after = links[-1].pk
        contacts = _contacts_loaded([link.contact_id for link in links])
        items, elements = [], []
        for link in links:
            contact = contacts[link.contact_id]
            item = PushItem(link_id=link.pk, version=contact.updated_at)
            blocked = _blocked(link, contact)
            if blocked:  # archived in Xero, or its name is taken there: never sent, shown on the contact
                _refused(item, messages=[blocked])
                continue
            items.append(item)
            elements.append(schemas.contact_change_json(contact_change(contact, xero_id=link.xero_id)))
        yield Batch(items=items, elements=elements, held_back=len(links) - len(items))


def batch_record(*, connection_id: int, batch: Batch, results: list[schemas.ContactWriteResult]) -> PushCounts:
    """Record Xero's answer to one batch: each accepted link is in sync (and its Xero copy kept), each refused one
    shows Xero's reason on the contact."""
    counts = PushCounts(refused=batch.held_back)
    copies = []
    refused = {item.link_id: result.errors for item, result in zip(batch.items, results, strict=True) if result.refused}
    links = XeroContact.objects.select_related("contact").in_bulk(list(refused)) if refused else {}
    for item, result in zip(batch.items, results, strict=True):
        if result.refused:
            link = links[item.link_id]
            _refused(
                item,
                messages=_name_refusal(link, link.contact, messages=result.errors)
                if link.contact is not None
                else result.errors,
            )
            counts.refused += 1
            continue
        _accepted(item)
        counts.pushed += 1
        if result.contact is not None:
            copies.append(result.contact)
    contact_sync.xero_contacts_store(connection_id=connection_id, records=copies)
    return counts


def contact_push_retry(*, contact_id: int) -> int:
    """Mark the contact's refused pushes as waiting to be sent again; returns how many. The caller enqueues
    tasks.contact_push."""
    return XeroContact.objects.filter(contact_id=contact_id, push_state=XeroContact.PushState.FAILED).update(
        push_state=XeroContact.PushState.PENDING
    )
