""" "Raise the invoices" of an instalment plan raised all at once (integrations/xero/sync/instalments.py)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.money import money_required
from integrations.xero.sync import instalments
from integrations.xero.views.wizard import xero_identity
from opportunities.models import InstalmentPlan, Opportunity
from web.http import HtmxHttpRequest


@require_POST
@money_required
def instalment_invoices_raise(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    """Raise in Xero the invoice of each of the plan's instalments not yet invoiced, then show the plan."""
    try:
        done = instalments.instalment_invoices_raise_all(
            opportunity_id=opportunity_id, user=request.user, identity=xero_identity(request), clock=timezone.now
        )
    except (Opportunity.DoesNotExist, InstalmentPlan.DoesNotExist):
        raise Http404("No instalment plan of that opportunity is visible to you.") from None
    except instalments.NotRaisedOnDemand as exc:
        messages.error(request, str(exc))
    else:
        if done.invoiced:
            messages.success(request, f"{done.invoiced} invoice{'s' if done.invoiced != 1 else ''} raised in Xero.")
        if done.refused:
            messages.error(request, f"Xero refused {done.refused}: the plan says why.")
        if done.postponed:
            messages.warning(
                request,
                f"{done.postponed} not raised yet (Xero did not answer, or the organisation has not been synced "
                "once): try again in a minute.",
            )
        if not (done.invoiced or done.refused or done.postponed):
            messages.info(request, "Every instalment is invoiced already.")
    return redirect("opportunities:detail", opportunity_id=opportunity_id)
