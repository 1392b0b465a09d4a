"""Paying Xero contacts into the CRM: keep Xero's copy, then link, create or queue a conflict for each.

Linking, creating in batches and queueing conflicts read the same index of the CRM contacts a batch of Xero
contacts could match, in one pass, and links record where both sides agree when made (ownership.py). New contacts
are made in creations.py, contact persons in persons.py, merges made in Xero are followed in merges.py.
"""

import logging
from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet

from contacts import batch as contact_batch
from contacts import selectors as contact_selectors
from contacts import services as contact_services
from contacts.models import Contact
from integrations.xero import ownership, schemas
from integrations.xero.models import MatchConflict, XeroConnection, XeroContact
from integrations.xero.sync.creations import Creations, is_person, new_contact
from integrations.xero.sync.matching import (
    Action,
    CrmIndex,
    Facts,
    contact_id_numbered,
    contact_number_for,
    match,
    name_key,
)

logger = logging.getLogger(__name__)

MIRRORED_FIELDS = [
    "name",
    "first_name",
    "last_name",
    "email",
    "contact_number",
    "phones",
    "phones_by_type",
    "addresses",
    "persons",
    "tax_number",
    "account_number",
    "status",
    "is_customer",
    "is_supplier",
    "xero_updated_at",
    "merged_into_xero_id",
    "sales_terms_day",
    "sales_terms_type",
]


@dataclass
class LinkCounts:
    linked: int = 0
    created: int = 0
    conflicts: int = 0


def _mirror(connection_id: int, record: schemas.XeroContact) -> XeroContact:
    return XeroContact(
        connection_id=connection_id,
        xero_id=record.contact_id,
        name=record.name,
        first_name=record.first_name,
        last_name=record.last_name,
        email=record.email,
        contact_number=record.contact_number,
        phones=[phone.number for phone in record.phones],
        phones_by_type={phone.type: phone.number for phone in reversed(record.phones)},
        addresses=[
            {
                "type": address.type,
                "lines": list(address.lines),
                "city": address.city,
                "region": address.region,
                "postal_code": address.postal_code,
                "country": address.country,
            }
            for address in record.addresses
        ],
        persons=[
            {
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": person.email,
                "include_in_emails": person.include_in_emails,
            }
            for person in record.persons
        ],
        tax_number=record.tax_number,
        account_number=record.account_number,
        status=str(record.status),
        is_customer=record.is_customer,
        is_supplier=record.is_supplier,
        xero_updated_at=record.updated_at,
        merged_into_xero_id=record.merged_to_contact_id,
        sales_terms_day=record.sales_terms.day if record.sales_terms else None,
        sales_terms_type=str(record.sales_terms.type) if record.sales_terms else "",
    )


def xero_contacts_store(*, connection_id: int, records: list[schemas.XeroContact]) -> int:
    """Keep Xero's copy of these contacts. A record older than the one stored is dropped (newer wins).

    Returns how many were stored. Links to CRM contacts are never changed here.
    """
    if not records:
        return 0
    stored = dict(
        XeroContact.objects.filter(
            connection_id=connection_id, xero_id__in=[r.contact_id for r in records]
        ).values_list("xero_id", "xero_updated_at")
    )
    fresh = {
        record.contact_id: record
        for record in records
        if record.contact_id not in stored or stored[record.contact_id] <= record.updated_at
    }
    XeroContact.objects.bulk_create(
        [_mirror(connection_id, record) for record in fresh.values()],
        update_conflicts=True,
        unique_fields=["connection", "xero_id"],
        update_fields=MIRRORED_FIELDS,
    )
    return len(fresh)


def linked_xero_id(*, connection_id: int, contact_id: int | None) -> str | None:
    """The Xero ContactID the CRM contact is linked to in the organisation, or None."""
    return (
        XeroContact.objects.filter(
            connection_id=connection_id, contact_id=contact_id, link_state=XeroContact.LinkState.LINKED
        )
        .values_list("xero_id", flat=True)
        .first()
    )


def paying_mark(*, connection_id: int, xero_contact_ids: set[str]) -> None:
    """Remember which Xero contacts have an authorised sales invoice (the rule that brings them in)."""
    XeroContact.objects.filter(connection_id=connection_id, xero_id__in=xero_contact_ids, is_paying=False).update(
        is_paying=True
    )


def xero_contact_ids_missing(*, connection_id: int, xero_contact_ids: set[str]) -> set[str]:
    """Which of these Xero contacts we have no copy of yet (to be fetched by id)."""
    known = set(
        XeroContact.objects.filter(connection_id=connection_id, xero_id__in=xero_contact_ids).values_list(
            "xero_id", flat=True
        )
    )
    return xero_contact_ids - known


def _facts(xero_contact: XeroContact) -> Facts:
    return Facts.of(
        name=xero_contact.name,
        is_person=is_person(xero_contact),
        emails=[xero_contact.email],
        phones=xero_contact.phones,
        postcodes=[a.get("postal_code", "") for a in xero_contact.addresses],
        contact_number=xero_contact.contact_number,
    )


