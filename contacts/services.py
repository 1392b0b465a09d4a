"""Writes to people and organisations.

Longer than 400 lines because the single writes (the edit forms') and the batched create (the sync's, 1,000 a
batch) share the row rules that keep them alike: names cut with a visible mark, labels, tags. Split them together
with those rules when the next write arrives.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Literal

from django.db import transaction

from accounts.models import User
from contacts import signals
from contacts.models import PEOPLE_GETTING_INVOICES_MAX, Address, Contact, EmailAddress, PhoneNumber, Tag

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
class EmailData:
    address: str
    label: str = "work"


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
            Contact(
                kind=new.kind,
                name=_fit(new.name.strip(), 255) or "(no name)",
                team_id=new.team_id,
                owner_id=new.owner_id,
                first_name=_fit(new.first_name, 100),
                last_name=_fit(new.last_name, 100),
            )
            for new in contacts
        ],
        batch_size=CREATE_BATCH_SIZE,
    )
    pairs = list(zip(rows, contacts, strict=True))
    EmailAddress.objects.bulk_create(
        (
            EmailAddress(contact=row, address=address)
            for row, new in pairs
            for address in dict.fromkeys(e.strip() for e in new.emails if e)
        ),
        batch_size=CREATE_BATCH_SIZE,
    )
    PhoneNumber.objects.bulk_create(
        (PhoneNumber(contact=row, number=number[:50]) for row, new in pairs for number in new.phones if number),
        batch_size=CREATE_BATCH_SIZE,
    )
    Address.objects.bulk_create(
        (
            Address(
                contact=row,
                label=a.label,
                street=a.street[:500],
                city=a.city[:255],
                region=a.region[:255],
                postcode=a.postcode[:50],
                country=a.country[:100],
            )
            for row, new in pairs
            for a in new.addresses
        ),
        batch_size=CREATE_BATCH_SIZE,
    )
    tag_ids = {
        name: Tag.objects.get_or_create(name=name)[0].pk
        for name in dict.fromkeys(tag for new in contacts for tag in new.tags)
    }
    Contact.tags.through.objects.bulk_create(
        (
            Contact.tags.through(contact_id=row.pk, tag_id=tag_ids[tag])
            for row, new in pairs
            for tag in dict.fromkeys(new.tags)
        ),
        batch_size=CREATE_BATCH_SIZE,
    )
    return rows


@dataclass(frozen=True)
class PhoneData:
    number: str
    label: str = "work"


class ContactDetailsInvalid(Exception):
    """The details cannot be saved (a missing name, an organisation that is not one, an owner outside the team);
    the message says why."""


class _Keep(Enum):
    KEEP = "keep"


# "Leave this as it is": for contact_update's optional arguments, where None already means "nobody" or "none".
KEEP = _Keep.KEEP
type Kept[T] = T | Literal[_Keep.KEEP]


def _email_rows(emails: Iterable[str | EmailData], *, labels: dict[str, str]) -> tuple[EmailData, ...]:
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


def _phone_rows(phones: Iterable[str | PhoneData]) -> tuple[PhoneData, ...]:
    rows = (phone if isinstance(phone, PhoneData) else PhoneData(number=phone) for phone in phones)
    return tuple(
        PhoneData(number=row.number.strip()[:50], label=row.label or "work") for row in rows if row.number.strip()
    )


def _address_rows(addresses: Iterable[AddressData]) -> tuple[AddressData, ...]:
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


def _fit(text: str, size: int) -> str:
    """`text` if it fits a column of `size` characters; else cut to fit and ending in "…", so the cut shows (a name
    from Xero may be longer than the CRM's column), and logged."""
    if len(text) <= size:
        return text
    logger.info("A name was cut to fit its column", extra={"length": len(text), "column": size})
    return text[: size - 1] + "…"


def _tag_names(tags: Iterable[str]) -> tuple[str, ...]:
    """Tag names trimmed, without blanks, each once whatever its case (the first spelling wins), sorted (so they
    compare as a set)."""
    unique: dict[str, str] = {}
    for tag in (tag.strip()[:50] for tag in tags):
        if tag:
            unique.setdefault(tag.lower(), tag)
    return tuple(unique[key] for key in sorted(unique))


def _check_placement(*, kind: str, team_id: int, owner_id: int | None, organisation_id: int | None) -> None:
    if organisation_id is not None:
        if kind != Contact.Kind.PERSON:
            raise ContactDetailsInvalid("Only a person belongs to an organisation.")
        if not Contact.objects.filter(pk=organisation_id, kind=Contact.Kind.ORGANISATION).exists():
            raise ContactDetailsInvalid("A person can only belong to an organisation.")
    if owner_id is not None and not User.objects.filter(pk=owner_id, teams=team_id).exists():
        raise ContactDetailsInvalid("The owner must be a member of the contact's team.")


def _set_tags(contact: Contact, tags: Sequence[str]) -> None:
    # A handful of tags per contact: one lookup each keeps the case-insensitive match simple.
    contact.tags.set([Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name) for name in tags])


