"""Writing planned rows in bulk, a batch at a time (imports.services.import_run owns the transactions).

Creating goes through bulk_create, updating through bulk_update, so a batch of 500 rows costs a dozen queries.
An update only adds: the file's non-blank fields replace the contact's, and its emails, phones, addresses and
tags are added to those the contact has (nothing the contact had is removed), so importing a file twice leaves
the second run with nothing to change.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.db.models.functions import Lower

from contacts import signals
from contacts.matching import email_key, name_key, phone_key
from contacts.models import Address, Contact, EmailAddress, PhoneNumber, Tag
from imports.plan import ORGANISATION, PERSON, ContactPlan, OpportunityPlan
from opportunities.models import Opportunity

CONTACT_FIELDS = ["name", "title", "first_name", "last_name", "job_title", "about", "owner_id", "organisation_id"]
DETAIL_FIELDS = {"name", "first_name", "last_name", "job_title"}  # what Xero also holds (contacts.services)


@dataclass
class Tally:
    """What a run did so far; `created` and `updated` list (row, id, name) for the report."""

    created: list[tuple[int, int, str]] = field(default_factory=list)
    updated: list[tuple[int, int, str]] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    organisations_added: list[tuple[int, str]] = field(default_factory=list)


type OrganisationIds = dict[tuple[int, str], int]  # (team id, name key) -> organisation id


def organisations_add(*, plans: list[ContactPlan], organisation_ids: OrganisationIds, tally: Tally) -> None:
    """Create the organisations people are said to belong to that neither Capsync nor the file has yet."""
    wanted: dict[tuple[int, str], tuple[int, str]] = {}
    for plan in plans:
        key = (plan.team_id, name_key(plan.organisation))
        if plan.action != "skip" and plan.kind == PERSON and key[1] and key not in organisation_ids:
            wanted.setdefault(key, (plan.team_id, plan.organisation))
    created = Contact.objects.bulk_create(
        Contact(kind=ORGANISATION, name=name, team_id=team_id) for team_id, name in wanted.values()
    )
    for key, contact in zip(wanted, created, strict=True):
        organisation_ids[key] = contact.pk
        tally.organisations_added.append((contact.pk, contact.name))


def _tags_by_name(names: list[str]) -> dict[str, int]:
    """Tag ids by lower-cased name, creating the tags that do not exist yet (found whatever their case; a new
    tag takes the first spelling given)."""
    spellings: dict[str, str] = {}
    for name in names:
        spellings.setdefault(name.lower(), name)
    if not spellings:
        return {}
    tags = Tag.objects.annotate(key=Lower("name")).filter(key__in=spellings)
    found = dict(tags.values_list("key", "pk"))
    if missing := [name for key, name in spellings.items() if key not in found]:
        Tag.objects.bulk_create([Tag(name=name) for name in missing], ignore_conflicts=True)
        found = dict(tags.values_list("key", "pk"))
    return found


def _children(
    contact_id: int, plan: ContactPlan, *, emails: set[str], phones: set[str], addresses: set[tuple], tags: set[str]
) -> tuple[list, list, list, list[str]]:
    """The emails, phones, addresses and tag names of the plan that the contact lacks (by the keys given)."""
    new_emails, new_phones, new_addresses, new_tags = [], [], [], []
    for email in plan.emails:
        if (key := email_key(email.address)) not in emails:
            emails.add(key)
            new_emails.append(EmailAddress(contact_id=contact_id, address=email.address, label=email.label))
    for phone in plan.phones:
        if (key := phone_key(phone.number) or phone.number) not in phones:
            phones.add(key)
            new_phones.append(PhoneNumber(contact_id=contact_id, number=phone.number, label=phone.label))
    for address in plan.addresses:
        if (key := _address_key(address.street, address.city, address.postcode)) not in addresses:
            addresses.add(key)
            new_addresses.append(Address(contact_id=contact_id, **asdict(address)))
    for tag in plan.tags:
        if tag.lower() not in tags:
            tags.add(tag.lower())
            new_tags.append(tag)
    return new_emails, new_phones, new_addresses, new_tags


def _details_held(contact_ids: list[int]) -> dict[str, defaultdict[int, set]]:
    """The keys of the emails, phones, addresses and tags the contacts have, in four flat queries (prefetching
    model instances cost ten times as much for a batch)."""
    have: dict[str, defaultdict[int, set]] = {
        kind: defaultdict(set) for kind in ("emails", "phones", "addresses", "tags")
    }
    for contact_id, address in EmailAddress.objects.filter(contact_id__in=contact_ids).values_list(
        "contact_id", "address"
    ):
        have["emails"][contact_id].add(email_key(address))
    for contact_id, number in PhoneNumber.objects.filter(contact_id__in=contact_ids).values_list(
        "contact_id", "number"
    ):
        have["phones"][contact_id].add(phone_key(number) or number)
    for contact_id, street, city, postcode in Address.objects.filter(contact_id__in=contact_ids).values_list(
        "contact_id", "street", "city", "postcode"
    ):
        have["addresses"][contact_id].add(_address_key(street, city, postcode))
    for contact_id, name in Contact.tags.through.objects.filter(contact_id__in=contact_ids).values_list(
        "contact_id", "tag__name"
    ):
        have["tags"][contact_id].add(name.lower())
    return have


def _address_key(street: str, city: str, postcode: str) -> tuple[str, str, str]:
    return street.strip().lower(), city.strip().lower(), postcode.replace(" ", "").upper()


def _wanted_fields(plan: ContactPlan, organisation_ids: OrganisationIds) -> dict[str, object]:
    wanted: dict[str, object] = {"name": plan.name}
    if plan.kind == PERSON:
        wanted |= {"first_name": plan.first_name, "last_name": plan.last_name}
        if plan.organisation:
            wanted["organisation_id"] = organisation_ids.get((plan.team_id, name_key(plan.organisation)))
    for name in ("title", "job_title", "about", "owner_id"):
        if value := getattr(plan, name):
            wanted[name] = value
    return wanted


def contacts_write(*, plans: list[ContactPlan], organisation_ids: OrganisationIds, tally: Tally, now: datetime) -> None:
    """Create and update the contacts of one batch, with their emails, phones, addresses and tags; new
    organisations join `organisation_ids`. Contacts whose details (what Xero also holds) change get a newer
    `updated_at` and are announced through contacts.signals.contact_changed, as contacts.services does."""
    creates = [plan for plan in plans if plan.action == "create"]
    updates = {plan.match_id: plan for plan in plans if plan.action == "update"}
    tally.skipped += len(plans) - len(creates) - len(updates)
    new = Contact.objects.bulk_create(
        Contact(kind=plan.kind, team_id=plan.team_id, **_wanted_fields(plan, organisation_ids)) for plan in creates
    )
    emails, phones, addresses, tag_links = [], [], [], []
    for contact, plan in zip(new, creates, strict=True):
        found = _children(contact.pk, plan, emails=set(), phones=set(), addresses=set(), tags=set())
        emails += found[0]
        phones += found[1]
        addresses += found[2]
        tag_links += [(contact.pk, tag) for tag in found[3]]
        tally.created.append((plan.row, contact.pk, contact.name))
        if plan.kind == ORGANISATION:
            organisation_ids[(plan.team_id, name_key(plan.name))] = contact.pk
    changed, announced = [], []
    have = _details_held(list(updates))
    for contact in Contact.objects.filter(pk__in=updates):
        plan = updates[contact.pk]
        wanted = {
            name: value
            for name, value in _wanted_fields(plan, organisation_ids).items()
            if getattr(contact, name) != value
        }
        found = _children(contact.pk, plan, **{kind: held[contact.pk] for kind, held in have.items()})
        if not wanted and not any(found):
            tally.unchanged += 1
            continue
        for name, value in wanted.items():
            setattr(contact, name, value)
        if DETAIL_FIELDS & set(wanted) or found[0] or found[1] or found[2]:
            contact.updated_at = max(now, contact.updated_at + timedelta(microseconds=1))
            announced.append(contact.pk)
        changed.append(contact)
        emails += found[0]
        phones += found[1]
        addresses += found[2]
        tag_links += [(contact.pk, tag) for tag in found[3]]
        tally.updated.append((plan.row, contact.pk, contact.name))
    for contact in changed:  # bulk_update skips the key's pre_save (contacts.models.NameKeyField)
        contact.name_key = name_key(contact.name)
    Contact.objects.bulk_update(changed, [*CONTACT_FIELDS, "name_key", "updated_at"])
    EmailAddress.objects.bulk_create(emails)
    PhoneNumber.objects.bulk_create(phones)
    Address.objects.bulk_create(addresses)
    tag_ids = _tags_by_name([tag for _, tag in tag_links])
    Contact.tags.through.objects.bulk_create(
        [Contact.tags.through(contact_id=contact_id, tag_id=tag_ids[tag.lower()]) for contact_id, tag in tag_links],
        ignore_conflicts=True,
    )
    signals.contact_changed_announce(announced)


_OPPORTUNITY_FIELDS = [
    "name",
    "contact_id",
    "milestone_id",
    "probability",
    "value",
    "currency_code",
    "expected_close_date",
    "owner_id",
    "description",
]


def _opportunity_fields(plan: OpportunityPlan) -> dict[str, object]:
    wanted: dict[str, object] = {
        "name": plan.name,
        "contact_id": plan.contact_id,
        "milestone_id": plan.milestone_id,
        "value": plan.value,
        "currency_code": plan.currency,
    }
    if plan.expected_close:
        wanted["expected_close_date"] = plan.expected_close
    if plan.owner_id:
        wanted["owner_id"] = plan.owner_id
    if plan.description:
        wanted["description"] = plan.description
    return wanted


def opportunities_write(*, plans: list[OpportunityPlan], tally: Tally, now: datetime) -> None:
    """Create and update the opportunities of one batch. A milestone that changes brings its probability."""
    creates = [plan for plan in plans if plan.action == "create"]
    updates = {plan.match_id: plan for plan in plans if plan.action == "update"}
    tally.skipped += len(plans) - len(creates) - len(updates)
    new = Opportunity.objects.bulk_create(
        Opportunity(team_id=plan.team_id, probability=plan.probability, **_opportunity_fields(plan)) for plan in creates
    )
    tally.created += [
        (plan.row, opportunity.pk, opportunity.name) for plan, opportunity in zip(creates, new, strict=True)
    ]
    changed = []
    for opportunity in Opportunity.objects.filter(pk__in=updates):
        plan = updates[opportunity.pk]
        wanted = {
            name: value for name, value in _opportunity_fields(plan).items() if getattr(opportunity, name) != value
        }
        if not wanted:
            tally.unchanged += 1
            continue
        if "milestone_id" in wanted:
            wanted["probability"] = plan.probability
        for name, value in wanted.items():
            setattr(opportunity, name, value)
        opportunity.updated_at = now
        changed.append(opportunity)
        tally.updated.append((plan.row, opportunity.pk, opportunity.name))
    Opportunity.objects.bulk_update(changed, [*_OPPORTUNITY_FIELDS, "probability", "updated_at"])
