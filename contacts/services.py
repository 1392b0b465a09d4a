"""Writes to people and organisations."""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from django.db import transaction

from contacts import signals
from contacts.models import Address, Contact, EmailAddress, PhoneNumber, Tag

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AddressData:
    label: str = "office"
    street: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""


@dataclass(frozen=True)
class NewContact:
    """A person or organisation to create, with its emails, phones, addresses and tags (see contacts_create)."""

    kind: str
    name: str
    team_id: int
    owner_id: int | None = None
    first_name: str = ""
    last_name: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[AddressData, ...] = ()
    tags: tuple[str, ...] = ()


CREATE_BATCH_SIZE = 1000


@transaction.atomic
def contacts_create(*, contacts: Sequence[NewContact]) -> list[Contact]:
    """Create people and organisations with their emails, phones, addresses and tags; return them in order.

    A fixed number of queries per 1,000 contacts (contacts, emails, phones, addresses, tag links, plus one per new
    tag name), whatever the number of details. Names are trimmed (an empty one becomes "(no name)") and cut to
    their columns; an email given twice is stored once; blank emails and phones are dropped. Raises IntegrityError
    when a contact breaks a constraint (e.g. an unknown team); nothing is stored then.
    """
    rows = Contact.objects.bulk_create(
        [
            Contact(kind=new.kind, name=new.name.strip()[:255] or "(no name)", team_id=new.team_id,
                    owner_id=new.owner_id, first_name=new.first_name[:100], last_name=new.last_name[:100])
            for new in contacts
        ],
        batch_size=CREATE_BATCH_SIZE,
    )
    pairs = list(zip(rows, contacts, strict=True))
    EmailAddress.objects.bulk_create(
        (EmailAddress(contact=row, address=address)
         for row, new in pairs for address in dict.fromkeys(e.strip() for e in new.emails if e)),
        batch_size=CREATE_BATCH_SIZE,
    )
    PhoneNumber.objects.bulk_create(
        (PhoneNumber(contact=row, number=number[:50]) for row, new in pairs for number in new.phones if number),
        batch_size=CREATE_BATCH_SIZE,
    )
    Address.objects.bulk_create(
        (Address(contact=row, label=a.label, street=a.street[:500], city=a.city[:255], region=a.region[:255],
                 postcode=a.postcode[:50], country=a.country[:100])
         for row, new in pairs for a in new.addresses),
        batch_size=CREATE_BATCH_SIZE,
    )
    tag_ids = {name: Tag.objects.get_or_create(name=name)[0].pk
               for name in dict.fromkeys(tag for new in contacts for tag in new.tags)}
    Contact.tags.through.objects.bulk_create(
        (Contact.tags.through(contact_id=row.pk, tag_id=tag_ids[tag])
         for row, new in pairs for tag in dict.fromkeys(new.tags)),
        batch_size=CREATE_BATCH_SIZE,
    )
    return rows


def contact_create(
    *,
    kind: str,
    name: str,
    team_id: int,
    owner_id: int | None = None,
    first_name: str = "",
    last_name: str = "",
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    addresses: Iterable[AddressData] = (),
    tags: Iterable[str] = (),
) -> Contact:
    """Create a person or organisation with its emails, phones, addresses and tags (one contacts_create)."""
    (contact,) = contacts_create(contacts=[NewContact(
        kind=kind, name=name, team_id=team_id, owner_id=owner_id, first_name=first_name, last_name=last_name,
        emails=tuple(emails), phones=tuple(phones), addresses=tuple(addresses), tags=tuple(tags),
    )])
    return contact


class ContactDetailsInvalid(Exception):
    """The details cannot be saved: an organisation without a name, or a person with neither first nor last name."""


@dataclass(frozen=True)
class PhoneData:
    number: str
    label: str = "work"


@dataclass(frozen=True)
class ContactDetails:
    """A contact's own details as the edit page shows them, comparable to tell whether anything changed."""

    name: str
    first_name: str
    last_name: str
    job_title: str
    emails: tuple[str, ...]
    phones: tuple[PhoneData, ...]
    address: AddressData | None


def _details_of(contact: Contact) -> ContactDetails:
    first_address = next(iter(contact.addresses.all()), None)
    return ContactDetails(
        name=contact.name, first_name=contact.first_name, last_name=contact.last_name, job_title=contact.job_title,
        emails=tuple(email.address for email in contact.emails.all()),
        phones=tuple(PhoneData(number=phone.number, label=phone.label) for phone in contact.phones.all()),
        address=None if first_address is None else AddressData(
            label=first_address.label, street=first_address.street, city=first_address.city,
            region=first_address.region, postcode=first_address.postcode, country=first_address.country,
        ),
    )