@transaction.atomic
def contact_create(
    *,
    kind: str,
    name: str = "",
    team_id: int,
    owner_id: int | None = None,
    first_name: str = "",
    last_name: str = "",
    job_title: str = "",
    about: str = "",
    organisation_id: int | None = None,
    emails: Iterable[str | EmailData] = (),
    phones: Iterable[str | PhoneData] = (),
    addresses: Iterable[AddressData] = (),
    tags: Iterable[str] = (),
    payment_terms: tuple[int | None, str] = (None, ""),
    gets_invoices: bool = False,
    now: datetime | None = None,
) -> Contact:
    """Create a person or organisation with its emails, phones, addresses and tags; return it.

    A person without a `name` is named "first last". Blank and repeated emails are dropped, as are blank phones
    and addresses; tags are found whatever their case, or created. A person who `gets_invoices` makes their
    organisation count as changed (as contact_update does; `now` is then required). Raises ContactDetailsInvalid
    when an organisation is named for a non-person or is not an organisation, the owner is not in the team, the
    payment terms are half given, or an invoice recipient breaks contact_update's rules.
    """
    first_name, last_name = _fit(first_name.strip(), 100), _fit(last_name.strip(), 100)
    name = name.strip() or (f"{first_name} {last_name}".strip() if kind == Contact.Kind.PERSON else "")
    _check_placement(kind=kind, team_id=team_id, owner_id=owner_id, organisation_id=organisation_id)
    terms = _payment_terms(payment_terms)
    contact = Contact.objects.create(
        kind=kind,
        name=_fit(name, 255) or "(no name)",
        team_id=team_id,
        owner_id=owner_id,
        first_name=first_name,
        last_name=last_name,
        job_title=job_title.strip()[:150],
        about=about.strip(),
        organisation_id=organisation_id,
        payment_terms_day=terms[0],
        payment_terms_type=terms[1],
    )
    email_rows = _email_rows(emails, labels={})
    EmailAddress.objects.bulk_create(
        EmailAddress(contact=contact, address=row.address, label=row.label) for row in email_rows
    )
    if gets_invoices:
        if now is None:
            raise ValueError("contact_create needs `now` for a person who gets invoices")
        _check_recipient(contact_id=contact.pk, organisation_id=organisation_id, emails=email_rows, name=name)
        Contact.objects.filter(pk=contact.pk).update(gets_invoices=True)
        contact.gets_invoices = True
        _organisations_touch([organisation_id], now=now)  # type: ignore[list-item]  # checked above
        _changed_announce([organisation_id])  # type: ignore[list-item]
    PhoneNumber.objects.bulk_create(
        PhoneNumber(contact=contact, number=row.number, label=row.label) for row in _phone_rows(phones)
    )
    Address.objects.bulk_create(Address(contact=contact, **asdict(row)) for row in _address_rows(addresses))
    if tag_names := _tag_names(tags):
        _set_tags(contact, tag_names)
    return contact


