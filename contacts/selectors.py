from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Lower, Trim

from accounts.models import User
from accounts.selectors import teams_visible_to
from contacts.matching import email_key, name_key, phone_key
from contacts.models import Address, Contact, EmailAddress, PhoneNumber
from invoices.models import Invoice
from invoices.overdue import overdue_filter


def contacts_visible_to(*, user: User) -> QuerySet[Contact]:
    """Every contact the user may see: all for admins, otherwise those of the user's teams.

    This is the one place the team rule is applied to contacts; views and partials start from it.
    """
    contacts = Contact.objects.all()
    if user.is_admin:
        return contacts
    return contacts.filter(team__in=teams_visible_to(user=user))


@dataclass(frozen=True)
class ContactFilters:
    """What the People & Organisations list is narrowed to; every field is optional."""

    search: str = ""
    team_id: int | None = None
    tag_id: int | None = None
    owner_id: int | None = None
    has_overdue_invoices: bool = False
    linked_to_xero: bool = False
    archived: bool = False  # True lists only archived contacts; they are left out otherwise
    sort: str = "name"


SORTS = {"name": ("name", "id"), "recent": ("-updated_at", "-id")}


def contact_list(*, user: User, filters: ContactFilters, today: date) -> QuerySet[Contact]:
    """Visible contacts matching the filters, with what the list shows.

    "Has overdue invoices" means an authorised sales invoice with money due before `today` (the viewer's date;
    the contact's Xero panel judges each organisation by its own date, which can differ by a day).
    """
    contacts = (
        contacts_visible_to(user=user)
        .select_related("team", "owner", "organisation")
        .prefetch_related("emails", "tags")
    )
    contacts = contacts.filter(archived_at__isnull=not filters.archived)
    # Filters on other tables are EXISTS subqueries, not joins: a join repeats a contact per matching row and
    # needs a DISTINCT over the whole list (and its count), which at 100,000 contacts costs more than the page.
    search = filters.search.strip()
    if search:
        contacts = contacts.filter(
            Q(name__icontains=search)
            | Exists(EmailAddress.objects.filter(contact=OuterRef("pk"), address__icontains=search))
            | Exists(PhoneNumber.objects.filter(contact=OuterRef("pk"), number__icontains=search))
        )
    if filters.team_id:
        contacts = contacts.filter(team_id=filters.team_id)
    if filters.tag_id:
        contacts = contacts.filter(
            Exists(Contact.tags.through.objects.filter(contact=OuterRef("pk"), tag_id=filters.tag_id))
        )
    if filters.owner_id:
        contacts = contacts.filter(owner_id=filters.owner_id)
    if filters.has_overdue_invoices:
        contacts = contacts.filter(Exists(Invoice.objects.filter(overdue_filter(today=today), contact=OuterRef("pk"))))
    if filters.linked_to_xero:
        # The link lives in the integration, which the CRM does not import; reached through the reverse relation.
        links = Contact._meta.get_field("xero_links").related_model.objects
        contacts = contacts.filter(Exists(links.filter(contact=OuterRef("pk"), link_state="linked")))
    return contacts.order_by(*SORTS.get(filters.sort, SORTS["name"]))


def contact_detail(*, user: User, contact_id: int) -> Contact:
    """One visible contact with its details loaded. Raises Contact.DoesNotExist when not visible."""
    return (
        contacts_visible_to(user=user)
        .select_related("team", "owner", "organisation")
        .prefetch_related(
            "emails",
            "phones",
            "addresses",
            "tags",
            Prefetch(
                "people",
                queryset=Contact.objects.filter(archived_at__isnull=True).order_by("name").prefetch_related("emails"),
            ),
        )
        .get(pk=contact_id)
    )


def contacts_to_pick(*, user: User, kind: str | None = None, keep_id: int | None = None) -> QuerySet[Contact]:
    """Visible contacts a picker offers (of one `kind` when given): archived ones are left out, except `keep_id`
    (the one already chosen, so editing never drops it)."""
    contacts = contacts_visible_to(user=user).filter(Q(archived_at__isnull=True) | Q(pk=keep_id))
    if kind:
        contacts = contacts.filter(kind=kind)
    return contacts.order_by("name", "id")


@dataclass(frozen=True)
class Duplicate:
    """A visible contact that looks like the one being saved, and why ("same email", "same name", "same phone")."""

    contact: Contact
    evidence: tuple[str, ...]


