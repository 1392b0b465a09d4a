"""The forecast as CSV rows: one per currency and week, a column per source (amounts exact, never rounded)."""

import csv
import io

from forecast.rules import SOURCES
from forecast.selectors import CashForecast

HEADER = ["currency", "week", "starts_on", "ends_on", *(source.value for source in SOURCES), "total"]


def forecast_csv(*, forecast: CashForecast) -> str:
    """The CSV text of the forecast: a header, then one row per currency (by code) and week (1 to 13)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for chart in forecast.currencies:
        for week in chart.forecast.weeks:
            writer.writerow(
                [
                    chart.forecast.currency,
                    week.week,
                    week.starts_on.isoformat(),
                    week.ends_on.isoformat(),
                    *(week.by_source[source] for source in SOURCES),
                    week.total,
                ]
            )
    return out.getvalue()
