from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from capsync.http import HtmxHttpRequest


@require_GET
def integrations(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "xero/integrations.html")
