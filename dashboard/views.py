from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard.selectors import dashboard_summary
from web.http import HtmxHttpRequest


@require_GET
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """The home page: the user's teams' headline figures. The Xero cards come from the integration's template tag."""
    summary = dashboard_summary(user=request.user, now=timezone.now())
    return render(request, "dashboard/dashboard.html", {"summary": summary})
