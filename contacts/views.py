from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from capsync.http import HtmxHttpRequest
from contacts import selectors
from contacts.models import Contact
from opportunities.selectors import opportunities_of_contact

CONTACTS_PER_PAGE = 50


@require_GET
def contact_list(request: HtmxHttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")
    page = Paginator(selectors.contact_list(user=request.user, search=search), CONTACTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    template = "contacts/contact_list.html" + ("#contact-table" if request.htmx else "")
    return render(request, template, {"page": page, "search": search})


@require_GET
def contact_detail(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    try:
        contact = selectors.contact_detail(user=request.user, contact_id=contact_id)
    except Contact.DoesNotExist:
        raise Http404("No contact with that id is visible to you.") from None
    opportunities = opportunities_of_contact(user=request.user, contact_id=contact.pk)
    return render(request, "contacts/contact_detail.html", {"contact": contact, "opportunities": opportunities})
