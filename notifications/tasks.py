from celery import shared_task
from django.utils import timezone

from notifications import services


@shared_task
def overdue_alerts_send(**_: object) -> int:
    """Beat runs this hourly; each organisation's first overdue day starts at its own midnight."""
    return services.overdue_alerts_send(now=timezone.now())
