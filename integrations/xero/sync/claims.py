"""One sync per organisation at a time: claims taken with a conditional UPDATE on the connection row.

A claim expires by itself (XERO_SYNC_CLAIM_SECONDS) if its holder dies, and a run left "running" by that holder
is marked as interrupted when a later run takes the claim over. A running sync renews its claim as it makes
progress.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from integrations.xero.models import SyncRun, XeroConnection


def claim_ttl() -> timedelta:
    """How long a claim holds without being renewed."""
    return timedelta(seconds=settings.XERO_SYNC_CLAIM_SECONDS)


def sync_claim(*, connection_id: int, now: datetime) -> str | None:
    """Claim the organisation for one sync; None when another sync holds it. The claim expires by itself.

    A run left "running" by a holder that died is marked as interrupted when its claim is taken over.
    """
    token = secrets.token_hex(8)
    claimed = XeroConnection.objects.filter(
        Q(sync_claimed_until__isnull=True) | Q(sync_claimed_until__lt=now),
        pk=connection_id,
    ).update(sync_claimed_until=now + claim_ttl(), sync_claim_token=token)
    if claimed != 1:
        return None
    SyncRun.objects.filter(connection_id=connection_id, outcome=SyncRun.Outcome.RUNNING).update(
        outcome=SyncRun.Outcome.FAILED,
        finished_at=now,
        message="Interrupted: the worker running it stopped; a later run took over.",
    )
    return token


def sync_claim_extend(*, connection_id: int, token: str, now: datetime) -> bool:
    """Renew the claim held under `token`; False (and nothing changes) if another run took it over."""
    return (
        XeroConnection.objects.filter(pk=connection_id, sync_claim_token=token).update(
            sync_claimed_until=now + claim_ttl()
        )
        == 1
    )


def sync_release(*, connection_id: int, token: str) -> None:
    """Give the claim held under `token` back, so the next sync need not wait for it to expire."""
    XeroConnection.objects.filter(pk=connection_id, sync_claim_token=token).update(
        sync_claimed_until=None, sync_claim_token=""
    )


def sync_queue_claim(*, connection_id: int, now: datetime) -> bool:
    """Mark an organisation-wide sync as queued; False when one already waits for a worker, so this request
    joins it instead of queueing another (at most one queued and one running per organisation). A mark older
    than the claim TTL is taken as lost with its task, and replaced."""
    return (
        XeroConnection.objects.filter(
            Q(sync_queued_at__isnull=True) | Q(sync_queued_at__lt=now - claim_ttl()),
            pk=connection_id,
        ).update(sync_queued_at=now)
        == 1
    )


def sync_queue_take(*, connection_id: int) -> None:
    """A worker started the queued sync: the next request queues a new one."""
    XeroConnection.objects.filter(pk=connection_id, sync_queued_at__isnull=False).update(sync_queued_at=None)


def sync_queued(connection: XeroConnection, *, now: datetime) -> bool:
    """Whether an organisation-wide sync of it waits for a worker (a mark older than the claim TTL is lost)."""
    return connection.sync_queued_at is not None and connection.sync_queued_at >= now - claim_ttl()