@dataclass(frozen=True)
class ContactDetails:
    """What Xero also holds of a contact (names, emails, phones, addresses), comparable to tell a change."""

    name: str
    first_name: str
    last_name: str
    job_title: str
    emails: tuple[EmailData, ...]
    phones: tuple[PhoneData, ...]
    addresses: tuple[AddressData, ...]
    payment_terms: tuple[int | None, str] = (None, "")


@dataclass(frozen=True)
class ContactPlacement:
    """What only the CRM holds: where the contact is filed and what is said about it."""

    team_id: int
    owner_id: int | None
    organisation_id: int | None
    tags: tuple[str, ...]
    about: str


def _details_of(contact: Contact) -> ContactDetails:
    return ContactDetails(
        name=contact.name,
        first_name=contact.first_name,
        last_name=contact.last_name,
        job_title=contact.job_title,
        emails=tuple(EmailData(address=email.address, label=email.label) for email in contact.emails.all()),
        phones=tuple(PhoneData(number=phone.number, label=phone.label) for phone in contact.phones.all()),
        addresses=tuple(
            AddressData(
                label=a.label, street=a.street, city=a.city, region=a.region, postcode=a.postcode, country=a.country
            )
            for a in contact.addresses.all()
        ),
        payment_terms=(contact.payment_terms_day, contact.payment_terms_type),
    )


def _placement_of(contact: Contact) -> ContactPlacement:
    return ContactPlacement(
        team_id=contact.team_id,
        owner_id=contact.owner_id,
        organisation_id=contact.organisation_id,
        tags=_tag_names(tag.name for tag in contact.tags.all()),
        about=contact.about,
    )


def contact_update(
    *,
    contact_id: int,
    name: str = "",
    first_name: str = "",
    last_name: str = "",
    job_title: str = "",
    emails: Kept[Sequence[str | EmailData]] = KEEP,
    phones: Kept[Sequence[str | PhoneData]] = KEEP,
    addresses: Kept[Sequence[AddressData]] = KEEP,
    team_id: Kept[int] = KEEP,
    owner_id: Kept[int | None] = KEEP,
    organisation_id: Kept[int | None] = KEEP,
    tags: Kept[Sequence[str]] = KEEP,
    about: Kept[str] = KEEP,
    payment_terms: Kept[tuple[int | None, str]] = KEEP,
    gets_invoices: Kept[bool] = KEEP,
    now: datetime,
) -> Contact:
    """Replace a contact's details with those given; whatever is left as KEEP stays as it is. Return the contact.

    A person's name is "first last" (`name` is ignored for people); an organisation's is `name`. Emails, phones
    and addresses replace the old ones in the order given, so the first of each is the main one (the one Xero
    gets); blanks and repeated emails (whatever their case) are dropped, and an email given as a plain string
    keeps its label. When what Xero also holds (ContactDetails) changes, `updated_at` becomes `now` (or just
    after its previous value, should the clock be behind) and `contacts.signals.contact_changed` is sent after
    the write. A change to the team, owner, organisation, tags or "about" alone is written without either: Xero
    holds none of them. When nothing changed, nothing is written or sent.
    `gets_invoices` marks a person as getting their organisation's invoices (its contact persons in Xero): when
    that, or the details of such a person, or their organisation changes, each organisation concerned counts as
    changed too (its `updated_at` moves, contact_changed is sent for it).
    Raises ContactDetailsInvalid for a missing name, a non-organisation as organisation, an owner outside the
    team, bad payment terms, or an invoice recipient without an organisation or an email or beyond the
    organisation's five; and Contact.DoesNotExist for an unknown contact.
    """
    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update()
            .prefetch_related("emails", "phones", "addresses", "tags")
            .get(pk=contact_id)
        )
        if contact.is_person:
            first_name, last_name = first_name.strip(), last_name.strip()
            name = f"{first_name} {last_name}".strip()
        else:
            first_name, last_name, name = contact.first_name, contact.last_name, name.strip()
        if not name:
            raise ContactDetailsInvalid(
                "A person needs a first or last name." if contact.is_person else "An organisation needs a name."
            )
        current, placed = _details_of(contact), _placement_of(contact)
        labels = {email.address.lower(): email.label for email in current.emails}
        wanted = ContactDetails(
            name=name[:255],
            first_name=first_name[:100],
            last_name=last_name[:100],
            job_title=job_title.strip()[:150],
            emails=current.emails if emails is KEEP else _email_rows(emails, labels=labels),
            phones=current.phones if phones is KEEP else _phone_rows(phones),
            addresses=current.addresses if addresses is KEEP else _address_rows(addresses),
            payment_terms=current.payment_terms if payment_terms is KEEP else _payment_terms(payment_terms),
        )
        placement = ContactPlacement(
            team_id=placed.team_id if team_id is KEEP else team_id,
            owner_id=placed.owner_id if owner_id is KEEP else owner_id,
            organisation_id=placed.organisation_id if organisation_id is KEEP else organisation_id,
            tags=placed.tags if tags is KEEP else _tag_names(tags),
            about=placed.about if about is KEEP else about.strip(),
        )
        if placement != placed:
            _check_placement(
                kind=contact.kind,
                team_id=placement.team_id,
                owner_id=placement.owner_id,
                organisation_id=placement.organisation_id,
            )
            _placement_write(contact, current=placed, wanted=placement)
        recipient = contact.gets_invoices if gets_invoices is KEEP else bool(gets_invoices)
        if recipient:
            _check_recipient(
                contact_id=contact.pk, organisation_id=placement.organisation_id, emails=wanted.emails, name=name
            )
        touched = _recipient_organisations(
            contact,
            recipient=recipient,
            organisation_id=placement.organisation_id,
            details_changed=wanted != current,
        )
        if recipient != contact.gets_invoices:
            Contact.objects.filter(pk=contact.pk).update(gets_invoices=recipient)
        _organisations_touch(touched, now=now)
        if wanted == current:
            _changed_announce(touched)
            return Contact.objects.get(pk=contact.pk) if placement != placed or touched else contact
        _details_write(contact, current=current, wanted=wanted, now=now)
    _changed_announce([contact.pk, *touched])
    return Contact.objects.get(pk=contact.pk)


