from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from capsync.dashboard import dashboard_summary
from capsync.http import HtmxHttpRequest


@require_GET
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "dashboard.html", {"summary": dashboard_summary(user=request.user, now=timezone.now())})
