"""The Xero integration's tables: grants and connections, the mirror of Xero contacts, sync runs and errors,
webhook events, match and name conflicts, requests to create quotes and invoices.

Longer than 400 lines because Django finds an app's models in one module, and these tables are one app's: each
class is fields, constraints and small properties (STYLE rule 10), with no logic to split out.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q


class XeroGrant(models.Model):
    """One consent given at Xero: the token pair that covers every organisation linked in it.

    Xero issues one access/refresh token pair per consent, whatever the number of organisations picked, and
    refresh tokens are single use, so the organisations of one consent must share this row (and its lock).
    Tokens are Fernet-encrypted (see auth.py); nothing else reads these columns.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
        REVOKED = "revoked", "Revoked"

    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="xero_grants"
    )
    auth_event_id = models.CharField(max_length=64, blank=True)
    xero_user_id = models.CharField(max_length=64, blank=True)
    scopes = models.TextField(blank=True)
    access_token_encrypted = models.TextField(editable=False)
    refresh_token_encrypted = models.TextField(editable=False)
    access_token_expires_at = models.DateTimeField()
    refreshed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Xero consent {self.pk} by {self.connected_by or 'a former user'}"


class XeroConnection(models.Model):
    """The link to one Xero organisation: its consent, the options chosen in the connect wizard, the sync's claim.

    The organisation itself (name, short code, base currency, time zone) is the CRM's `invoices.Organisation`,
    which the invoices and quotes point at; this row points at it, one to one, and reads its details through it.
    """

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
        DISCONNECTED = "disconnected", "Disconnected"

    class InvoiceStatus(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        AUTHORISED = "AUTHORISED", "Approved"

    class Suppliers(models.TextChoices):
        IGNORE = "ignore", "Ignore suppliers"
        IMPORT = "import", "Import suppliers as contacts"
        IMPORT_TAGGED = "import_tagged", "Import suppliers and tag them “Supplier”"

    grant = models.ForeignKey(XeroGrant, null=True, blank=True, on_delete=models.SET_NULL, related_name="connections")
    tenant_id = models.CharField(max_length=64, unique=True)
    xero_connection_id = models.CharField(max_length=64, blank=True)
    organisation = models.OneToOneField(
        "invoices.Organisation", on_delete=models.PROTECT, related_name="xero_connection"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    status_reason = models.CharField(max_length=255, blank=True)
    # Wizard options.
    is_configured = models.BooleanField(default=False)
    suppliers = models.CharField(max_length=20, choices=Suppliers.choices, default=Suppliers.IGNORE)
    default_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="xero_connections"
    )
    sync_interval_seconds = models.PositiveIntegerField(default=2 * 60 * 60)
    push_crm_edits = models.BooleanField(default=True)
    # Where an open opportunity moves when the sync sees its quote become ACCEPTED (None: it stays put).
    # Who wins each field group of a linked contact, {group: "crm" | "xero"}; a group left out is the CRM's
    # (ownership.py holds the groups and their rules).
    field_owners = models.JSONField(default=dict, blank=True)
    accepted_quote_milestone = models.ForeignKey(
        "opportunities.Milestone", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Invoices made from opportunities: the status offered first, and the account and tax type of a line whose item
    # (if any) names none (empty: Xero's own defaults apply).
    invoice_status = models.CharField(max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    sales_account_code = models.CharField(max_length=10, blank=True)
    sales_tax_type = models.CharField(max_length=50, blank=True)
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    # One sync per organisation at a time: a claim taken with a conditional UPDATE, which expires by itself
    # if its holder dies (see sync/run.py).
    sync_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    sync_claim_token = models.CharField(max_length=32, blank=True, editable=False)
    # When an organisation-wide sync was queued and no worker has started it yet (None: none waits). Taken with a
    # conditional UPDATE, so clicks and beat ticks coalesce into one queued run (see sync/claims.py).
    sync_queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Xero's daily allowance for the organisation, as its X-DayLimit-Remaining said after the last run, and when
    # the day window that figure belongs to began (see sync/budget.py).
    day_calls_remaining = models.PositiveIntegerField(null=True, blank=True, editable=False)
    day_window_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Why beat held a scheduled sync back to save the day's allowance (empty: nothing held back).
    day_budget_note = models.CharField(max_length=255, blank=True, editable=False)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="xero_connections"
    )
    connected_at = models.DateTimeField()
    disconnected_at = models.DateTimeField(null=True, blank=True)
    last_successful_sync_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sync_interval_seconds__gte=5 * 60), name="xero_sync_interval_at_least_5_minutes"
            ),
            models.CheckConstraint(
                condition=Q(status="disconnected") | Q(grant__isnull=False), name="live_connection_has_a_grant"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def next_sync_at(self) -> datetime | None:
        """When beat will next sync it (needs `last_sync_started`, annotated by the settings selector)."""
        last = getattr(self, "last_sync_started", None)
        if self.status != self.Status.CONNECTED or not self.is_configured:
            return None
        if last is None:
            return self.rate_limited_until
        due = last + timedelta(seconds=self.sync_interval_seconds)
        return max(due, self.rate_limited_until) if self.rate_limited_until else due

    # The organisation's details, read through it (load connections with select_related("organisation")).
    @property
    def name(self) -> str:
        return self.organisation.name

    @property
    def short_code(self) -> str:
        return self.organisation.short_code

    @property
    def base_currency(self) -> str:
        return self.organisation.base_currency

    @property
    def timezone(self) -> str:
        return self.organisation.timezone

    @property
    def label(self) -> str:
        """How the organisation is named wherever its data appears."""
        return self.organisation.label


class XeroContact(models.Model):
    """A Xero contact as last read, and its link to a CRM contact.

    Xero's details are kept for matching and for showing evidence in conflicts; once linked, the CRM contact is
    the source of truth and these fields are never copied over it.
    """

    class LinkState(models.TextChoices):
        UNLINKED = "unlinked", "Not brought in (not a paying customer)"
        LINKED = "linked", "Linked"
        CONFLICT = "conflict", "Conflict waiting for an admin"
        IGNORED = "ignored", "Ignored by an admin"

    class PushState(models.TextChoices):
        IN_SYNC = "in_sync", "In sync"
        PENDING = "pending", "Waiting to be sent to Xero"
        FAILED = "failed", "Xero refused the last change"

    connection = models.ForeignKey(XeroConnection, on_delete=models.PROTECT, related_name="xero_contacts")
    xero_id = models.CharField(max_length=64)
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="xero_links"
    )
    link_state = models.CharField(max_length=10, choices=LinkState.choices, default=LinkState.UNLINKED)
    name = models.CharField(max_length=255)
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=255, blank=True)
    # Xero's ContactNumber: "CAPSYNC-<CRM contact id>" on contacts Capsync created (sync/matching.py).
    contact_number = models.CharField(max_length=50, blank=True)
    phones = models.JSONField(default=list, blank=True)
    # The same numbers by Xero's PhoneType ({"DEFAULT": "01225 1234", "MOBILE": ...}), as field ownership reads them.
    phones_by_type = models.JSONField(default=dict, blank=True)
    # [{"type": "STREET", "lines": [...], "city", "region", "postal_code", "country"}, ...]
    addresses = models.JSONField(default=list, blank=True)
    # ContactPersons: [{"first_name", "last_name", "email", "include_in_emails"}] (at most five, Xero's limit).
    persons = models.JSONField(default=list, blank=True)
    tax_number = models.CharField(max_length=50, blank=True)
    account_number = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=12, default="ACTIVE")
    is_customer = models.BooleanField(default=False)
    is_supplier = models.BooleanField(default=False)
    is_paying = models.BooleanField(default=False)
    xero_updated_at = models.DateTimeField()
    # Set when this contact was merged into another in Xero: its link follows the merge (sync/contacts.py).
    merged_into_xero_id = models.CharField(max_length=64, blank=True)
    # CRM edits sent to Xero (sync/push.py). `pushed_at` is the CRM contact's `updated_at` as Xero last accepted it
    # (set on linking, so only later edits are sent); `push_error` is Xero's reason when it refused the last one.
    push_state = models.CharField(max_length=8, choices=PushState.choices, default=PushState.IN_SYNC)
    push_error = models.TextField(blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    # Field ownership (ownership.py): each field group's value as both sides last agreed on it, {group: value};
    # a change since then on either side is an edit. `reconciled_at` is Xero's version (`xero_updated_at`) those
    # values were last reconciled with, so a sync reconciles only the links Xero changed since.
    synced = models.JSONField(default=dict, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    # Xero's PaymentTerms.Sales of this contact as last read (empty type: none). Not where Capsync reads the
    # contact's terms (that is the CRM contact's `payment_terms_*`): field ownership compares it with them.
    sales_terms_day = models.PositiveSmallIntegerField(null=True, blank=True)
    sales_terms_type = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "xero_id"], name="xero_contact_unique_per_connection"),
            models.UniqueConstraint(
                fields=["connection", "contact"],
                condition=Q(contact__isnull=False),
                name="crm_contact_linked_once_per_connection",
            ),
            models.CheckConstraint(
                condition=Q(link_state="linked", contact__isnull=False) | ~Q(link_state="linked"),
                name="linked_xero_contact_has_a_crm_contact",
            ),
        ]
        indexes = [
            models.Index(fields=["connection", "link_state"]),
            # The few edits Xero refused, counted on every dashboard (sync health) among 100,000s of contacts.
            models.Index(fields=["connection"], name="xero_contact_push_failed", condition=Q(push_state="failed")),
        ]

    def __str__(self) -> str:
        return self.name


