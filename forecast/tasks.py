"""Celery tasks of the forecast: thin, IDs in."""

from celery import shared_task
from django.utils import timezone

from accounts.models import User
from forecast import card


@shared_task
def forecast_card_refresh(*, user_id: int, **_: object) -> None:
    """Recompute the dashboard forecast card of the user's scope (any user of the scope gives the same figures)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        card.card_refresh(user=user, today=timezone.localdate(), now=timezone.now())