def contact_duplicates(
    *, user: User, name: str, emails: list[str], phones: list[str], contact_id: int | None = None
) -> list[Duplicate]:
    """Visible contacts (archived ones too) sharing an email, the normalised name or a phone with what is being
    saved, compared with the keys the Xero sync matches on (contacts.matching). When editing (`contact_id`),
    the contact itself is left out, and so is what it already had: only a newly typed clash is worth a warning.
    """
    others = contacts_visible_to(user=user)
    email_keys = {key for key in map(email_key, emails) if key}
    phone_keys = {key for key in map(phone_key, phones) if key}
    wanted_name = name_key(name)
    if contact_id is not None:
        others = others.exclude(pk=contact_id)
        current = Contact.objects.prefetch_related("emails", "phones").filter(pk=contact_id).first()
        if current is not None:
            email_keys -= {email_key(email.address) for email in current.emails.all()}
            phone_keys -= {phone_key(phone.number) for phone in current.phones.all()}
            wanted_name = "" if name_key(current.name) == wanted_name else wanted_name
    evidence: dict[int, list[str]] = defaultdict(list)
    if email_keys:
        for pk in (
            EmailAddress.objects.filter(contact__in=others)
            .annotate(key=Lower("address"))
            .filter(key__in=email_keys)
            .values_list("contact_id", flat=True)
            .distinct()
        ):
            evidence[pk].append("same email")
    if wanted_name:
        # Normalised names can't be compared in SQL; a team's contacts are few enough to compare here.
        for pk, other_name in others.values_list("pk", "name"):
            if name_key(other_name) == wanted_name:
                evidence[pk].append("same name")
    if phone_keys:
        for pk in {
            pk
            for pk, number in PhoneNumber.objects.filter(contact__in=others).values_list("contact_id", "number")
            if phone_key(number) in phone_keys
        }:
            evidence[pk].append("same phone")
    found = Contact.objects.filter(pk__in=evidence).select_related("organisation").order_by("name", "id")
    return [Duplicate(contact=contact, evidence=tuple(evidence[contact.pk])) for contact in found]


@dataclass(frozen=True)
class MatchFacts:
    """What the Xero sync compares when looking for a contact (all teams: matching is not a user's view)."""

    contact_id: int
    is_person: bool
    name: str
    emails: list[str]
    phones: list[str]
    postcodes: list[str]


def contacts_match_facts(
    *, email_keys: Iterable[str] = (), name_keys: Iterable[str] = (), contact_ids: Iterable[int] = ()
) -> list[MatchFacts]:
    """The name, emails, phones and postcodes of every CRM contact (all teams) that has one of these emails (as
    contacts.matching.email_key compares them), one of these name keys (contacts.matching.name_key), or one of
    these ids. What matching a batch of Xero contacts needs to know of the CRM, read by index in six queries at
    most, whatever the size of the CRM; blank keys match nothing."""
    ids = set(contact_ids)
    if emails_wanted := {key for key in email_keys if key}:
        ids.update(
            EmailAddress.objects.annotate(key=Lower(Trim("address")))
            .filter(key__in=emails_wanted)
            .values_list("contact_id", flat=True)
        )
    if names_wanted := {key for key in name_keys if key}:
        ids.update(Contact.objects.filter(name_key__in=names_wanted).values_list("pk", flat=True))
    if not ids:
        return []
    emails, phones, postcodes = defaultdict(list), defaultdict(list), defaultdict(list)
    for contact_id, address in EmailAddress.objects.filter(contact_id__in=ids).values_list("contact_id", "address"):
        emails[contact_id].append(address)
    for contact_id, number in PhoneNumber.objects.filter(contact_id__in=ids).values_list("contact_id", "number"):
        phones[contact_id].append(number)
    for contact_id, postcode in (
        Address.objects.filter(contact_id__in=ids).exclude(postcode="").values_list("contact_id", "postcode")
    ):
        postcodes[contact_id].append(postcode)
    return [
        MatchFacts(
            contact_id=pk,
            is_person=kind == Contact.Kind.PERSON,
            name=name,
            emails=emails[pk],
            phones=phones[pk],
            postcodes=postcodes[pk],
        )
        for pk, kind, name in Contact.objects.filter(pk__in=ids).values_list("pk", "kind", "name")
    ]