class MatchConflict(models.Model):
    """A question for an admin, of one of two kinds.

    MATCH: a paying Xero contact whose CRM match is doubtful (`candidates` holds the evidence). NAME: the name of
    CRM contact `contact` (`name`) is already held in Xero by `xero_contact`, active or archived, so it cannot be
    pushed or created there (sync/names.py): link to that Xero contact, rename, or cancel.
    """

    class Kind(models.TextChoices):
        MATCH = "match", "Doubtful match"
        NAME = "name", "Name already in Xero"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    class Resolution(models.TextChoices):
        LINKED = "linked", "Linked to an existing contact"
        CREATED = "created", "Created a new contact"
        IGNORED = "ignored", "Ignored the Xero contact"
        RENAMED = "renamed", "Renamed the Capsync contact"
        CANCELLED = "cancelled", "Cancelled the change"
        CLEARED = "cleared", "The name became free in Xero"

    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.MATCH)
    xero_contact = models.ForeignKey(XeroContact, on_delete=models.CASCADE, related_name="conflicts")
    # [{"contact_id": 1, "score": 60, "evidence": ["same name", "same phone"]}, ...], strongest first.
    candidates = models.JSONField(default=list)
    # NAME only: the CRM contact whose name clashed, and that name.
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="xero_name_conflicts"
    )
    name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)
    resolved_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["xero_contact"],
                condition=Q(status="open", kind="match"),
                name="one_open_conflict_per_xero_contact",
            ),
            models.UniqueConstraint(
                fields=["xero_contact", "contact"],
                condition=Q(status="open", kind="name"),
                name="one_open_name_conflict_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(kind="match") | Q(contact__isnull=False),
                name="name_conflict_has_a_crm_contact",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.NAME:
            return f"Name {self.name} already in Xero"
        return f"Match for {self.xero_contact.name}"


class SyncRun(models.Model):
    """One run of the sync for one organisation, with its progress and outcome (the sync health page)."""

    class Kind(models.TextChoices):
        FULL = "full", "Full reconcile"
        INCREMENTAL = "incremental", "Incremental"
        WEBHOOK = "webhook", "Webhook"
        CONTACT = "contact", "One contact"

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Partly done"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (another sync was running)"

    connection = models.ForeignKey(XeroConnection, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # The CRM contact a "one contact" run fetched ("Sync this contact now"); empty for other kinds.
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="xero_sync_runs"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    stage = models.CharField(max_length=100, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    api_calls = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # Where a run sliced into several tasks (sync/run.py, XERO_SYNC_SLICE_PAGES) goes on: the slice to run next,
    # the step and page, its claim's token, Xero's clock for the cursors, the paying contacts met so far and the
    # minute window. Null once the run has finished, and for runs done in one task.
    resume = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["connection", "-started_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="contact", contact__isnull=False) | ~Q(kind="contact"),
                name="contact_sync_run_names_its_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} sync of {self.connection} ({self.get_outcome_display()})"


class SyncError(models.Model):
    """A record Xero sent that could not be parsed or applied, kept with its raw payload for an admin."""

    connection = models.ForeignKey(XeroConnection, on_delete=models.CASCADE, related_name="sync_errors")
    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="errors")
    resource = models.CharField(max_length=20)
    record_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField()
    # Xero's record as received; its amounts were decoded as Decimal, which this encoder keeps exact as text.
    payload = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.resource} {self.record_id or '(no id)'}: {self.reason[:60]}"


class SyncCursor(models.Model):
    """How far an organisation's resource has been read: the newest UpdatedDateUTC actually stored."""

    connection = models.ForeignKey(XeroConnection, on_delete=models.CASCADE, related_name="cursors")
    resource = models.CharField(max_length=20)
    modified_since = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "resource"], name="one_cursor_per_resource"),
        ]

    def __str__(self) -> str:
        return f"{self.connection} {self.resource} since {self.modified_since.isoformat()}"


