"""New CRM contacts made from paying Xero contacts nobody in the CRM matches: what each becomes (`new_contact`),
and the batches they are created and linked in (`Creations`, used by contacts.contacts_link_paying)."""

from datetime import datetime

from django.db import transaction

from contacts import batch as contact_batch
from contacts.models import Contact
from contacts.rows import AddressData
from integrations.xero import ownership
from integrations.xero.models import XeroConnection, XeroContact
from integrations.xero.sync.matching import Action, CrmIndex, Facts, match, name_key
from invoices.bulk import update_from_values

SUPPLIER_TAG = "Supplier"


def is_person(xero_contact: XeroContact) -> bool:
    """A Xero contact is a person when its name is exactly its first and last name; otherwise an organisation."""
    full_name = f"{xero_contact.first_name} {xero_contact.last_name}"
    return bool(xero_contact.first_name and xero_contact.last_name) and name_key(full_name) == name_key(
        xero_contact.name
    )


def new_contact(xero_contact: XeroContact, connection: XeroConnection) -> contact_batch.NewContact:
    """The CRM contact a Xero contact becomes: a person or an organisation (`is_person`), in the connection's
    default team, with Xero's email, phones, addresses and sales terms, tagged "Supplier" when the option asks."""
    tags = (SUPPLIER_TAG,) if (xero_contact.is_supplier and connection.suppliers == "import_tagged") else ()
    person = is_person(xero_contact)
    return contact_batch.NewContact(
        kind=Contact.Kind.PERSON if person else Contact.Kind.ORGANISATION,
        name=xero_contact.name,
        first_name=xero_contact.first_name if person else "",
        last_name=xero_contact.last_name if person else "",
        team_id=connection.default_team_id,
        emails=(xero_contact.email,) if xero_contact.email else (),
        phones=tuple(xero_contact.phones),
        addresses=tuple(
            AddressData(
                street=", ".join(a.get("lines", [])),
                city=a.get("city", ""),
                region=a.get("region", ""),
                postcode=a.get("postal_code", ""),
                country=a.get("country", ""),
            )
            for a in xero_contact.addresses
        ),
        tags=tags,
        # Made from this Xero contact, so it starts with Xero's terms (field ownership counts them as agreed).
        payment_terms=(xero_contact.sales_terms_day, xero_contact.sales_terms_type)
        if xero_contact.sales_terms_type and xero_contact.sales_terms_day is not None
        else (None, ""),
    )


class Creations:
    """Xero contacts waiting to become CRM contacts, created together in batches (contacts_link_paying).

    Each is matched against the CRM index (`index`: its batch's candidates) when it comes; the ones waiting here
    are kept in an index of their own, so a later Xero contact that would match one of them first has them created
    (and indexed as linked), and is then matched against everything, exactly as if each had been created on its
    own.
    """

    def __init__(self, connection: XeroConnection, index: CrmIndex) -> None:
        self.connection, self.index = connection, index
        self.waiting: list[tuple[XeroContact, Facts]] = []
        self.waiting_index = CrmIndex()

    def touches(self, facts: Facts) -> bool:
        return bool(self.waiting) and match(facts, self.waiting_index).action != Action.CREATE

    def add(self, xero_contact: XeroContact, facts: Facts) -> int:
        """Queue one; when that fills the batch, create it. Returns how many were created now."""
        self.waiting_index.add(len(self.waiting), facts)
        self.waiting.append((xero_contact, facts))
        return self.flush() if len(self.waiting) >= contact_batch.CREATE_BATCH_SIZE else 0

    def flush(self) -> int:
        """Create the waiting contacts and link their Xero contacts, in one transaction; return how many."""
        if not self.waiting:
            return 0
        with transaction.atomic():
            created = contact_batch.contacts_create(
                contacts=[new_contact(xero_contact, self.connection) for xero_contact, _ in self.waiting]
            )
            links_write(
                [
                    (xero_contact, contact.pk, contact.updated_at)
                    for (xero_contact, _), contact in zip(self.waiting, created, strict=True)
                ]
            )
        for (_, facts), contact in zip(self.waiting, created, strict=True):
            self.index.add(contact.pk, facts, already_linked=True)
        count = len(self.waiting)
        self.waiting, self.waiting_index = [], CrmIndex()
        return count


def links_write(links: list[tuple[XeroContact, int, datetime]]) -> None:
    """Link each Xero contact to its new CRM contact, as contact_link does, in one query per 1,000."""
    for xero_contact, _, _ in links:  # made from Xero's copy, so both sides agree on Xero's values
        xero_contact.synced = ownership.agreed_at_link(link=xero_contact)
    update_from_values(
        model=XeroContact,
        match="id",
        columns=["contact_id", "pushed_at", "reconciled_at", "synced"],
        # Nothing to reconcile until one side changes, but persons listed in Xero, brought in by the next sync.
        rows=[
            (
                xero_contact.pk,
                contact_id,
                updated_at,
                None if xero_contact.persons else xero_contact.xero_updated_at,
                xero_contact.synced,
            )
            for xero_contact, contact_id, updated_at in links
        ],
        constants={
            "link_state": XeroContact.LinkState.LINKED,
            "push_state": XeroContact.PushState.IN_SYNC,
            "push_error": "",
        },
    )
