"""Settings > Integrations > Sync health."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from integrations.xero import selectors, services, tasks
from integrations.xero.models import SyncRun
from integrations.xero.views.access import admin_with_mfa_required
from web.http import HtmxHttpRequest


@require_GET
@admin_with_mfa_required
def health(request: HtmxHttpRequest) -> HttpResponse:
    """Sync health: each organisation's state, recent runs with counts and calls, records Xero sent that could
    not be read (with their raw payload and a retry), and contacts whose edits wait or were refused."""
    return render(
        request,
        "xero/health.html",
        {
            "organisations": selectors.sync_health(now=timezone.now()),
            "runs": selectors.sync_runs_recent(),
            "errors": selectors.sync_errors_open(),
            "contacts": selectors.contacts_needing_attention(user=request.user),
        },
    )


@require_POST
@admin_with_mfa_required
def errors_retry(request: HtmxHttpRequest) -> HttpResponse:
    """Fetch quarantined records from Xero again (one error, or every one ticked)."""
    error_ids = [int(value) for value in request.POST.getlist("error") if value.isdigit()]
    queued = services.sync_errors_retry(error_ids=error_ids, now=timezone.now())
    tasks.organisation_syncs_enqueue(connection_ids=queued, kind=SyncRun.Kind.WEBHOOK)
    if queued:
        messages.success(
            request,
            f"Asked Xero again for {len(error_ids)} record{'s' if len(error_ids) != 1 else ''}; "
            "the errors clear when they read cleanly.",
        )
    else:
        messages.error(request, "Nothing to fetch again: pick at least one record that has a Xero id.")
    return redirect("xero:health")
