from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact


class Milestone(models.Model):
    """A stage of the sales pipeline, shown as a column; `position` orders the columns."""

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=0)
    probability = models.PositiveSmallIntegerField(default=10, validators=[MaxValueValidator(100)])

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.CheckConstraint(condition=Q(probability__lte=100), name="milestone_probability_max_100")]

    def __str__(self) -> str:
        return self.name


class Opportunity(models.Model):
    """A deal with a contact, moving through the pipeline's milestones until it is won or lost."""

    class Outcome(models.TextChoices):
        OPEN = "open", "Open"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="opportunities")
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="opportunities")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities"
    )
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="opportunities")
    value = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0.00"))
    currency_code = models.CharField(max_length=3, default="GBP")
    probability = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    expected_close_date = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=4, choices=Outcome.choices, default=Outcome.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    # Why it was won or lost, as the salesperson put it; cleared when it is reopened.
    close_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["expected_close_date", "id"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="opportunity_value_not_negative"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="opportunity_probability_max_100"),
            models.CheckConstraint(
                condition=Exact(Length("currency_code"), 3), name="opportunity_currency_is_iso_code"
            ),
            models.CheckConstraint(
                condition=Q(outcome="open", closed_on__isnull=True) | Q(outcome__in=["won", "lost"]),
                name="open_opportunity_has_no_close_date",
            ),
        ]
        indexes = [
            # Won sales in the order the dashboard's "won, not yet invoiced" lists them (opportunities.billing):
            # it reads them by this index and stops at the first ten its invoices do not cover.
            models.Index(fields=["closed_on", "id"], name="opportunity_won_by_close", condition=Q(outcome="won")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.outcome == self.Outcome.OPEN

    @property
    def weighted_value(self) -> Decimal:
        """The value weighted by the probability of its milestone (what the pipeline expects to win)."""
        return (self.value * self.probability / 100).quantize(Decimal("0.01"))


MAX_RAISE_DAYS_BEFORE_DUE = 365


class InstalmentPlan(models.Model):
    """How a won opportunity's value is to be invoiced and paid: its instalments, in `position` order.

    `invoicing` says who raises the instalments' invoices: someone in Xero (matched here by their reference), or
    Capsync, all at once when asked or each `raise_days_before_due` days before it is due (the beat task
    `instalment_invoices_raise_due`), as `invoicing_set_by` (the user who chose it; else the admin who connected
    Xero), in `organisation` (none: the one organisation its contact is linked in).
    """

    class Invoicing(models.TextChoices):
        BY_HAND = "by_hand", "Made in Xero, matched by their reference"
        ON_DEMAND = "on_demand", "Raised by Capsync all at once, when asked"
        SCHEDULED = "scheduled", "Raised by Capsync, each a set number of days before it is due"

    opportunity = models.OneToOneField(Opportunity, on_delete=models.CASCADE, related_name="instalment_plan")
    invoicing = models.CharField(max_length=9, choices=Invoicing.choices, default=Invoicing.BY_HAND)
    raise_days_before_due = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_RAISE_DAYS_BEFORE_DUE)]
    )
    organisation = models.ForeignKey(
        "invoices.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invoicing_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(invoicing__in=["by_hand", "on_demand"])
                | Q(
                    invoicing="scheduled",
                    raise_days_before_due__isnull=False,
                    raise_days_before_due__lte=MAX_RAISE_DAYS_BEFORE_DUE,
                ),
                name="instalment_plan_invoicing_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Instalment plan of {self.opportunity}"


class Instalment(models.Model):
    """One part of a plan, matched (or not yet) to the Xero invoice that bills it."""

    class MatchedBy(models.TextChoices):
        AUTO = "auto", "Invoice reference"
        HAND = "hand", "By hand"

    plan = models.ForeignKey(InstalmentPlan, on_delete=models.CASCADE, related_name="instalments")
    position = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    currency_code = models.CharField(max_length=3)
    due_on = models.DateField()
    # One invoice bills at most one instalment (OneToOne); a vanished invoice leaves the instalment unmatched.
    invoice = models.OneToOneField(
        "invoices.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="instalment"
    )
    matched_by = models.CharField(max_length=4, choices=MatchedBy.choices, blank=True)
    # Raising its invoice in Xero (integrations/xero/sync/instalments.py): the request's key (one invoice per key,
    # however often it is sent), the claim of the worker raising it (lapses if that worker dies), and Xero's
    # refusal, which stops scheduled attempts until someone asks again.
    raise_key = models.UUIDField(null=True, blank=True, unique=True)
    raise_claimed_at = models.DateTimeField(null=True, blank=True)
    raise_error = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "position"]
        indexes = [
            # The beat task's look for instalments to raise: the ones not invoiced yet, by due date.
            models.Index(fields=["due_on"], name="instalment_uninvoiced_due", condition=Q(invoice__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="instalment_position_unique_per_plan"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
            models.CheckConstraint(condition=Q(position__gte=1), name="instalment_position_from_one"),
            models.CheckConstraint(condition=Exact(Length("currency_code"), 3), name="instalment_currency_is_iso_code"),
        ]

    def __str__(self) -> str:
        return f"Instalment {self.position} of {self.plan.opportunity}"


class OpportunityLine(models.Model):
    """One line item of what the opportunity sells, as it will be invoiced (opportunities/lines.py).

    `item_code` names a Xero Item of the organisation the line was priced in (`organisation`); `account_code` and
    `tax_type` are the codes chosen or taken from the item ("" leaves them to the organisation's defaults when the
    invoice is made). `discount_rate` is a percentage off the line (None: no discount).
    """

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    organisation = models.ForeignKey(
        "invoices.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item_code = models.CharField(max_length=30, blank=True)
    description = models.CharField(max_length=4000)
    quantity = models.DecimalField(max_digits=12, decimal_places=4)
    unit_amount = models.DecimalField(max_digits=18, decimal_places=4)
    discount_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    account_code = models.CharField(max_length=10, blank=True)
    tax_type = models.CharField(max_length=50, blank=True)
    tracking_option = models.ForeignKey(
        "invoices.TrackingOption", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["opportunity", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="opportunity_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_amount__gte=0), name="opportunity_line_unit_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_rate__isnull=True) | Q(discount_rate__gte=0, discount_rate__lte=100),
                name="opportunity_line_discount_is_a_percentage",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def line_amount(self) -> Decimal:
        """Quantity x unit price less the discount, to the cent (Xero rounds each line so)."""
        gross = self.quantity * self.unit_amount
        if self.discount_rate:
            gross = gross * (100 - self.discount_rate) / 100
        return gross.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
