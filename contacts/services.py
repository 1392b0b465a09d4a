"""Writes to people and organisations, one at a time (the edit forms'); the sync's batches are `contacts.batch`,
and both follow the row rules of `contacts.rows`."""

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Literal

from django.db import transaction

from accounts.models import User
from contacts import rows, signals
from contacts.matching import name_key
from contacts.models import PEOPLE_GETTING_INVOICES_MAX, Address, Contact, EmailAddress, PhoneNumber
from contacts.rows import AddressData, EmailData, PhoneData
from invoices.models import TermsType


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
    name, first_name, last_name = rows.contact_names(kind=kind, name=name, first_name=first_name, last_name=last_name)
    _check_placement(kind=kind, team_id=team_id, owner_id=owner_id, organisation_id=organisation_id)
    terms = _payment_terms(payment_terms)
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
        payment_terms_day=terms[0],
        payment_terms_type=terms[1],
    )
    email_rows = rows.email_rows(emails, labels={})
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
        signals.contact_changed_announce([organisation_id])  # type: ignore[list-item]
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
            payment_terms=current.payment_terms if payment_terms is KEEP else _payment_terms(payment_terms),
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
            signals.contact_changed_announce(touched)
            return Contact.objects.get(pk=contact.pk) if placement != placed or touched else contact
        _details_write(contact, current=current, wanted=wanted, now=now)
    signals.contact_changed_announce([contact.pk, *touched])
    return Contact.objects.get(pk=contact.pk)


def _payment_terms(terms: tuple[int | None, str]) -> tuple[int | None, str]:
    day, kind = terms
    if day is None and not kind:
        return (None, "")
    if day is None or not kind or kind not in TermsType.values:
        raise ContactDetailsInvalid("Payment terms need a number of days and how they count, or neither.")
    if kind in (TermsType.OFCURRENTMONTH, TermsType.OFFOLLOWINGMONTH) and not 1 <= day <= 31:
        raise ContactDetailsInvalid("A day of the month is 1 to 31.")
    if not 0 <= day < 1000:
        raise ContactDetailsInvalid("Payment terms are 0 to 999 days.")
    return (day, kind)


def contact_payment_terms_fill(*, contact_id: int, payment_terms: tuple[int, str]) -> bool:
    """Give a contact with no payment terms these, read from the accounting system it was just linked to; its
    version (`updated_at`) stays and no signal is sent, as that system holds them already. Returns whether it took
    them (False: it has its own). Raises ContactDetailsInvalid for bad terms."""
    day, kind = _payment_terms(payment_terms)
    unset = Contact.objects.filter(pk=contact_id, payment_terms_day__isnull=True)
    return bool(unset.update(payment_terms_day=day, payment_terms_type=kind))


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
        name_key=name_key(wanted.name),  # update() skips the key's pre_save (contacts.models.NameKeyField)
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
