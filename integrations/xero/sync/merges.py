"""Following merges made in Xero: a link on a Xero contact merged away moves to the contact it was merged into."""

import logging
from datetime import datetime

from django.db import transaction

from integrations.xero.models import MatchConflict, XeroContact
from integrations.xero.sync.contacts import contact_link

logger = logging.getLogger(__name__)


# How many merges in a row one sync follows (A merged into B, then B into C, between two syncs).
MERGE_CHAIN_MAX = 10


def merges_follow(*, connection_id: int, now: datetime) -> int:
    """Move each link from a Xero contact merged away in Xero to the contact it was merged into, when that one is
    known and not linked yet: the CRM contact follows the merge, instead of gaining a duplicate or a conflict.
    A conflict the survivor was waiting in is closed as linked by the sync (no admin named), kept for the audit.
    A chain of merges (the survivor merged away in turn) is followed to its end.

    Returns how many links moved. Invoices of the survivor are attached afterwards by the sync's relink step.
    """
    moved = 0
    for _ in range(MERGE_CHAIN_MAX):
        step = _merges_follow_once(connection_id=connection_id, now=now)
        if not step:
            break
        moved += step
    return moved


def _merges_follow_once(*, connection_id: int, now: datetime) -> int:
    moved = 0
    merged_away = XeroContact.objects.filter(
        connection_id=connection_id, link_state=XeroContact.LinkState.LINKED
    ).exclude(merged_into_xero_id="")
    for away in merged_away:
        with transaction.atomic():
            survivor = (
                XeroContact.objects.select_for_update()
                .filter(
                    connection_id=connection_id,
                    xero_id=away.merged_into_xero_id,
                    link_state__in=[XeroContact.LinkState.UNLINKED, XeroContact.LinkState.CONFLICT],
                )
                .first()
            )
            if survivor is None:
                continue
            contact_id = away.contact_id
            away.contact = None
            away.link_state = XeroContact.LinkState.UNLINKED
            away.save(update_fields=["contact", "link_state"])
            contact_link(xero_contact=survivor, contact_id=contact_id, following=away)
            survivor.conflicts.filter(status=MatchConflict.Status.OPEN).update(
                status=MatchConflict.Status.RESOLVED,
                resolution=MatchConflict.Resolution.LINKED,
                resolved_contact_id=contact_id,
                resolved_at=now,
            )
        logger.info(
            "Xero contact merge followed", extra={"connection_id": connection_id, "xero_contact_id": survivor.xero_id}
        )
        moved += 1
    return moved
