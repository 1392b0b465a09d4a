"""The dashboard's forecast card: the figures of `cash_forecast`, kept per visibility scope (`ForecastCard`).

A card is computed on the spot only the first time its scope is seen. After that the dashboard shows the kept
figures, and when they are from an earlier day or older than FORECAST_CARD_SECONDS it queues one refresh
(`forecast.tasks.forecast_card_refresh`), so no dashboard load waits for the forecast's full read. The forecast
page itself is always computed live; the card says when its figures were taken. An organisation's first sync
forgets every card (`cards_forget`), so its invoices show on the next dashboard.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from accounts.models import User
from accounts.selectors import teams_visible_to
from forecast.chart import chart_bars
from forecast.models import ForecastCard
from forecast.rules import SOURCES, CurrencyForecast, WeekFigures, week_starts_on
from forecast.selectors import CashForecast, CurrencyChart, cash_forecast


def card_scope(*, user: User) -> str:
    """What the user's forecast is made of: every team's records for admins, else their teams' (one query)."""
    if user.is_admin:
        return "all"
    return "teams:" + ",".join(str(pk) for pk in sorted(teams_visible_to(user=user).values_list("pk", flat=True)))


def _figures(forecast: CashForecast) -> dict[str, list[dict[str, str]]]:
    return {
        chart.forecast.currency: [
            {source.value: str(amount) for source, amount in week.by_source.items()} for week in chart.forecast.weeks
        ]
        for chart in forecast.currencies
    }


def _forecast_of(card: ForecastCard) -> CashForecast:
    """The kept figures as a CashForecast with its charts, and no placements (the card lists none)."""
    charts = []
    for currency, weeks in sorted(card.figures.items()):
        tally = CurrencyForecast(
            currency=currency,
            weeks=tuple(
                WeekFigures(
                    week=number,
                    starts_on=week_starts_on(week=number, today=card.as_of),
                    ends_on=week_starts_on(week=number, today=card.as_of) + timedelta(days=6),
                    by_source={source: Decimal(sums.get(source.value, "0.00")) for source in SOURCES},
                )
                for number, sums in enumerate(weeks, start=1)
            ),
        )
        charts.append(CurrencyChart(forecast=tally, bars=chart_bars(forecast=tally)))
    return CashForecast(
        today=card.as_of,
        payment_terms_days=settings.FORECAST_PAYMENT_TERMS_DAYS,
        currencies=tuple(charts),
        placements=(),
    )


def card_refresh(*, user: User, today: date, now: datetime, scope: str | None = None) -> ForecastCard:
    """Compute the user's scope's forecast now and keep it (four queries and a write; one more without the
    `scope`, `card_scope`'s answer for this user)."""
    forecast = cash_forecast(user=user, today=today)
    card, _ = ForecastCard.objects.update_or_create(
        scope=scope or card_scope(user=user),
        defaults={"as_of": today, "computed_at": now, "figures": _figures(forecast), "refresh_queued_at": None},
    )
    return card


def cards_forget() -> int:
    """Forget every kept card, so each scope's next dashboard computes its figures on the spot; returns how many.

    For when the ledger has just gained an organisation's invoices (its first sync): kept figures from before would
    say nothing is coming in for up to FORECAST_CARD_SECONDS, next to receivables that show the new invoices."""
    deleted, _ = ForecastCard.objects.all().delete()
    return deleted


def card_stale(card: ForecastCard, *, today: date, now: datetime) -> bool:
    return card.as_of != today or card.computed_at < now - timedelta(seconds=settings.FORECAST_CARD_SECONDS)


def card_refresh_claim(*, card_id: int, now: datetime) -> bool:
    """Mark the card's refresh as queued; False when one already waits (a mark older than the card's age limit
    is taken as lost with its task)."""
    lost = now - timedelta(seconds=settings.FORECAST_CARD_SECONDS)
    return (
        ForecastCard.objects.filter(
            Q(refresh_queued_at__isnull=True) | Q(refresh_queued_at__lt=lost), pk=card_id
        ).update(refresh_queued_at=now)
        == 1
    )


def dashboard_forecast(*, user: User, today: date, now: datetime) -> tuple[CashForecast, ForecastCard, bool]:
    """The card's forecast for the user, the card it came from, and whether it wants a refresh (queued by the
    caller). Two queries when a card is kept; the first time a scope is seen it is computed here."""
    scope = card_scope(user=user)
    card = ForecastCard.objects.filter(scope=scope).first()
    if card is None:
        card = card_refresh(user=user, today=today, now=now, scope=scope)
    return _forecast_of(card), card, card_stale(card, today=today, now=now)
