from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard.selectors import dashboard_summary
from forecast.card import card_refresh_claim as forecast_card_refresh_claim
from forecast.tasks import forecast_card_refresh
from web.http import HtmxHttpRequest


@require_GET
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """The home page: the user's teams' headline figures. The Xero cards come from the integration's template tag."""
    now = timezone.now()
    summary = dashboard_summary(user=request.user, now=now)
    if summary.forecast_stale and forecast_card_refresh_claim(card_id=summary.forecast_card_id, now=now):
        forecast_card_refresh.delay_on_commit(user_id=request.user.pk)
    return render(request, "dashboard/dashboard.html", {"summary": summary})
