from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from contacts.models import Contact
from invoices import selectors
from web.http import HtmxHttpRequest


@require_GET
def contact_invoices(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    """A contact's Xero invoices: the panel beside its opportunities (HTMX), or a page of its own without JS."""
    include_hidden = request.GET.get("all") == "1"
    try:
        summary = selectors.invoice_summary(
            user=request.user, contact_id=contact_id, now=timezone.now(), include_hidden=include_hidden
        )
    except Contact.DoesNotExist:
        raise Http404("No contact with that id is visible to you.") from None
    template = "invoices/contact_invoices.html" + ("#invoice-panel" if request.htmx else "")
    return render(request, template, {"summary": summary, "contact_id": contact_id})
