from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.money import money_required, money_withheld
from accounts.selectors import user_sees_money
from forecast.csv_export import forecast_csv
from forecast.rules import WEEKS
from forecast.selectors import cash_forecast
from web.http import HtmxHttpRequest


@require_GET
def forecast_page(request: HtmxHttpRequest) -> HttpResponse:
    """The 13-week cash-in forecast of the user's teams: a stacked chart and a table per currency. Invoices' amounts
    are money: a user who may not see money gets the withheld panel."""
    if not user_sees_money(user=request.user):
        return money_withheld(request, title="Cash-in forecast")
    forecast = cash_forecast(user=request.user, today=timezone.localdate())
    return render(request, "forecast/forecast.html", {"forecast": forecast, "week": None})


@require_GET
def forecast_week(request: HtmxHttpRequest, week: int) -> HttpResponse:
    """What makes up one week's figures: the partial for HTMX, else the whole page with the week listed."""
    if not 1 <= week <= WEEKS:
        raise Http404("The forecast has weeks 1 to 13.")
    if not user_sees_money(user=request.user):
        return money_withheld(request, title="Cash-in forecast")
    forecast = cash_forecast(user=request.user, today=timezone.localdate())
    template = "forecast/forecast.html" + ("#week-detail" if request.htmx else "")
    return render(request, template, {"forecast": forecast, "week": forecast.week(week)})


@require_GET
@money_required
def forecast_download(request: HtmxHttpRequest) -> HttpResponse:
    """The forecast as a CSV file."""
    today = timezone.localdate()
    forecast = cash_forecast(user=request.user, today=today)
    response = HttpResponse(forecast_csv(forecast=forecast), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cash-forecast-{today.isoformat()}.csv"'
    return response
