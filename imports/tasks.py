import logging

from celery import shared_task
from django.utils import timezone

from imports import services

logger = logging.getLogger(__name__)


@shared_task  # on the "celery" queue (CELERY_TASK_ROUTES)
def import_run(*, import_id: int, **_: object) -> None:
    """Run a queued import (enqueued on commit by the view that queued it). Safe to run twice: a second
    delivery finds it already claimed, and a rerun of a finished import creates nothing twice."""
    try:
        services.import_run(import_id=import_id, clock=timezone.now)
    except services.ImportNotQueued:
        logger.info("Import not queued: nothing to run", extra={"import_id": import_id})
