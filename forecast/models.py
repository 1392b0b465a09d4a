"""The dashboard's cash-in forecast card, kept as figures: the live forecast reads every open invoice and a year
of payments (seconds at 1,000,000 invoices), which a dashboard cannot wait for on every load."""

from django.db import models


class ForecastCard(models.Model):
    """The 13 weeks' figures per currency and source, as `forecast.selectors.cash_forecast` gave them on `as_of`
    for one visibility scope (all teams for admins, else the set of the user's teams; `forecast.card`).

    `figures` is {currency: [{source: amount as a string} for each of the 13 weeks]}. `refresh_queued_at` is set
    while a refresh waits for a worker, so a busy dashboard queues one, not one per load.
    """

    scope = models.CharField(max_length=255, unique=True)
    as_of = models.DateField()
    computed_at = models.DateTimeField()
    figures = models.JSONField()
    refresh_queued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Forecast card {self.scope} as of {self.as_of}"