def _changed_announce(contact_ids: Iterable[int]) -> None:
    # Robust: the edit is saved whatever a receiver does; a failing one (say, a broker that is down) is logged.
    for contact_id in contact_ids:
        for receiver, error in signals.contact_changed.send_robust(sender=Contact, contact_id=contact_id):
            if error is not None:
                logger.error(
                    "A contact_changed receiver failed",
                    exc_info=error,
                    extra={"contact_id": contact_id, "receiver": getattr(receiver, "__qualname__", "")},
                )


def _payment_terms(terms: tuple[int | None, str]) -> tuple[int | None, str]:
    day, kind = terms
    if day is None and not kind:
        return (None, "")
    if (
        day is None
        or not kind
        or kind not in {value for value, _ in Contact._meta.get_field("payment_terms_type").choices}
    ):
        raise ContactDetailsInvalid("Payment terms need a number of days and how they count, or neither.")
    if not 0 <= day < 1000:
        raise ContactDetailsInvalid("Payment terms are 0 to 999 days.")
    return (day, kind)


def _check_recipient(*, contact_id: int, organisation_id: int | None, emails: tuple[EmailData, ...], name: str) -> None:
    """A person who gets invoices belongs to an organisation, has an email, and is one of its five at most."""
    if organisation_id is None:
        raise ContactDetailsInvalid(f"{name} gets invoices only as a person of an organisation: pick one first.")
    if not emails:
        raise ContactDetailsInvalid(f"{name} needs an email address to get invoices.")
    others = Contact.objects.filter(organisation_id=organisation_id, gets_invoices=True).exclude(pk=contact_id).count()
    if others >= PEOPLE_GETTING_INVOICES_MAX:
        raise ContactDetailsInvalid(
            f"{PEOPLE_GETTING_INVOICES_MAX} people already get this organisation's invoices, the most Xero takes "
            "for one contact: untick one of them first."
        )


