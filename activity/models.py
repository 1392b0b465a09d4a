"""What people write down and plan about contacts and opportunities: notes (and logged calls, meetings and
emails) and follow-up tasks. Money events are not stored: they are derived from the ledger (`money_events.py`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Note(models.Model):
    """A note, or a logged call, meeting or email, about a contact (and, when written there, one of its
    opportunities). Who may see it follows its contact's team."""

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        CALL = "call", "Call"
        MEETING = "meeting", "Meeting"
        EMAIL = "email", "Email"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.NOTE)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="activity_notes")
    opportunity = models.ForeignKey(
        "opportunities.Opportunity", null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    # When the call or meeting took place (the timeline's date); `created_at` is when it was written down.
    happened_at = models.DateTimeField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-happened_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "happened_at"], name="note_contact_happened"),
            models.Index(fields=["opportunity", "happened_at"], name="note_opportunity_happened"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["note", "call", "meeting", "email"]), name="note_kind_valid"),
            models.CheckConstraint(condition=~Q(body=""), name="note_body_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.body[:50]}"


class Task(models.Model):
    """A follow-up for one owner by a due date, about a contact or opportunity or neither.

    A chase task is the follow-up of one overdue invoice (`invoice`): the database keeps it to one per invoice,
    and it completes itself once the invoice no longer has money due (`services.chase_tasks_complete_settled`).
    """

    title = models.CharField(max_length=200)
    due_on = models.DateField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks")
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    opportunity = models.ForeignKey(
        "opportunities.Opportunity", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    invoice = models.ForeignKey(
        "invoices.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="chase_tasks"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner", "completed_at", "due_on"], name="task_owner_open_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(invoice__isnull=False), name="one_chase_task_per_invoice"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="task_title_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None
