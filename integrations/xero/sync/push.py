"""CRM edits of linked contacts go to Xero, for the field groups the CRM owns (ownership.py; by default all).

Two ways in. After an edit, contacts.signals.contact_changed enqueues tasks.contact_push, which sends that one
contact to each organisation it is linked in (`contact_push`). And each organisation sync reconciles every link
that changed on either side, sending the CRM's changes in batches of up to 50 contacts a call
(`contacts_push_dirty`), which catches any edit whose task never ran. Both reconcile a link the same way
(sync/reconcile.py): Xero's values of the groups it owns are taken into the CRM, clashes are recorded, and only
the groups the CRM owns and changed are sent.

`XeroContact.pushed_at` is the `updated_at` of the CRM contact as Xero last accepted it; linking sets it to the
contact's version at that moment, so linking writes nothing to Xero and only later edits are sent. A link is dirty
when its contact is newer than that, or when it is marked pending. Comparing versions rather than clock times means
an edit that lands while a push is on its way is never mistaken for sent.
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
from integrations.xero.sync.reconcile import Prepared, PushItem, clash_record, contacts_loaded, link_prepare, needs_push

logger = logging.getLogger(__name__)

GONE_FROM_XERO = "Xero no longer has this contact (it may have been deleted or merged there)."


@dataclass
class PushCounts:
    pushed: int = 0
    refused: int = 0
    calls: int = 0
    clashes: int = 0


@dataclass(frozen=True)
class Batch:
    """Links to send in one call, with their POST /Contacts elements; `held_back` counts the links of this slice
    refused without a call (archived in Xero, their name held there by another contact, persons Xero would
    refuse), `clashes` the clashes recorded while reconciling them."""

    items: list[PushItem]
    elements: list[schemas.Record] = field(repr=False)
    held_back: int = 0
    clashes: int = 0


@transaction.atomic
def _accepted(item: PushItem, *, now: datetime | None = None) -> int:
    """Xero took the version `item` sent (or there was nothing to send). If a newer edit exists, or a newer version
    was recorded as sent before this one (so this older one may have reached Xero last), the link stays pending and
    is sent again. What both sides now agree on is kept, and the clashes Capsync's values won are recorded; returns
    how many."""
    link = XeroContact.objects.select_for_update().select_related("connection__organisation").get(pk=item.link_id)
    current = Contact.objects.filter(pk=link.contact_id).values_list("updated_at", flat=True).first()
    newer_sent = link.pushed_at is not None and link.pushed_at > item.version
    moved_on = current is not None and current > item.version
    fields = ["pushed_at", "push_state", "push_error"]
    if not newer_sent:
        link.pushed_at = item.version
        if item.agreed:
            link.synced = item.agreed
            fields.append("synced")
    if item.xero_version is not None and (link.reconciled_at is None or link.reconciled_at < item.xero_version):
        link.reconciled_at = item.xero_version
        fields.append("reconciled_at")
    link.push_state = XeroContact.PushState.PENDING if newer_sent or moved_on else XeroContact.PushState.IN_SYNC
    link.push_error = ""
    link.save(update_fields=fields)
    if newer_sent or link.contact_id is None or now is None:
        return 0
    for clash in item.clashes:
        clash_record(contact_id=link.contact_id, clash=clash, organisation=link.connection.label, now=now)
    return len(item.clashes)


def _reconciled(item: PushItem) -> None:
    """Keep what was agreed for the groups decided without sending (Xero's taken, or nothing changed) when the
    CRM's own changes are not sent (refused, or the organisation takes no CRM edits)."""
    link = XeroContact.objects.get(pk=item.link_id)
    agreed = {group: value for group, value in item.agreed.items() if group not in item.sending}
    XeroContact.objects.filter(pk=item.link_id).update(
        synced={**link.synced, **agreed}, reconciled_at=item.xero_version or link.reconciled_at
    )


def _refused(item: PushItem, *, messages: list[str] | tuple[str, ...]) -> None:
    """Xero refused the version `item` sent: show why on the contact, unless a newer version was accepted since."""
    XeroContact.objects.filter(Q(pushed_at__isnull=True) | Q(pushed_at__lt=item.version), pk=item.link_id).update(
        push_state=XeroContact.PushState.FAILED,
        push_error=" ".join(messages) or "Xero refused the change without saying why.",
    )
    logger.info("Xero refused a contact edit", extra={"xero_contact_pk": item.link_id})


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
    """Send the CRM contact's changes to every connected organisation it is linked in that takes CRM edits.

    Per such organisation with an edit not yet accepted: one GET of the Xero contact (so an edit made in Xero since
    the last sync is known, taken or recorded as ownership says), then one POST /Contacts/{ContactID} with the
    groups the CRM owns and changed, if any. A refusal is recorded on the link (push_state failed, push_error Xero's
    messages); an organisation needing a reconnect is skipped (its links stay dirty for the sync after
    reconnecting). Raises RateLimited or XeroUnavailable for the caller to retry later; links already sent are then
    not sent again.
    """
    counts = PushCounts()
    links = list(
        XeroContact.objects.filter(
            contact_id=contact_id,
            link_state=XeroContact.LinkState.LINKED,
            connection__push_crm_edits=True,
            connection__status=XeroConnection.Status.CONNECTED,
        )
        .select_related("connection__organisation")
        .order_by("pk")
    )
    for link in links:
        contact = contacts_loaded([contact_id]).get(contact_id)
        if contact is None:
            return counts
        if not needs_push(link, contact):
            continue
        if link.status == "ARCHIVED":  # refused without a call: Xero takes no edits to archived contacts
            _refused(PushItem(link_id=link.pk, version=contact.updated_at), messages=[names.ARCHIVED_IN_XERO])
            counts.refused += 1
            continue
        xero = auth.client_for(connection=link.connection, identity=identity, clock=clock)
        try:
            counts.refused += _push_one(link, xero=xero, counts=counts, now=clock())
        except client.ReconnectNeeded:
            logger.warning(
                "Xero needs a reconnect; the contact edit waits for it",
                extra={"connection_id": link.connection_id, "contact_id": contact_id},
            )
        finally:
            counts.calls += xero.calls
    logger.info(
        "Contact edit sent to Xero",
        extra={"contact_id": contact_id, "pushed": counts.pushed, "refused": counts.refused, "calls": counts.calls},
    )
    return counts


def _push_one(link: XeroContact, *, xero: client.XeroClient, counts: PushCounts, now: datetime) -> int:
    """Read the Xero contact, reconcile the link and send what the CRM owns and changed; returns 1 if refused."""
    records = [record for page in xero.contacts(modified_since=None, ids=[link.xero_id]) for record in page.records]
    if not records:
        _refused(PushItem(link_id=link.pk, version=link.contact.updated_at), messages=[GONE_FROM_XERO])
        return 1
    contact_sync.xero_contacts_store(connection_id=link.connection_id, records=records)
    link.refresh_from_db()
    prepared = link_prepare(link=link, now=now, xero=xero)
    counts.clashes += prepared.clashes
    if prepared.blocked:
        _reconciled(prepared.item)
        _refused(prepared.item, messages=[prepared.blocked])
        return 1
    if prepared.element is None:
        counts.clashes += _accepted(prepared.item, now=now)
        return 0
    try:
        copy = xero.contact_update(prepared.element)
    except client.XeroValidationError as exc:
        _reconciled(prepared.item)
        _refused(prepared.item, messages=_name_refusal(link, link.contact, messages=exc.messages, xero=xero))
        return 1
    except client.XeroNotFound:
        _refused(prepared.item, messages=[GONE_FROM_XERO])
        return 1
    except schemas.SchemaError:
        logger.warning(
            "Xero saved a contact edit but its copy did not parse",
            extra={"connection_id": link.connection_id, "contact_id": link.contact_id},
        )
        copy = None
    counts.clashes += _accepted(prepared.item, now=now)
    counts.pushed += 1
    names.name_conflicts_clear(connection_id=link.connection_id, contact_id=link.contact_id, now=now)
    if copy is not None:
        contact_sync.xero_contacts_store(connection_id=link.connection_id, records=[copy])
        XeroContact.objects.filter(pk=link.pk, reconciled_at__lt=copy.updated_at).update(reconciled_at=copy.updated_at)
    return 0


def links_dirty(*, connection_id: int) -> QuerySet[XeroContact]:
    """The organisation's links whose CRM contact has changed since Xero last accepted it, or marked pending."""
    return XeroContact.objects.filter(
        Q(push_state=XeroContact.PushState.PENDING) | Q(contact__updated_at__gt=F("pushed_at")),
        connection_id=connection_id,
        link_state=XeroContact.LinkState.LINKED,
    )


def links_to_reconcile(*, connection_id: int, may_send: bool = True) -> QuerySet[XeroContact]:
    """The links a sync reconciles: those Xero changed since they were last reconciled, and (when the
    organisation takes CRM edits) the dirty ones."""
    changed_in_xero = Q(reconciled_at__isnull=True) | Q(xero_updated_at__gt=F("reconciled_at"))
    dirty = Q(push_state=XeroContact.PushState.PENDING) | Q(contact__updated_at__gt=F("pushed_at"))
    return XeroContact.objects.filter(
        changed_in_xero | dirty if may_send else changed_in_xero,
        connection_id=connection_id,
        link_state=XeroContact.LinkState.LINKED,
    )


def dirty_batches(*, connection_id: int, now: datetime, may_send: bool = True) -> Iterator[Batch]:
    """The organisation's links to reconcile, up to CONTACTS_PER_WRITE a batch, each with its POST /Contacts
    elements. Xero's values of the groups it owns are taken into the CRM as each link is reconciled; a link with
    nothing to send is settled without a call.

    Batches are read as they are asked for, in link order, so memory stays flat and a link refused in one batch
    is not offered again in the same run. A batch whose links were all held back has no elements: send nothing.
    """
    after = 0
    while True:
        links = list(
            links_to_reconcile(connection_id=connection_id, may_send=may_send)
            .filter(pk__gt=after)
            .select_related("connection__organisation")
            .order_by("pk")[: client.CONTACTS_PER_WRITE]
        )
        if not links:
            return
        after = links[-1].pk
        items, elements, held_back, clashes = [], [], 0, 0
        for link in links:
            prepared: Prepared = link_prepare(link=link, now=now, may_send=may_send)
            clashes += prepared.clashes
            if prepared.blocked:  # archived in Xero, its name taken there, or persons Xero refuses: never sent
                _reconciled(prepared.item)
                _refused(prepared.item, messages=[prepared.blocked])
                held_back += 1
            elif prepared.element is None:
                if may_send:
                    clashes += _accepted(prepared.item, now=now)
                else:
                    _reconciled(prepared.item)
            else:
                items.append(prepared.item)
                elements.append(prepared.element)
        yield Batch(items=items, elements=elements, held_back=held_back, clashes=clashes)


def batch_record(
    *, connection_id: int, batch: Batch, results: list[schemas.ContactWriteResult], now: datetime
) -> PushCounts:
    """Record Xero's answer to one batch: each accepted link is in sync (and its Xero copy kept), each refused one
    shows Xero's reason on the contact."""
    counts = PushCounts(refused=batch.held_back, clashes=batch.clashes)
    copies = []
    refused = {item.link_id: result.errors for item, result in zip(batch.items, results, strict=True) if result.refused}
    links = XeroContact.objects.select_related("contact").in_bulk(list(refused)) if refused else {}
    for item, result in zip(batch.items, results, strict=True):
        if result.refused:
            link = links[item.link_id]
            _reconciled(item)
            _refused(
                item,
                messages=_name_refusal(link, link.contact, messages=result.errors)
                if link.contact is not None
                else result.errors,
            )
            counts.refused += 1
            continue
        counts.clashes += _accepted(item, now=now)
        counts.pushed += 1
        if result.contact is not None:
            copies.append(result.contact)
    contact_sync.xero_contacts_store(connection_id=connection_id, records=copies)
    for copy in copies:  # Xero's answer is the version both sides now agree on
        XeroContact.objects.filter(
            connection_id=connection_id, xero_id=copy.contact_id, reconciled_at__lt=copy.updated_at
        ).update(reconciled_at=copy.updated_at)
    return counts


def contact_push_retry(*, contact_id: int) -> int:
    """Mark the contact's refused pushes as waiting to be sent again; returns how many. The caller enqueues
    tasks.contact_push."""
    return XeroContact.objects.filter(contact_id=contact_id, push_state=XeroContact.PushState.FAILED).update(
        push_state=XeroContact.PushState.PENDING
    )