def _unique_emails(emails: Sequence[str]) -> tuple[str, ...]:
    """The addresses in order without blanks, each once whatever its case (the first spelling wins)."""
    unique: dict[str, str] = {}
    for email in (email.strip() for email in emails):
        if email:
            unique.setdefault(email.lower(), email)
    return tuple(unique.values())


def _address_is_empty(address: AddressData) -> bool:
    return not any((address.street, address.city, address.region, address.postcode, address.country))


def contact_update(
    *,
    contact_id: int,
    name: str = "",
    first_name: str = "",
    last_name: str = "",
    job_title: str = "",
    emails: Sequence[str] = (),
    phones: Sequence[PhoneData] = (),
    address: AddressData,
    now: datetime,
) -> Contact:
    """Replace a contact's name, job title, emails, phones and first address; return the contact as saved.

    A person's name is "first last" (`name` is ignored for people); an organisation's is `name`. Emails and
    phones are kept in the order given, so the first email is the primary one; blanks and repeated addresses
    (whatever their case) are dropped, and an email that stays keeps its label. An empty `address` removes the
    first address; other addresses are left alone. When the details change, `updated_at` becomes `now` (or just
    after its previous value, should the clock be behind) and `contacts.signals.contact_changed` is sent after
    the write; when nothing changed, nothing is written or sent.
    Raises ContactDetailsInvalid for a missing name and Contact.DoesNotExist for an unknown contact.
    """
    with transaction.atomic():
        contact = Contact.objects.select_for_update().prefetch_related("emails", "phones", "addresses").get(
            pk=contact_id
        )
        if contact.is_person:
            first_name, last_name = first_name.strip(), last_name.strip()
            name = f"{first_name} {last_name}".strip()
        else:
            first_name, last_name, name = contact.first_name, contact.last_name, name.strip()
        if not name:
            raise ContactDetailsInvalid("A person needs a first or last name." if contact.is_person
                                        else "An organisation needs a name.")
        current = _details_of(contact)
        address_label = current.address.label if current.address else AddressData.label
        wanted = ContactDetails(
            name=name, first_name=first_name, last_name=last_name, job_title=job_title.strip(),
            emails=_unique_emails(emails),
            phones=tuple(PhoneData(number=phone.number.strip(), label=phone.label) for phone in phones
                         if phone.number.strip()),
            address=None if _address_is_empty(address) else replace(address, label=address_label),
        )
        if wanted == current:
            return contact
        _details_write(contact, current=current, wanted=wanted, now=now)
    # Robust: the edit is saved whatever a receiver does; a failing one (say, a broker that is down) is logged.
    for receiver, error in signals.contact_changed.send_robust(sender=Contact, contact_id=contact.pk):
        if error is not None:
            logger.error("A contact_changed receiver failed", exc_info=error,
                         extra={"contact_id": contact.pk, "receiver": getattr(receiver, "__qualname__", "")})
    return Contact.objects.get(pk=contact.pk)


def _details_write(contact: Contact, *, current: ContactDetails, wanted: ContactDetails, now: datetime) -> None:
    # A queryset update, because auto_now would replace the `now` we were given. `updated_at` is the version other
    # apps compare (the Xero push), so it only ever moves forward, even from a server whose clock is behind.
    Contact.objects.filter(pk=contact.pk).update(
        name=wanted.name, first_name=wanted.first_name, last_name=wanted.last_name, job_title=wanted.job_title,
        updated_at=max(now, contact.updated_at + timedelta(microseconds=1)),
    )
    if wanted.emails != current.emails:
        labels = {email.address.lower(): email.label for email in contact.emails.all()}
        contact.emails.all().delete()
        EmailAddress.objects.bulk_create(
            EmailAddress(contact=contact, address=address, label=labels.get(address.lower(), "work"))
            for address in wanted.emails
        )
    if wanted.phones != current.phones:
        contact.phones.all().delete()
        PhoneNumber.objects.bulk_create(
            PhoneNumber(contact=contact, number=phone.number, label=phone.label) for phone in wanted.phones
        )
    if wanted.address != current.address:
        first_address = next(iter(contact.addresses.all()), None)
        if wanted.address is None:
            first_address.delete()
        elif first_address is None:
            Address.objects.create(contact=contact, **asdict(wanted.address))
        else:
            Address.objects.filter(pk=first_address.pk).update(**asdict(wanted.address))
