from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import User
from accounts.selectors import teams_visible_to
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
    sort: str = "name"


SORTS = {"name": ("name", "id"), "recent": ("-updated_at", "-id")}


def contact_list(*, user: User, filters: ContactFilters, today: date) -> QuerySet[Contact]:
    """Visible contacts matching the filters, with what the list shows.

    "Has overdue invoices" means an authorised sales invoice with money due before `today` (the viewer's date;
    the contact's Xero panel judges each organisation by its own date, which can differ by a day).
    """
    contacts = contacts_visible_to(user=user).select_related("team", "owner", "organisation").prefetch_related(
        "emails", "tags"
    )
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
        contacts = contacts.filter(Exists(Contact.tags.through.objects.filter(contact=OuterRef("pk"),
                                                                              tag_id=filters.tag_id)))
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
            Prefetch("people", queryset=Contact.objects.order_by("name")),
            "notes__author",
        )
        .get(pk=contact_id)
    )


@dataclass(frozen=True)
class MatchFacts:
    """What the Xero sync compares when looking for a contact (all teams: matching is not a user's view)."""

    contact_id: int
    is_person: bool
    name: str
    emails: list[str]
    phones: list[str]
    postcodes: list[str]


def contacts_match_facts() -> list[MatchFacts]:
    """Every CRM contact's name, emails, phones and postcodes, in four queries whatever their number."""
    emails, phones, postcodes = defaultdict(list), defaultdict(list), defaultdict(list)
    for contact_id, address in EmailAddress.objects.values_list("contact_id", "address"):
        emails[contact_id].append(address)
    for contact_id, number in PhoneNumber.objects.values_list("contact_id", "number"):
        phones[contact_id].append(number)
    for contact_id, postcode in Address.objects.exclude(postcode="").values_list("contact_id", "postcode"):
        postcodes[contact_id].append(postcode)
    return [
        MatchFacts(contact_id=pk, is_person=kind == Contact.Kind.PERSON, name=name, emails=emails[pk],
                   phones=phones[pk], postcodes=postcodes[pk])
        for pk, kind, name in Contact.objects.values_list("pk", "kind", "name")
    ]
