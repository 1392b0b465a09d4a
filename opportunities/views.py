from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from capsync.http import HtmxHttpRequest
from opportunities import selectors
from opportunities.models import Opportunity


@require_GET
def pipeline(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "opportunities/pipeline.html", {"columns": selectors.pipeline(user=request.user)})


@require_GET
def opportunity_detail(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    try:
        opportunity = selectors.opportunity_detail(user=request.user, opportunity_id=opportunity_id)
    except Opportunity.DoesNotExist:
        raise Http404("No opportunity with that id is visible to you.") from None
    return render(request, "opportunities/opportunity_detail.html", {"opportunity": opportunity})