def crm_index_of(*, connection_id: int, facts: list[Facts]) -> CrmIndex:
    """The CRM contacts (all teams) these Xero contacts could match, indexed for matching: those with one of their
    emails or normalised names, and those their Capsync numbers name. Those already linked in this organisation are
    marked as such.

    `match` weighs only a Xero contact's candidates (same email, same name, its number), so it decides the same
    with this index as with one of every CRM contact, and the index is read by index in a few queries: memory
    stays flat however large the CRM, and no worker holds a whole copy of it.
    """
    found = contact_selectors.contacts_match_facts(
        email_keys={email for one in facts for email in one.emails},
        name_keys={name_key(one.name) for one in facts},
        contact_ids={number for one in facts if (number := contact_id_numbered(one.contact_number)) is not None},
    )
    linked = set(
        XeroContact.objects.filter(
            connection_id=connection_id, contact_id__in=[crm.contact_id for crm in found]
        ).values_list("contact_id", flat=True)
    )
    index = CrmIndex()
    for crm in found:
        index.add(
            crm.contact_id,
            Facts.of(
                name=crm.name,
                is_person=crm.is_person,
                emails=crm.emails,
                phones=crm.phones,
                postcodes=crm.postcodes,
            ),
            already_linked=crm.contact_id in linked,
        )
    return index


def _wanted(connection: XeroConnection) -> QuerySet[XeroContact]:
    brought_in = Q(is_paying=True)
    if connection.suppliers != XeroConnection.Suppliers.IGNORE:
        brought_in |= Q(is_supplier=True)
    # A contact merged away in Xero lives on in the one it was merged into; it is never brought in by itself.
    return XeroContact.objects.filter(
        brought_in, connection=connection, link_state=XeroContact.LinkState.UNLINKED, merged_into_xero_id=""
    )


def contacts_waiting(*, connection: XeroConnection) -> bool:
    """Whether any paying (or, per the option, supplier) Xero contact still waits to be brought in."""
    return _wanted(connection).exists()


# How many Xero contacts are matched against one read of their CRM candidates.
MATCH_BATCH_SIZE = 1000


def contacts_link_paying(*, connection: XeroConnection, xero_contact_ids: Collection[str] | None = None) -> LinkCounts:
    """Bring each paying (and, per the connection's option, supplier) Xero contact into the CRM; only those of
    `xero_contact_ids` when given (the sync links the contacts of each invoice page before storing it).

    Each Xero contact is matched once, in order of name, against every CRM contact including those created before
    it in this run: linked, queued as a conflict, or (when nothing matches) created. The CRM contacts it could
    match are read for each MATCH_BATCH_SIZE Xero contacts (crm_index_of). New CRM contacts are created in
    batches of 1,000 with their details, each batch in one transaction. Archived Xero contacts are linked when
    they match, but never create a new CRM contact.
    """
    counts = LinkCounts()
    wanted = _wanted(connection)
    if xero_contact_ids is not None:
        if not xero_contact_ids:
            return counts
        wanted = wanted.filter(xero_id__in=list(xero_contact_ids))
    creations = Creations(connection, CrmIndex())
    batch: list[XeroContact] = []
    for xero_contact in wanted.order_by("name", "pk").iterator(chunk_size=MATCH_BATCH_SIZE):
        batch.append(xero_contact)
        if len(batch) >= MATCH_BATCH_SIZE:
            _batch_link(batch, creations=creations, counts=counts)
            batch = []
    _batch_link(batch, creations=creations, counts=counts)
    counts.created += creations.flush()
    return counts


def _batch_link(batch: list[XeroContact], *, creations: Creations, counts: LinkCounts) -> None:
    if not batch:
        return
    facts_of = [_facts(xero_contact) for xero_contact in batch]
    # Contacts created or linked by earlier batches are read back as linked; those still waiting in `creations`
    # are not in the CRM yet, exactly as before they are created (a Xero contact touching one creates them first).
    index = creations.index = crm_index_of(connection_id=creations.connection.pk, facts=facts_of)
    for xero_contact, facts in zip(batch, facts_of, strict=True):
        if creations.touches(facts):
            counts.created += creations.flush()
        decision = match(facts, index)
        if decision.action == Action.LINK:
            with transaction.atomic():
                contact_link(xero_contact=xero_contact, contact_id=decision.contact_id)
            index.linked.add(decision.contact_id)
            counts.linked += 1
        elif decision.action == Action.CONFLICT:
            with transaction.atomic():
                conflict_open(xero_contact=xero_contact, candidates=decision.candidates)
            counts.conflicts += 1
        elif xero_contact.status != "ARCHIVED":
            counts.created += creations.add(xero_contact, facts)


