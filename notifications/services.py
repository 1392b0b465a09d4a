"""Writes to notifications: the overdue alerts, and marking notifications read."""

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from accounts.selectors import user_sees_money
from activity.services import chase_task_create, chase_tasks_complete_settled
from invoices.models import Invoice
from invoices.money import money_format
from notifications.models import Notification, OverdueAlert
from notifications.selectors import invoices_due_an_overdue_alert

logger = logging.getLogger(__name__)


def overdue_alerts_send(*, now: datetime) -> int:
    """Tell each overdue invoice's contact owner, in the app and by email, on the invoice's first overdue day in its
    organisation's timezone (see selectors.OVERDUE_ALERT_CATCH_UP_DAYS). Each invoice alerts once, however often or
    concurrently this runs: the OverdueAlert row is claimed first, under its unique invoice. Returns how many alerts
    went out. An email the mail server refuses is logged; its in-app notification stays.

    Each alert also gives the owner a "Chase <invoice>" task due on the first overdue day (one per invoice, held
    by the database), and every chase task whose invoice the sync has since seen paid, credited or voided is
    completed first (the sync also does that as it stores invoices), from stored data only.
    """
    closed = chase_tasks_complete_settled(now=now)
    if closed:
        logger.info("Chase tasks completed", extra={"tasks": closed})
    sent = 0
    for invoice in invoices_due_an_overdue_alert(now=now):
        with transaction.atomic():
            alert, created = OverdueAlert.objects.get_or_create(invoice=invoice, defaults={"sent_at": now})
            if not created:
                continue  # another run got here first
            message = _overdue_message(invoice)
            url = reverse("contacts:detail", args=[invoice.contact_id])
            alert.notification = Notification.objects.create(
                user=invoice.contact.owner, message=message, url=url, created_at=now
            )
            alert.save(update_fields=["notification"])
            chase_task_create(
                invoice=invoice, owner_id=invoice.contact.owner_id, due_on=invoice.due_on + timedelta(days=1), now=now
            )
        sent += 1
        try:
            send_mail(
                f"Overdue: {invoice.number or 'an invoice'} of {invoice.contact.name}",
                f"{message}\n\n{settings.SITE_URL}{url}\n",
                None,
                [invoice.contact.owner.email],
            )
        except (smtplib.SMTPException, OSError):
            logger.exception("Unable to email an overdue alert", extra={"invoice_id": invoice.pk})
    if sent:
        logger.info("Overdue alerts sent", extra={"alerts": sent})
    return sent


def _overdue_message(invoice: Invoice) -> str:
    """The alert's words; the amount only for an owner who may see money (`user_sees_money`)."""
    due, owner = invoice.due_on, invoice.contact.owner
    if not user_sees_money(user=owner):
        return (
            f"{invoice.number or 'An invoice'} of {invoice.contact.name} is overdue: it was due {due.day} {due:%b %Y}."
        )
    return (
        f"{invoice.number or 'An invoice'} of {invoice.contact.name} is overdue: "
        f"{money_format(invoice.amount_due, invoice.currency_code)} was due {due.day} {due:%b %Y}."
    )


def notification_mark_read(*, notification_id: int, user: User, now: datetime) -> Notification:
    """Mark one of the user's notifications read (again is harmless). Raises Notification.DoesNotExist for another
    user's."""
    notification = Notification.objects.get(pk=notification_id, user=user)
    if notification.read_at is None:
        notification.read_at = now
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User, now: datetime) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now)
