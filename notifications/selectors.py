"""Reads of notifications, and which invoices are due an overdue alert."""

from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from accounts.models import User
from invoices.models import Invoice
from invoices.organisations import organisation_todays
from invoices.overdue import outstanding_filter, overdue_filter
from notifications.models import Notification

# Alerts go out on an invoice's first overdue day, or within this many days of it when the hourly run was missed
# (a worker down, or the organisation connected today): invoices overdue for longer than that never alert, so
# connecting an organisation with a long overdue list sends no flood of emails.
OVERDUE_ALERT_CATCH_UP_DAYS = 3
NOTIFICATIONS_SHOWN = 50


def notifications_of(*, user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first (the latest NOTIFICATIONS_SHOWN)."""
    return Notification.objects.filter(user=user)[:NOTIFICATIONS_SHOWN]


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def invoices_due_an_overdue_alert(*, now: datetime) -> QuerySet[Invoice]:
    """Outstanding sales invoices with an owned contact, between 1 and OVERDUE_ALERT_CATCH_UP_DAYS days overdue in
    their organisation's local date at `now`, that have not been alerted yet (contact and owner loaded)."""
    outstanding = Invoice.objects.filter(outstanding_filter(), contact__owner__isnull=False, overdue_alert__isnull=True)
    todays = organisation_todays(organisation_ids=outstanding.values("organisation_id"), now=now)
    window = reduce(
        or_,
        (
            Q(organisation_id=organisation_id)
            & overdue_filter(today=today)
            & Q(due_on__gte=today - timedelta(days=OVERDUE_ALERT_CATCH_UP_DAYS))
            for organisation_id, today in todays.items()
        ),
        Q(pk__in=[]),
    )
    return outstanding.filter(window).select_related("contact__owner").order_by("due_on", "pk")
