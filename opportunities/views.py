from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from capsync.http import HtmxHttpRequest
from opportunities import selectors, services
from opportunities.models import Milestone, Opportunity


@require_GET
def pipeline(request: HtmxHttpRequest) -> HttpResponse:
    columns = selectors.pipeline(user=request.user, today=timezone.localdate())
    return render(request, "opportunities/pipeline.html", {"columns": columns})


@require_POST
def opportunity_move(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    """Move a card to another milestone; HTMX gets the board back, a plain form post goes back to it."""
    try:
        moved = services.opportunity_move(
            opportunity_id=opportunity_id, milestone_id=int(request.POST.get("milestone", "0") or 0),
            user=request.user,
        )
    except Opportunity.DoesNotExist:
        raise Http404("No opportunity with that id is visible to you.") from None
    except (Milestone.DoesNotExist, ValueError, services.OpportunityClosed) as exc:
        problem = str(exc) if isinstance(exc, services.OpportunityClosed) else "Pick a milestone to move it to."
        if not request.htmx:
            messages.error(request, problem)
            return redirect("opportunities:pipeline")
        return HttpResponse(problem, status=400)
    if not request.htmx:
        messages.success(request, f"{moved.name} moved to {moved.milestone.name}.")
        return redirect("opportunities:pipeline")
    response = render(request, "opportunities/pipeline.html#pipeline-board",
                      {"columns": selectors.pipeline(user=request.user, today=timezone.localdate())})
    return trigger_client_event(response, "pipeline-changed")


@require_GET
def opportunity_detail(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    try:
        opportunity = selectors.opportunity_detail(user=request.user, opportunity_id=opportunity_id)
    except Opportunity.DoesNotExist:
        raise Http404("No opportunity with that id is visible to you.") from None
    return render(request, "opportunities/opportunity_detail.html", {"opportunity": opportunity})
