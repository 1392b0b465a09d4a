from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from capsync.http import HtmxHttpRequest
from contacts import selectors, services
from contacts.forms import ContactEdit, ContactFilterForm
from contacts.models import Contact
from opportunities.selectors import opportunities_of_contact

CONTACTS_PER_PAGE = 50


@require_GET
def contact_list(request: HtmxHttpRequest) -> HttpResponse:
    form = ContactFilterForm(request.GET, user=request.user)
    filters = form.filters()
    contacts = selectors.contact_list(user=request.user, filters=filters, today=timezone.localdate())
    page = Paginator(contacts, CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "contacts/contact_list.html" + ("#contact-table" if request.htmx else "")
    return render(request, template, {"page": page, "form": form, "search": filters.search,
                                      "query": query.urlencode()})


@require_GET
def contact_detail(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    try:
        contact = selectors.contact_detail(user=request.user, contact_id=contact_id)
    except Contact.DoesNotExist:
        raise Http404("No contact with that id is visible to you.") from None
    opportunities = opportunities_of_contact(user=request.user, contact_id=contact.pk)
    return render(request, "contacts/contact_detail.html", {"contact": contact, "opportunities": opportunities})


@require_http_methods(["GET", "POST"])
def contact_edit(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    try:
        contact = selectors.contact_detail(user=request.user, contact_id=contact_id)
    except Contact.DoesNotExist:
        raise Http404("No contact with that id is visible to you.") from None
    edit = ContactEdit(contact, request.POST if request.method == "POST" else None)
    if request.method == "POST" and edit.is_valid():
        try:
            updated = services.contact_update(contact_id=contact.pk, now=timezone.now(), **edit.update_arguments())
        except services.ContactDetailsInvalid as exc:
            edit.details.add_error(None, str(exc))
        else:
            messages.success(request, f"Saved {updated.name}.")
            return redirect("contacts:detail", contact_id=updated.pk)
    return render(request, "contacts/contact_edit.html", {"contact": contact, "edit": edit})
