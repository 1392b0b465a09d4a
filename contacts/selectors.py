from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from accounts.selectors import teams_visible_to
from contacts.models import Contact


def contacts_visible_to(*, user: User) -> QuerySet[Contact]:
    """Every contact the user may see: all for admins, otherwise those of the user's teams.

    This is the one place the team rule is applied to contacts; views and partials start from it.
    """
    contacts = Contact.objects.all()
    if user.is_admin:
        return contacts
    return contacts.filter(team__in=teams_visible_to(user=user))


def contact_list(*, user: User, search: str = "") -> QuerySet[Contact]:
    """Visible contacts matching the search text (name, email or phone), with what the list shows."""
    contacts = contacts_visible_to(user=user).select_related("team", "owner", "organisation").prefetch_related(
        "emails", "tags"
    )
    search = search.strip()
    if search:
        contacts = contacts.filter(
            Q(name__icontains=search) | Q(emails__address__icontains=search) | Q(phones__number__icontains=search)
        ).distinct()
    return contacts.order_by("name", "id")


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
