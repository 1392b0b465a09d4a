"""Celery tasks: thin, keyword-only IDs in, one service call each. They run on the `xero` queue
(CELERY_TASK_ROUTES), so Xero work never waits behind other jobs.
"""

import logging
from collections.abc import Iterable

from celery import Task, shared_task
from django.conf import settings

from integrations.xero import client, runtime, selectors
from integrations.xero.models import SyncRun
from integrations.xero.sync import budget, instalments, push, run

logger = logging.getLogger(__name__)

BUSY_RETRY_SECONDS = 30
PUSH_BACKOFF_SECONDS = 30
PUSH_BACKOFF_MAX_SECONDS = 30 * 60  # below the broker's visibility timeout (2 h), as every countdown must be


@shared_task(bind=True, acks_late=True, max_retries=20)
def organisation_sync(
    self: Task, *, connection_id: int, kind: str = "incremental", contact_id: int | None = None, **_: object
) -> int:
    """Sync one organisation now (or just one contact's records in it); returns the SyncRun id. Safe to run
    twice: the second is skipped.

    Webhook work that finds the organisation busy comes back later, so an announced change is not left waiting
    for the next scheduled sync. So does a task redelivered after its worker died: the dead worker's claim on
    the organisation lapses after XERO_SYNC_CLAIM_SECONDS, and then the sync runs again from its cursors.
    """
    finished = run.organisation_sync(
        connection_id=connection_id,
        kind=kind,
        clock=runtime.clock,
        identity=client.identity_from_settings(),
        sleep=runtime.sleep,
        contact_id=contact_id,
    )
    if finished.outcome == SyncRun.Outcome.SKIPPED:
        if (self.request.delivery_info or {}).get("redelivered"):
            raise self.retry(countdown=settings.XERO_SYNC_CLAIM_SECONDS + 1)
        if kind == SyncRun.Kind.WEBHOOK:
            raise self.retry(countdown=BUSY_RETRY_SECONDS)
    return finished.pk


def organisation_syncs_enqueue(*, connection_ids: Iterable[int], kind: str, contact_id: int | None = None) -> None:
    """Queue a sync of each organisation once the current transaction commits: for the view, webhook or admin
    action that started the work (services never enqueue)."""
    for connection_id in connection_ids:
        organisation_sync.delay_on_commit(connection_id=connection_id, kind=kind, contact_id=contact_id)


@shared_task
def organisations_sync_due(**_: object) -> int:
    """Beat's fan-out: enqueue a sync for each organisation whose interval has passed, as far as Xero's daily
    allowance allows and unless one is already queued; returns how many were enqueued."""
    now = runtime.clock()
    queued = budget.scheduled_syncs_queue(due=selectors.connections_due_for_sync(now=now), now=now)
    for connection_id, kind in queued:
        organisation_sync.delay(connection_id=connection_id, kind=kind)
    return len(queued)


@shared_task
def instalment_invoices_raise_due(**_: object) -> int:
    """Beat's hourly run: raise the invoices of scheduled instalments whose day has come in their organisation,
    each once however many workers run this together; returns how many this run raised."""
    return instalments.instalment_invoices_raise_due(
        identity=client.identity_from_settings(), clock=runtime.clock
    ).invoiced


@shared_task(bind=True, acks_late=True, max_retries=8)
def contact_push(self: Task, *, contact_id: int, **_: object) -> int:
    """Send a CRM contact's edit to the Xero organisations it is linked in; returns how many took it.

    Rate limits and an unreachable Xero are retried later (Xero's Retry-After, or a growing backoff). The daily
    limit is not waited for here: the edit stays dirty and the organisation's next sync sends it.
    """
    try:
        return push.contact_push(
            contact_id=contact_id, clock=runtime.clock, identity=client.identity_from_settings()
        ).pushed
    except client.RateLimited as exc:
        if exc.problem == "day":
            logger.warning(
                "Xero's daily limit is reached; the next sync sends the edit", extra={"contact_id": contact_id}
            )
            return 0
        raise self.retry(countdown=min(exc.retry_after, PUSH_BACKOFF_MAX_SECONDS)) from exc
    except client.XeroUnavailable as exc:
        countdown = min(PUSH_BACKOFF_SECONDS * 2**self.request.retries, PUSH_BACKOFF_MAX_SECONDS)
        raise self.retry(countdown=countdown) from exc