def _recipient_organisations(
    contact: Contact, *, recipient: bool, organisation_id: int | None, details_changed: bool
) -> list[int]:
    """The organisations whose invoice recipients this edit changes: the old and new one when the flag or the
    organisation changes, the one the person gets invoices of when their details change."""
    was = contact.organisation_id if contact.gets_invoices else None
    now_of = organisation_id if recipient else None
    if was != now_of:
        return [org for org in dict.fromkeys((was, now_of)) if org is not None]
    return [now_of] if now_of is not None and details_changed else []


def _organisations_touch(organisation_ids: list[int], *, now: datetime) -> None:
    """Move each organisation's version forward, as an edit of its own details would (the push compares it)."""
    for organisation in Contact.objects.select_for_update().filter(pk__in=organisation_ids):
        Contact.objects.filter(pk=organisation.pk).update(
            updated_at=max(now, organisation.updated_at + timedelta(microseconds=1))
        )


def _placement_write(contact: Contact, *, current: ContactPlacement, wanted: ContactPlacement) -> None:
    # A queryset update, so `updated_at` (the version the Xero push compares) stays put: Xero holds none of this.
    Contact.objects.filter(pk=contact.pk).update(
        team_id=wanted.team_id, owner_id=wanted.owner_id, organisation_id=wanted.organisation_id, about=wanted.about
    )
    if wanted.tags != current.tags:
        _set_tags(contact, wanted.tags)


def _details_write(contact: Contact, *, current: ContactDetails, wanted: ContactDetails, now: datetime) -> None:
    # A queryset update, because auto_now would replace the `now` we were given. `updated_at` is the version other
    # apps compare (the Xero push), so it only ever moves forward, even from a server whose clock is behind.
    Contact.objects.filter(pk=contact.pk).update(
        name=wanted.name,
        first_name=wanted.first_name,
        last_name=wanted.last_name,
        job_title=wanted.job_title,
        payment_terms_day=wanted.payment_terms[0],
        payment_terms_type=wanted.payment_terms[1],
        updated_at=max(now, contact.updated_at + timedelta(microseconds=1)),
    )
    if wanted.emails != current.emails:
        contact.emails.all().delete()
        EmailAddress.objects.bulk_create(
            EmailAddress(contact=contact, address=row.address, label=row.label) for row in wanted.emails
        )
    if wanted.phones != current.phones:
        contact.phones.all().delete()
        PhoneNumber.objects.bulk_create(
            PhoneNumber(contact=contact, number=row.number, label=row.label) for row in wanted.phones
        )
    if wanted.addresses != current.addresses:
        contact.addresses.all().delete()
        Address.objects.bulk_create(Address(contact=contact, **asdict(row)) for row in wanted.addresses)


class ContactArchived(Exception):
    """The contact is already archived (or, for unarchiving, already active)."""


@transaction.atomic
def contact_archive(*, contact_id: int, now: datetime) -> Contact:
    """Archive a contact: it leaves lists and pickers, keeps its page, history, opportunities and Xero link.

    Nothing is sent to Xero and `updated_at` (the version the push compares) is untouched, so archiving in the
    CRM never archives or changes the contact in Xero. Raises Contact.DoesNotExist or ContactArchived.
    """
    if not Contact.objects.filter(pk=contact_id, archived_at__isnull=True).update(archived_at=now):
        Contact.objects.get(pk=contact_id)  # raises DoesNotExist for an unknown contact
        raise ContactArchived("This contact is already archived.")
    return Contact.objects.get(pk=contact_id)


@transaction.atomic
def contact_unarchive(*, contact_id: int) -> Contact:
    """Bring an archived contact back into lists and pickers. Raises Contact.DoesNotExist or ContactArchived."""
    if not Contact.objects.filter(pk=contact_id, archived_at__isnull=False).update(archived_at=None):
        Contact.objects.get(pk=contact_id)
        raise ContactArchived("This contact is not archived.")
    return Contact.objects.get(pk=contact_id)
