"""The dashboard's forecast card: kept figures per team set, refreshed in the background once stale."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from forecast import card
from forecast.models import ForecastCard
from forecast.selectors import cash_forecast
from tests.factories import InvoiceFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def owed(team, amount: str, *, in_days: int = 7):
    return InvoiceFactory(
        contact=OrganisationFactory(team=team),
        due_on=timezone.localdate() + timedelta(days=in_days),
        sub_total=Decimal(amount),
    )


def test_the_card_holds_the_live_forecasts_figures(member, team_a):
    owed(team_a, "321.00", in_days=7)
    owed(team_a, "50.00", in_days=40)
    today, now = timezone.localdate(), timezone.now()

    kept, _, stale = card.dashboard_forecast(user=member, today=today, now=now)
    live = cash_forecast(user=member, today=today)

    assert not stale
    assert [(c.forecast.currency, c.forecast.weeks, c.bars) for c in kept.currencies] == [
        (c.forecast.currency, c.forecast.weeks, c.bars) for c in live.currencies
    ]


def test_a_fresh_card_is_shown_as_kept_and_queues_nothing(member_client, team_a, tasks_run_inline):
    owed(team_a, "321.00")
    member_client.get(reverse("dashboard"))
    owed(team_a, "100.00")

    response = tasks_run_inline(lambda: member_client.get(reverse("dashboard")))

    assert "GBP 321.00 in 13 weeks" in response.text
    assert ForecastCard.objects.get().refresh_queued_at is None


def test_a_stale_card_is_shown_and_refreshed_in_the_background(member_client, team_a, settings, tasks_run_inline):
    owed(team_a, "321.00")
    member_client.get(reverse("dashboard"))
    owed(team_a, "100.00")
    settings.FORECAST_CARD_SECONDS = 0

    stale_load = tasks_run_inline(lambda: member_client.get(reverse("dashboard")))
    settings.FORECAST_CARD_SECONDS = 600
    next_load = member_client.get(reverse("dashboard"))

    assert "GBP 321.00 in 13 weeks" in stale_load.text  # the load did not wait for the forecast
    assert "GBP 421.00 in 13 weeks" in next_load.text
    assert ForecastCard.objects.get().refresh_queued_at is None


def test_a_refresh_already_queued_is_not_queued_again(member, team_a):
    owed(team_a, "10.00")
    now = timezone.now()
    _, kept, _ = card.dashboard_forecast(user=member, today=timezone.localdate(), now=now)

    assert card.card_refresh_claim(card_id=kept.pk, now=now) is True
    assert card.card_refresh_claim(card_id=kept.pk, now=now + timedelta(seconds=1)) is False


def test_each_team_set_has_its_own_card(member, team_a, team_b):
    other = UserFactory(teams=[team_b])
    owed(team_a, "10.00")
    owed(team_b, "990.00")
    today, now = timezone.localdate(), timezone.now()

    mine, _, _ = card.dashboard_forecast(user=member, today=today, now=now)
    theirs, _, _ = card.dashboard_forecast(user=other, today=today, now=now)

    assert [c.forecast.total for c in mine.currencies] == [Decimal("10.00")]
    assert [c.forecast.total for c in theirs.currencies] == [Decimal("990.00")]
    assert ForecastCard.objects.count() == 2
