"""The contact page's Xero parts: link state and "Sync this contact now", and edits sent to Xero."""

from datetime import UTC, datetime, timedelta

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from contacts.models import Contact
from integrations.xero import contact_panels, tasks
from integrations.xero.models import SyncRun
from integrations.xero.sync import push
from web.http import HtmxHttpRequest


def _push_panel(request: HtmxHttpRequest, contact_id: int) -> contact_panels.ContactPushPanel:
    try:
        return contact_panels.contact_push_panel(user=request.user, contact_id=contact_id)
    except Contact.DoesNotExist:
        raise Http404("No contact with that id is visible to you.") from None


@require_GET
def contact_push(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    """The contact page's Xero panel: whether its edits reached Xero, and Xero's reason when refused."""
    panel = _push_panel(request, contact_id)
    return render(request, "xero/_contact_push.html", {"contact_id": contact_id, "panel": panel})


@require_POST
def contact_push_retry(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    """ "Try again" after Xero refused an edit: send the contact as it is now."""
    _push_panel(request, contact_id)  # 404 unless the contact is visible
    push.contact_push_retry(contact_id=contact_id)
    tasks.contact_push.delay_on_commit(contact_id=contact_id)
    if request.htmx:
        panel = _push_panel(request, contact_id)
        return render(request, "xero/_contact_push.html", {"contact_id": contact_id, "panel": panel})
    messages.success(request, "The change is being sent to Xero again.")
    return redirect("contacts:detail", contact_id=contact_id)


SINCE_AT_MOST = timedelta(days=1)


def _since(request: HtmxHttpRequest) -> datetime | None:
    """When "Sync this contact now" was asked for, as the polling URL carries it; ignored unless it is a real
    moment with a zone in the last day (a hand-made "2026-02-30" or "0001-01-01T00:00+05:00" is not)."""
    try:
        moment = parse_datetime(request.GET.get("since", ""))
        # In UTC, as the database will need it: year 1 or 9999 with an offset does not fit.
        moment = moment.astimezone(UTC) if moment is not None and timezone.is_aware(moment) else None
    except (ValueError, OverflowError):
        return None
    now = timezone.now()
    return moment if moment is not None and now - SINCE_AT_MOST <= moment <= now else None


def _contact_status(request: HtmxHttpRequest, contact_id: int, *, since: datetime | None) -> HttpResponse:
    try:
        status = contact_panels.contact_xero_status(
            user=request.user, contact_id=contact_id, now=timezone.now(), since=since
        )
    except Contact.DoesNotExist:
        raise Http404("No contact with that id is visible to you.") from None
    response = render(request, "xero/_contact_status.html", {"status": status})
    if since is not None and not status.fetching:
        # The fetch is over: the invoice panel beside it reloads itself on this event.
        trigger_client_event(response, "invoices-changed")
    return response


@require_GET
def contact_status(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    """The contact's link state in each organisation and how fresh its Xero data is; polled every second while
    a "Sync this contact now" runs."""
    return _contact_status(request, contact_id, since=_since(request))


@require_POST
def contact_sync(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    """ "Sync this contact now": fetch just this contact's records from each organisation it is linked in."""
    asked_at = timezone.now()
    try:
        queued = contact_panels.contact_sync_connections(user=request.user, contact_id=contact_id)
    except Contact.DoesNotExist:
        raise Http404("No contact with that id is visible to you.") from None
    tasks.organisation_syncs_enqueue(connection_ids=queued, kind=SyncRun.Kind.CONTACT, contact_id=contact_id)
    if request.htmx:
        return _contact_status(request, contact_id, since=asked_at)
    if queued:
        messages.success(request, "Fetching this contact's records from Xero; the panel shows them in a moment.")
    else:
        messages.info(request, "This contact is not linked to a connected Xero organisation: nothing to fetch.")
    return redirect("contacts:detail", contact_id=contact_id)