class WebhookEvent(models.Model):
    """A Xero webhook event, stored under its own key before any work so duplicates are applied once."""

    event_key = models.CharField(max_length=64, unique=True)
    tenant_id = models.CharField(max_length=64)
    category = models.CharField(max_length=20)
    event_type = models.CharField(max_length=20)
    resource_id = models.CharField(max_length=64)
    event_date = models.DateTimeField()
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event_date", "id"]
        indexes = [models.Index(fields=["tenant_id", "processed_at"])]

    def __str__(self) -> str:
        return f"{self.category} {self.event_type} {self.resource_id}"


class CreateRequest(models.Model):
    """One submission of a "Create quote/invoice in Xero" form, keyed by the form's `submission_key` (sync/creates.py).

    A double click or a retry after a lost answer arrives with the same key, finds this row, and sends Xero the
    same body under the same Idempotency-Key (`idempotency_key`), so Xero makes one document. `form` is what was
    submitted (amounts as text), from which the Xero body is rebuilt identically on every attempt. The document
    made is `quote` or `invoice`, by `kind`.
    """

    class Kind(models.TextChoices):
        QUOTE = "quote", "Quote"
        INVOICE = "invoice", "Invoice"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for Xero"
        CREATED = "created", "Created in Xero"
        FAILED = "failed", "Refused by Xero"

    submission_key = models.UUIDField(unique=True)
    kind = models.CharField(max_length=7, choices=Kind.choices, default=Kind.QUOTE)
    connection = models.ForeignKey(XeroConnection, on_delete=models.PROTECT, related_name="create_requests")
    opportunity = models.ForeignKey("opportunities.Opportunity", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    form = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    quote = models.ForeignKey("invoices.Quote", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    invoice = models.ForeignKey("invoices.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} request {self.submission_key} ({self.get_status_display()})"

    @property
    def idempotency_key(self) -> str:
        # The submission's UUID, not the row id: ids repeat across installations and database resets, and Xero
        # would answer a repeated key with another submission's document.
        return f"capsync-{self.kind}-{self.submission_key}"
