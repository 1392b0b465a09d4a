"""Celery tasks: thin, keyword-only IDs in, one service call each. They run on the `xero` queue
(CELERY_TASK_ROUTES), so Xero work never waits behind other jobs.
"""

import time

from celery import Task, shared_task
from django.utils import timezone

from integrations.xero import client, selectors
from integrations.xero.models import SyncRun
from integrations.xero.sync import run

BUSY_RETRY_SECONDS = 30


@shared_task(bind=True, acks_late=True, max_retries=20)
def organisation_sync(self: Task, *, connection_id: int, kind: str = "incremental", **_: object) -> int:
    """Sync one organisation now; returns the SyncRun id. Safe to run twice: the second is skipped.

    Webhook work that finds the organisation busy comes back later, so an announced change is not left waiting
    for the next scheduled sync.
    """
    finished = run.organisation_sync(
        connection_id=connection_id, kind=kind, clock=timezone.now, identity=client.identity_from_settings(),
        sleep=time.sleep,
    )
    if finished.outcome == SyncRun.Outcome.SKIPPED and kind == SyncRun.Kind.WEBHOOK:
        raise self.retry(countdown=BUSY_RETRY_SECONDS)
    return finished.pk


@shared_task
def organisations_sync_due(**_: object) -> int:
    """Beat's fan-out: enqueue a sync for each organisation whose interval has passed."""
    due = selectors.connections_due_for_sync(now=timezone.now())
    for connection_id, kind in due:
        organisation_sync.delay(connection_id=connection_id, kind=kind)
    return len(due)
