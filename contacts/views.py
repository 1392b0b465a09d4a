from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contacts import selectors, services
from contacts.forms import ContactEdit, ContactFilterForm
from contacts.models import Contact
from opportunities.selectors import opportunities_of_contact
from web.http import HtmxHttpRequest

CONTACTS_PER_PAGE = 50
KINDS = {"person": Contact.Kind.PERSON, "organisation": Contact.Kind.ORGANISATION}


@require_GET
def contact_list(request: HtmxHttpRequest) -> HttpResponse:
    form = ContactFilterForm(request.GET, user=request.user)
    filters = form.filters()
    contacts = selectors.contact_list(user=request.user, filters=filters, today=timezone.localdate())
    page = Paginator(contacts, CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "contacts/contact_list.html" + ("#contact-table" if request.htmx else "")
    return render(request, template, {"page": page, "form": form, "search": filters.search, "query": query.urlencode()})


def _visible_contact(request: HtmxHttpRequest, contact_id: int) -> Contact:
    try:
        return selectors.contact_detail(user=request.user, contact_id=contact_id)
    except Contact.DoesNotExist:
        raise Http404("No contact with that id is visible to you.") from None


@require_GET
def contact_detail(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    contact = _visible_contact(request, contact_id)
    opportunities = opportunities_of_contact(user=request.user, contact_id=contact.pk)
    return render(request, "contacts/contact_detail.html", {"contact": contact, "opportunities": opportunities})


def _save_or_show(request: HtmxHttpRequest, edit: ContactEdit, *, contact: Contact | None, kind: str) -> HttpResponse:
    """Save a valid form, unless it looks like a contact the user can already see and they have not said
    "Save anyway"; otherwise show the form again with what was typed, its errors and any likely duplicates."""
    duplicates: list[selectors.Duplicate] = []
    if request.method == "POST" and edit.is_valid():
        if "save_anyway" not in request.POST:
            duplicates = selectors.contact_duplicates(
                user=request.user, contact_id=contact.pk if contact else None, **edit.duplicate_facts()
            )
        if not duplicates:
            try:
                if contact is None:
                    saved = services.contact_create(kind=kind, now=timezone.now(), **edit.arguments())
                else:
                    saved = services.contact_update(contact_id=contact.pk, now=timezone.now(), **edit.arguments())
            except services.ContactDetailsInvalid as exc:
                edit.details.add_error(None, str(exc))
            else:
                messages.success(request, f"{'Added' if contact is None else 'Saved'} {saved.name}.")
                return redirect("contacts:detail", contact_id=saved.pk)
    return render(
        request,
        "contacts/contact_edit.html",
        {"contact": contact, "kind": kind, "edit": edit, "duplicates": duplicates},
    )


@require_http_methods(["GET", "POST"])
def contact_create(request: HtmxHttpRequest, kind: str) -> HttpResponse:
    """Add a person or an organisation (`?organisation=<id>` picks the new person's organisation)."""
    if kind not in KINDS:
        raise Http404("Contacts are people or organisations.")
    edit = ContactEdit(
        user=request.user,
        kind=KINDS[kind],
        data=request.POST if request.method == "POST" else None,
        initial={"organisation": request.GET.get("organisation")},
    )
    return _save_or_show(request, edit, contact=None, kind=KINDS[kind])


@require_http_methods(["GET", "POST"])
def contact_edit(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    contact = _visible_contact(request, contact_id)
    edit = ContactEdit(user=request.user, contact=contact, data=request.POST if request.method == "POST" else None)
    return _save_or_show(request, edit, contact=contact, kind=contact.kind)


@require_POST
def contact_archive(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    contact = _visible_contact(request, contact_id)
    try:
        services.contact_archive(contact_id=contact.pk, now=timezone.now())
    except services.ContactArchived as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Archived {contact.name}. Nothing was changed in Xero.")
    return redirect("contacts:detail", contact_id=contact.pk)


@require_POST
def contact_unarchive(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    contact = _visible_contact(request, contact_id)
    try:
        services.contact_unarchive(contact_id=contact.pk)
    except services.ContactArchived as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{contact.name} is back in lists and pickers.")
    return redirect("contacts:detail", contact_id=contact.pk)
