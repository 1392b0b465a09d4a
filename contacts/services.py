"""Writes to people and organisations."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from contacts.models import Address, Contact, EmailAddress, PhoneNumber, Tag


@dataclass(frozen=True)
class AddressData:
    label: str = "office"
    street: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""


@transaction.atomic
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
    """Create a person or organisation with its emails, phones, addresses and tags."""
    contact = Contact.objects.create(
        kind=kind, name=name.strip()[:255] or "(no name)", team_id=team_id, owner_id=owner_id,
        first_name=first_name[:100], last_name=last_name[:100],
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(contact=contact, address=address) for address in dict.fromkeys(e.strip() for e in emails if e)
    )
    PhoneNumber.objects.bulk_create(PhoneNumber(contact=contact, number=number[:50]) for number in phones if number)
    Address.objects.bulk_create(
        Address(contact=contact, label=a.label, street=a.street[:500], city=a.city[:255], region=a.region[:255],
                postcode=a.postcode[:50], country=a.country[:100])
        for a in addresses
    )
    if tags:
        contact.tags.add(*(Tag.objects.get_or_create(name=tag)[0] for tag in tags))
    return contact
