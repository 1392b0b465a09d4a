from django.conf import settings
from django.db import models
from django.db.models import Q


class Import(models.Model):
    """One uploaded CSV file: its text, how its columns map to Capsync's fields, the progress of its run and
    the report of what was created, updated or skipped. It belongs to a team (the default team of its rows)."""

    class Kind(models.TextChoices):
        CONTACTS = "contacts", "People and organisations"
        OPPORTUNITIES = "opportunities", "Opportunities"

    class Status(models.TextChoices):
        MAPPING = "mapping", "Being mapped"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="imports"
    )
    filename = models.CharField(max_length=255)
    # The file itself, decoded: kept in the database so a worker on another machine reads the same bytes.
    content = models.TextField()
    kind = models.CharField(max_length=13, choices=Kind.choices, default=Kind.CONTACTS)
    # What a row without a Type column (or with it blank) is: "person" or "organisation".
    default_kind = models.CharField(max_length=12, default="person")
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=list)  # the field key of each column, by position ("" skips it)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.MAPPING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["contacts", "opportunities"]), name="import_kind_valid"),
            models.CheckConstraint(
                condition=Q(default_kind__in=["person", "organisation"]), name="import_default_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(processed_rows__lte=models.F("total_rows")), name="import_processed_within_total"
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return 100 * self.processed_rows // self.total_rows if self.total_rows else 0
