"""A Xero contact's persons (ContactPersons, at most five) and the CRM people of the organisation it is linked to.

Xero's persons come into the CRM as people of that organisation when they match nobody: the same email first
(any CRM person), then the same normalised name among the organisation's people (contacts.matching). A person
Xero includes in its invoice emails is brought in marked "gets invoices". When Xero owns the contact persons
(ownership.py), the CRM's marks follow Xero's IncludeInEmails too. What Capsync sends the other way is
ownership's (field_groups.crm_persons).
"""

import logging
from datetime import datetime
from typing import Any

from django.db.models import Q

from contacts import services as contact_services
from contacts.matching import email_key, name_key
from contacts.models import PEOPLE_GETTING_INVOICES_MAX, Contact
from integrations.xero.models import XeroContact

logger = logging.getLogger(__name__)


def _match(person: dict[str, Any], people: list[Contact]) -> Contact | None:
    email = email_key(person["email"])
    if email:
        found = next((p for p in people if any(email_key(e.address) == email for e in p.emails.all())), None)
        if found is not None:
            return found
    key = name_key(f"{person['first_name']} {person['last_name']}")
    return next((p for p in people if key and name_key(p.name) == key), None) if key else None


def _known_elsewhere(person: dict[str, Any], organisation_id: int) -> bool:
    """Whether a CRM person outside the organisation has this email: bringing it in would make a duplicate."""
    email = email_key(person["email"])
    return bool(email) and (
        Contact.objects.filter(kind=Contact.Kind.PERSON, emails__address__iexact=email)
        .filter(~Q(organisation_id=organisation_id) | Q(organisation__isnull=True))
        .exists()
    )


def persons_bring_in(*, link: XeroContact, organisation: Contact, now: datetime) -> int:
    """Bring the Xero contact's persons that match nobody into the CRM as people of `organisation` (an
    organisation), marked "gets invoices" as Xero's IncludeInEmails says.

    Returns how many people were created. A person without an email or a name is left out, and so is one whose
    email a CRM person of another organisation has. Marks beyond the five Xero allows are never set.
    """
    people = _people_of(organisation)
    created = 0
    for person in link.persons:
        if not (person["email"] or person["first_name"] or person["last_name"]):
            continue
        match = _match(person, people)
        if match is None:
            if _known_elsewhere(person, organisation.pk):
                continue
            recipients = sum(1 for p in people if p.gets_invoices)
            first, last = person["first_name"].strip(), person["last_name"].strip()
            match = contact_services.contact_create(
                kind=Contact.Kind.PERSON,
                first_name=first or (person["email"].split("@")[0] if not last else ""),
                last_name=last,
                team_id=organisation.team_id,
                owner_id=organisation.owner_id,
                organisation_id=organisation.pk,
                emails=[person["email"]] if person["email"] else [],
                gets_invoices=bool(person["include_in_emails"] and person["email"])
                and recipients < PEOPLE_GETTING_INVOICES_MAX,
                now=now,
            )
            people.append(Contact.objects.prefetch_related("emails").get(pk=match.pk))
            created += 1
            logger.info(
                "Xero contact person brought in", extra={"connection_id": link.connection_id, "contact_id": match.pk}
            )
    return created


def _people_of(organisation: Contact) -> list[Contact]:
    return list(
        Contact.objects.filter(organisation_id=organisation.pk, kind=Contact.Kind.PERSON)
        .prefetch_related("emails")
        .order_by("pk")
    )


def persons_marks_take(*, link: XeroContact, organisation: Contact, now: datetime) -> None:
    """Make each person's "gets invoices" what Xero's IncludeInEmails says (Xero owns the contact persons):
    unmark first, so the limit of five is never crossed on the way, then mark."""
    people = _people_of(organisation)
    included = {
        match.pk
        for person in link.persons
        if person["include_in_emails"] and (match := _match(person, people)) is not None
    }
    for person in sorted(people, key=lambda p: p.pk in included):
        wanted = person.pk in included
        if person.gets_invoices == wanted or (wanted and not person.emails.all()):
            continue
        contact_services.contact_update(
            contact_id=person.pk,
            first_name=person.first_name,
            last_name=person.last_name,
            job_title=person.job_title,
            gets_invoices=wanted,
            now=now,
        )
