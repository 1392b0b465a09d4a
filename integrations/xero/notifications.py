"""Emails about a connection's health, sent through Django's email backend after the change is committed."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from integrations.xero.models import XeroGrant

logger = logging.getLogger(__name__)


def needs_reconnect_email(*, grant_id: int) -> None:
    """Tell the admin who connected the organisations that Xero stopped accepting Capsync's access."""
    grant = XeroGrant.objects.select_related("connected_by").get(pk=grant_id)
    if grant.connected_by is None or not grant.connected_by.email:
        logger.warning("No admin to tell about a lost Xero connection", extra={"grant_id": grant_id})
        return
    names = ", ".join(grant.connections.values_list("organisation__name", flat=True)) or "your Xero organisation"
    send_mail(
        subject="Capsync: reconnect Xero",
        message=(
            f"Xero no longer accepts Capsync's access to {names}, so syncing has paused. Nothing was deleted.\n\n"
            f"Reason: {grant.status_reason}\n\n"
            f"Reconnect in Settings > Integrations: {settings.SITE_URL}{reverse('xero:integrations')}\n"
        ),
        from_email=None,
        recipient_list=[grant.connected_by.email],
    )
