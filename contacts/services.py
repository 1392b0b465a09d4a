"""Writes to people and organisations, one at a time (the edit forms'); the sync's batches are `contacts.batch`,
and both follow the row rules of `contacts.rows`."""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Literal

from django.db import transaction

from accounts.models import User
from contacts import rows, signals
from contacts.models import Address, Contact, EmailAddress, PhoneNumber
from contacts.rows import AddressData, EmailData, PhoneData

logger = logging.getLogger(__name__)


class ContactDetailsInvalid(Exception):
    """The details cannot be saved (a missing name, an organisation that is not one, an owner outside the team);
    the message says why."""


class _Keep(Enum):
    KEEP = "keep"


# "Leave this as it is": for contact_update's optional arguments, where None already means "nobody" or "none".
KEEP = _Keep.KEEP
type Kept[T] = T | Literal[_Keep.KEEP]


def _check_placement(*, kind: str, team_id: int, owner_id: int | None, organisation_id: int | None) -> None:
    if organisation_id is not None:
        if kind != Contact.Kind.PERSON:
            raise ContactDetailsInvalid("Only a person belongs to an organisation.")
        if not Contact.objects.filter(pk=organisation_id, kind=Contact.Kind.ORGANISATION).exists():
            raise ContactDetailsInvalid("A person can only belong to an organisation.")
    if owner_id is not None and not User.objects.filter(pk=owner_id, teams=team_id).exists():
        raise ContactDetailsInvalid("The owner must be a member of the contact's team.")


def _set_tags(contact: Contact, tags: Sequence[str]) -> None:
    contact.tags.set(list(rows.tags_found_or_created(tags).values()))


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
) -> Contact:
    """Create a person or organisation with its emails, phones, addresses and tags; return it.

    A person without a `name` is named "first last". Blank and repeated emails are dropped, as are blank phones
    and addresses; tags are found whatever their case, or created. Raises ContactDetailsInvalid when an
    organisation is named for a non-person or is not an organisation, or the owner is not in the team.
    """
    name, first_name, last_name = rows.contact_names(kind=kind, name=name, first_name=first_name, last_name=last_name)
    _check_placement(kind=kind, team_id=team_id, owner_id=owner_id, organisation_id=organisation_id)
    contact = Contact.objects.create(
        kind=kind,
        name=name,
        team_id=team_id,
        owner_id=owner_id,
        first_name=first_name,
        last_name=last_name,
        job_title=job_title.strip()[:150],
        about=about.strip(),
        organisation_id=organisation_id,
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(contact=contact, address=row.address, label=row.label)
        for row in rows.email_rows(emails, labels={})
    )
    PhoneNumber.objects.bulk_create(
        PhoneNumber(contact=contact, number=row.number, label=row.label) for row in rows.phone_rows(phones)
    )
    Address.objects.bulk_create(Address(contact=contact, **asdict(row)) for row in rows.address_rows(addresses))
    if tag_names := rows.tag_names(tags):
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
    )


def _placement_of(contact: Contact) -> ContactPlacement:
    return ContactPlacement(
        team_id=contact.team_id,
        owner_id=contact.owner_id,
        organisation_id=contact.organisation_id,
        tags=rows.tag_names(tag.name for tag in contact.tags.all()),
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
    Raises ContactDetailsInvalid for a missing name, a non-organisation as organisation or an owner outside
    the team, and Contact.DoesNotExist for an unknown contact.
    """
    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update()
            .prefetch_related("emails", "phones", "addresses", "tags")
            .get(pk=contact_id)
        )
        if contact.is_person:
            name = ""  # a person's name is "first last"
        else:
            first_name, last_name = contact.first_name, contact.last_name
        if not (name or f"{first_name}{last_name}").strip():
            raise ContactDetailsInvalid(
                "A person needs a first or last name." if contact.is_person else "An organisation needs a name."
            )
        name, first_name, last_name = rows.contact_names(
            kind=contact.kind, name=name, first_name=first_name, last_name=last_name
        )
        current, placed = _details_of(contact), _placement_of(contact)
        labels = {email.address.lower(): email.label for email in current.emails}
        wanted = ContactDetails(
            name=name,
            first_name=first_name,
            last_name=last_name,
            job_title=job_title.strip()[:150],
            emails=current.emails if emails is KEEP else rows.email_rows(emails, labels=labels),
            phones=current.phones if phones is KEEP else rows.phone_rows(phones),
            addresses=current.addresses if addresses is KEEP else rows.address_rows(addresses),
        )
        placement = ContactPlacement(
            team_id=placed.team_id if team_id is KEEP else team_id,
            owner_id=placed.owner_id if owner_id is KEEP else owner_id,
            organisation_id=placed.organisation_id if organisation_id is KEEP else organisation_id,
            tags=placed.tags if tags is KEEP else rows.tag_names(tags),
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
        if wanted == current:
            return Contact.objects.get(pk=contact.pk) if placement != placed else contact
        _details_write(contact, current=current, wanted=wanted, now=now)
    # Robust: the edit is saved whatever a receiver does; a failing one (say, a broker that is down) is logged.
    for receiver, error in signals.contact_changed.send_robust(sender=Contact, contact_id=contact.pk):
        if error is not None:
            logger.error(
                "A contact_changed receiver failed",
                exc_info=error,
                extra={"contact_id": contact.pk, "receiver": getattr(receiver, "__qualname__", "")},
            )
    return Contact.objects.get(pk=contact.pk)


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
