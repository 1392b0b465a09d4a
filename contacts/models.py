from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Trim

from contacts.matching import name_key
from invoices.models import TermsType


class Tag(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_unique_ci")]

    def __str__(self) -> str:
        return self.name


class NameKeyField(models.CharField):
    """The contact's name as matching compares it (contacts.matching.name_key), so the Xero sync can look up the
    contacts of a name by index instead of holding every contact's name in memory.

    Kept like `auto_now`: every save() and bulk_create() sets it from `name`. Writes that skip pre_save (a
    queryset's update(), bulk_update(), COPY) must set it themselves, from `name_key`."""

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = name_key(getattr(model_instance, "name"))  # noqa: B009  # any model with a `name`
        setattr(model_instance, self.attname, value)
        return value


# Xero's limit on a contact's persons (beside its own email): who may get an organisation's invoices.
PEOPLE_GETTING_INVOICES_MAX = 5


class Contact(models.Model):
    """A person or an organisation, owned by one team. A person may belong to an organisation."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    # Display name: the organisation's name, or the person's "first last" (kept for search and sorting).
    name = models.CharField(max_length=255)
    name_key = NameKeyField(max_length=255, blank=True, default="", editable=False)
    title = models.CharField(max_length=20, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    job_title = models.CharField(max_length=150, blank=True)
    organisation = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        limit_choices_to={"kind": "organisation"},
    )
    about = models.TextField(blank=True)
    # A person of an organisation who gets its invoices and reminders (sent to Xero as a contact person with
    # IncludeInEmails); at most PEOPLE_GETTING_INVOICES_MAX per organisation, Xero's limit on contact persons.
    # Meaningless without an organisation (one deleted leaves the flag, which nothing then reads).
    gets_invoices = models.BooleanField(default=False, db_default=False)
    # The customer's payment terms (Xero's PaymentTerms.Sales), the one place Capsync keeps them (due dates, the
    # forecast and field ownership read them here): a day and how it counts; no day means the
    # accounting system's default applies.
    payment_terms_day = models.PositiveSmallIntegerField(null=True, blank=True)
    payment_terms_type = models.CharField(
        max_length=20, blank=True, default="", db_default="", choices=TermsType.choices
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="contacts")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_contacts"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Archived contacts leave lists and pickers but keep their page, history and Xero link; null while active.
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(Lower("name"), name="contact_name_lower_idx"),
            models.Index(fields=["team", "name"]),
            # The list's order: its first page is read in this order, stopping after 50 visible contacts.
            models.Index(fields=["name", "id"], name="contact_name_id_idx"),
            # The Xero sync's matching looks up the contacts of a name (integrations.xero.sync.contacts).
            models.Index(fields=["name_key"], name="contact_name_key_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["person", "organisation"]), name="contact_kind_valid"),
            models.CheckConstraint(condition=~Q(name=""), name="contact_name_not_empty"),
            models.CheckConstraint(
                condition=Q(kind="person") | Q(organisation__isnull=True), name="only_people_belong_to_organisations"
            ),
            models.CheckConstraint(
                condition=Q(payment_terms_day__isnull=True, payment_terms_type="")
                | Q(payment_terms_day__isnull=False, payment_terms_type__in=TermsType.values),
                name="payment_terms_day_and_type_together",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_person(self) -> bool:
        return self.kind == self.Kind.PERSON

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def primary_email(self) -> str:
        first = next(iter(self.emails.all()), None)
        return first.address if first else ""


class EmailAddress(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField()
    label = models.CharField(max_length=20, blank=True, default="work")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(Lower("address"), name="email_address_lower_idx"),
            # contacts.matching.email_key: the Xero sync's matching looks up the contacts of an email by it.
            models.Index(Lower(Trim("address")), name="email_address_key_idx"),
        ]
        constraints = [
            models.UniqueConstraint("contact", Lower("address"), name="email_unique_per_contact"),
        ]

    def __str__(self) -> str:
        return self.address


class PhoneNumber(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=50)
    label = models.CharField(max_length=20, blank=True, default="work")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.number


class Address(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=20, blank=True, default="office")
    street = models.CharField(max_length=500, blank=True)
    city = models.CharField(max_length=255, blank=True)
    region = models.CharField(max_length=255, blank=True)
    postcode = models.CharField(max_length=50, blank=True)
    country = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return ", ".join(part for part in [self.street, self.city, self.postcode, self.country] if part)
