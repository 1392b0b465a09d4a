"""Creating people and organisations by the thousand (the Xero sync's new contacts), under the same row rules as
the edit forms' single writes (`contacts.rows`)."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from django.db import transaction

from contacts import rows
from contacts.models import Address, Contact, EmailAddress, PhoneNumber

CREATE_BATCH_SIZE = 1000


@dataclass(frozen=True)
class NewContact:
    """A person or organisation to create, with its emails, phones, addresses and tags (see contacts_create)."""

    kind: str
    name: str
    team_id: int
    owner_id: int | None = None
    first_name: str = ""
    last_name: str = ""
    emails: tuple[str | rows.EmailData, ...] = ()
    phones: tuple[str | rows.PhoneData, ...] = ()
    addresses: tuple[rows.AddressData, ...] = ()
    tags: tuple[str, ...] = ()
    # Payment terms (day, PaymentTermType), as contact_create takes them: (None, "") for none.
    payment_terms: tuple[int | None, str] = (None, "")


@transaction.atomic
def contacts_create(*, contacts: Sequence[NewContact]) -> list[Contact]:
    """Create people and organisations with their emails, phones, addresses and tags; return them in order.

    A fixed number of queries per 1,000 contacts (contacts, emails, phones, addresses, tag links, plus one or two
    per distinct tag name), whatever the number of details. Each contact is stored as `contacts.services.
    contact_create` stores one (`contacts.rows`): names trimmed and fitted, a person without a name named "first
    last", blank details dropped, an email given twice (whatever its case) stored once, tags found whatever their
    case. Raises IntegrityError when a contact breaks a constraint (e.g. an unknown team); nothing is stored then.
    """
    named = [
        rows.contact_names(kind=new.kind, name=new.name, first_name=new.first_name, last_name=new.last_name)
        for new in contacts
    ]
    created = Contact.objects.bulk_create(
        [
            Contact(
                kind=new.kind,
                name=name,
                team_id=new.team_id,
                owner_id=new.owner_id,
                first_name=first_name,
                last_name=last_name,
                payment_terms_day=new.payment_terms[0],
                payment_terms_type=new.payment_terms[1],
            )
            for new, (name, first_name, last_name) in zip(contacts, named, strict=True)
        ],
        batch_size=CREATE_BATCH_SIZE,
    )
    pairs = list(zip(created, contacts, strict=True))
    EmailAddress.objects.bulk_create(
        (
            EmailAddress(contact=contact, address=row.address, label=row.label)
            for contact, new in pairs
            for row in rows.email_rows(new.emails, labels={})
        ),
        batch_size=CREATE_BATCH_SIZE,
    )
    PhoneNumber.objects.bulk_create(
        (
            PhoneNumber(contact=contact, number=row.number, label=row.label)
            for contact, new in pairs
            for row in rows.phone_rows(new.phones)
        ),
        batch_size=CREATE_BATCH_SIZE,
    )
    Address.objects.bulk_create(
        (Address(contact=contact, **asdict(row)) for contact, new in pairs for row in rows.address_rows(new.addresses)),
        batch_size=CREATE_BATCH_SIZE,
    )
    names = {contact.pk: rows.tag_names(new.tags) for contact, new in pairs}
    tags = rows.tags_found_or_created(dict.fromkeys(name for wanted in names.values() for name in wanted))
    Contact.tags.through.objects.bulk_create(
        (
            Contact.tags.through(contact_id=contact_id, tag_id=tags[name.lower()].pk)
            for contact_id, wanted in names.items()
            for name in wanted
        ),
        batch_size=CREATE_BATCH_SIZE,
    )
    return created
