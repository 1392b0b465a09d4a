"""The row rules every write of people and organisations follows, so a contact reads the same however it was made:
by the edit forms (`contacts.services`, one at a time) or by the sync and imports (`contacts.batch`, 1,000 a batch).

Names are trimmed and cut to their columns with a visible mark; emails, phones and addresses are trimmed, blanks
dropped, each email kept once whatever its case; tags are trimmed, kept once whatever their case, and found or
created whatever their case.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace

from contacts.models import Contact, Tag

logger = logging.getLogger(__name__)

NO_NAME = "(no name)"


@dataclass(frozen=True)
class AddressData:
    label: str = "office"
    street: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""


@dataclass(frozen=True)
class EmailData:
    address: str
    label: str = "work"


@dataclass(frozen=True)
class PhoneData:
    number: str
    label: str = "work"


def fit(text: str, size: int) -> str:
    """`text` if it fits a column of `size` characters; else cut to fit and ending in "…", so the cut shows (a name
    from Xero may be longer than the CRM's column), and logged."""
    if len(text) <= size:
        return text
    logger.info("A name was cut to fit its column", extra={"length": len(text), "column": size})
    return text[: size - 1] + "…"


def contact_names(*, kind: str, name: str, first_name: str, last_name: str) -> tuple[str, str, str]:
    """(name, first name, last name) as stored: trimmed and fitted; a person without a name is named "first last",
    and a contact with no name at all is "(no name)"."""
    first_name, last_name = fit(first_name.strip(), 100), fit(last_name.strip(), 100)
    name = name.strip() or (f"{first_name} {last_name}".strip() if kind == Contact.Kind.PERSON else "")
    return fit(name, 255) or NO_NAME, first_name, last_name


def email_rows(emails: Iterable[str | EmailData], *, labels: dict[str, str]) -> tuple[EmailData, ...]:
    """The addresses in order without blanks, each once whatever its case (the first spelling wins). A plain
    string keeps the label its address already has (`labels`, keyed by lower-cased address), else "work"."""
    unique: dict[str, EmailData] = {}
    for email in emails:
        row = (
            email
            if isinstance(email, EmailData)
            else EmailData(address=email, label=labels.get(email.strip().lower(), "work"))
        )
        row = replace(row, address=row.address.strip(), label=row.label or "work")
        if row.address:
            unique.setdefault(row.address.lower(), row)
    return tuple(unique.values())


def phone_rows(phones: Iterable[str | PhoneData]) -> tuple[PhoneData, ...]:
    """The numbers in order, trimmed and cut to their column, without blanks."""
    rows = (phone if isinstance(phone, PhoneData) else PhoneData(number=phone) for phone in phones)
    return tuple(
        PhoneData(number=row.number.strip()[:50], label=row.label or "work") for row in rows if row.number.strip()
    )


def address_rows(addresses: Iterable[AddressData]) -> tuple[AddressData, ...]:
    """The addresses in order, each part trimmed and cut to its column, without the ones that are all blank."""
    rows = (
        AddressData(
            label=a.label or "office",
            street=a.street.strip()[:500],
            city=a.city.strip()[:255],
            region=a.region.strip()[:255],
            postcode=a.postcode.strip()[:50],
            country=a.country.strip()[:100],
        )
        for a in addresses
    )
    return tuple(row for row in rows if any((row.street, row.city, row.region, row.postcode, row.country)))


def tag_names(tags: Iterable[str]) -> tuple[str, ...]:
    """Tag names trimmed, without blanks, each once whatever its case (the first spelling wins), sorted (so they
    compare as a set)."""
    unique: dict[str, str] = {}
    for tag in (tag.strip()[:50] for tag in tags):
        if tag:
            unique.setdefault(tag.lower(), tag)
    return tuple(unique[key] for key in sorted(unique))


def tags_found_or_created(names: Iterable[str]) -> dict[str, Tag]:
    """The tag of each name (as `tag_names` gives them), found whatever its case or else created; keyed by the
    lower-cased name. One or two queries per name: a write names a handful of tags, a batch the same few."""
    return {
        name.lower(): Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name) for name in names
    }
