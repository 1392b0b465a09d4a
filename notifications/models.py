"""In-app notifications, and the record that an invoice's overdue alert went out (so it goes out once)."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """A message for one user, shown in the sidebar's count and on the notifications page until read."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(max_length=500)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read")]

    def __str__(self) -> str:
        return self.message

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class OverdueAlert(models.Model):
    """The overdue alert of one invoice: its unique invoice is what makes the alert go out once, even when two
    workers race."""

    invoice = models.OneToOneField("invoices.Invoice", on_delete=models.CASCADE, related_name="overdue_alert")
    notification = models.ForeignKey(Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Overdue alert for {self.invoice}"