def contact_link(*, xero_contact: XeroContact, contact_id: int, following: XeroContact | None = None) -> None:
    """Link a Xero contact to a CRM contact; the CRM keeps its own details.

    Linking writes nothing to Xero: the CRM contact as it is now counts as sent (`pushed_at` is its version, see
    sync/push.py), so only edits made after linking are pushed. A link that `following` a merge (the contact the
    link was on, merged away in Xero) keeps where that link stood instead: an edit not sent yet is still sent (or,
    for a field Xero owns, recorded), and is never taken as agreed.
    """
    contact = Contact.objects.prefetch_related("emails", "phones", "addresses", "people__emails").get(pk=contact_id)
    if contact.payment_terms_day is None and xero_contact.sales_terms_type and xero_contact.sales_terms_day is not None:
        # The CRM contact is the one home of the terms (due dates and the forecast read them there): one that has
        # none takes Xero's, which Capsync could not clear in Xero anyway.
        terms = (xero_contact.sales_terms_day, xero_contact.sales_terms_type)
        contact_services.contact_payment_terms_fill(contact_id=contact_id, payment_terms=terms)
        contact.payment_terms_day, contact.payment_terms_type = terms
    xero_contact.contact_id = contact_id
    xero_contact.link_state = XeroContact.LinkState.LINKED
    xero_contact.pushed_at = contact.updated_at
    xero_contact.push_state = XeroContact.PushState.IN_SYNC
    xero_contact.push_error = ""
    # Both sides agree as they are (ownership.py). Unless Xero owns some fields or lists persons, nothing waits to
    # be reconciled; otherwise the next sync takes those fields and brings the persons in.
    owns_some = XeroConnection.objects.filter(pk=xero_contact.connection_id).exclude(field_owners={}).exists()
    waiting = owns_some or bool(xero_contact.persons)
    xero_contact.reconciled_at = None if waiting else xero_contact.xero_updated_at
    xero_contact.synced = ownership.agreed_at_link(link=xero_contact, contact=contact)
    if following is not None:
        xero_contact.pushed_at, xero_contact.synced = following.pushed_at, following.synced
        # A refusal was the merged-away contact's (archived there): the survivor is tried afresh.
        in_sync = following.push_state == XeroContact.PushState.IN_SYNC
        xero_contact.push_state = XeroContact.PushState.IN_SYNC if in_sync else XeroContact.PushState.PENDING
        xero_contact.reconciled_at = None
    xero_contact.save(
        update_fields=["contact", "link_state", "pushed_at", "push_state", "push_error", "reconciled_at", "synced"]
    )


def xero_contact_matching(*, connection_id: int, contact_id: int) -> XeroContact | None:
    """An unlinked Xero contact of the organisation that the matching rules link to this CRM contact, if any.

    For a contact about to be created in Xero: Xero refuses a second contact with a name it already has, and a
    customer who is in Xero but not yet brought in (no paying invoice) should be linked, not duplicated. Only Xero
    contacts with the same name (case aside) or one of the contact's emails are weighed, against every CRM
    contact, so a doubtful match (another CRM contact fits as well) is not taken.
    """
    contact = Contact.objects.prefetch_related("emails").get(pk=contact_id)
    emails = {variant for email in contact.emails.all() for variant in (email.address, email.address.lower())}
    # Archived ones are left out: Xero takes no documents for them, so a clash with one goes to the admin instead.
    unlinked = (
        XeroContact.objects.filter(connection_id=connection_id, contact__isnull=True)
        .exclude(link_state=XeroContact.LinkState.IGNORED)
        .exclude(status="ARCHIVED")
    )
    # Capsync's own number first: the contact Capsync made in Xero for this CRM contact, before any unlink.
    numbered = unlinked.filter(contact_number__iexact=contact_number_for(contact_id), merged_into_xero_id="").first()
    if numbered is not None:
        return numbered
    candidates = list(unlinked.filter(Q(name__iexact=contact.name) | Q(email__in=emails)).order_by("pk"))
    if not candidates:
        return None
    index = crm_index_of(connection_id=connection_id, facts=[_facts(xero_contact) for xero_contact in candidates])
    return next(
        (
            xero_contact
            for xero_contact in candidates
            if (decision := match(_facts(xero_contact), index)).action == Action.LINK
            and decision.contact_id == contact_id
        ),
        None,
    )


def conflict_open(*, xero_contact: XeroContact, candidates: tuple) -> MatchConflict:
    """Queue a doubtful match for an admin, with the evidence for each candidate."""
    xero_contact.link_state = XeroContact.LinkState.CONFLICT
    xero_contact.save(update_fields=["link_state"])
    conflict, _ = MatchConflict.objects.get_or_create(
        xero_contact=xero_contact,
        status=MatchConflict.Status.OPEN,
        defaults={
            "candidates": [
                {"contact_id": c.contact_id, "score": c.score, "evidence": list(c.evidence)} for c in candidates
            ]
        },
    )
    return conflict


@transaction.atomic
def contact_from_xero(*, xero_contact: XeroContact, connection: XeroConnection) -> Contact:
    """Create the CRM contact for a Xero contact nobody in the CRM matches, in the connection's default team."""
    (contact,) = contact_batch.contacts_create(contacts=[new_contact(xero_contact, connection)])
    contact_link(xero_contact=xero_contact, contact_id=contact.pk)
    return contact
