"""What the contacts app announces, so other apps can react without the CRM importing them."""

import logging
from collections.abc import Iterable

from django.apps import apps
from django.dispatch import Signal

logger = logging.getLogger(__name__)

# Sent with `contact_id` once a contact's details (name, job title, emails, phones, address) have been written.
# The sender's transaction may still be open: a receiver that starts work elsewhere defers it until commit.
contact_changed = Signal()


def contact_changed_announce(contact_ids: Iterable[int]) -> None:
    """Send contact_changed for each contact. Robust: the edit is saved whatever a receiver does; a failing one
    (say, a broker that is down) is logged."""
    sender = apps.get_model("contacts", "Contact")  # not imported: this module loads before the app registry
    for contact_id in contact_ids:
        for receiver, error in contact_changed.send_robust(sender=sender, contact_id=contact_id):
            if error is not None:
                logger.error(
                    "A contact_changed receiver failed",
                    exc_info=error,
                    extra={"contact_id": contact_id, "receiver": getattr(receiver, "__qualname__", "")},
                )
