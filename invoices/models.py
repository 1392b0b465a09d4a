"""The ledger: accounting organisations and the CRM's mirror of their invoices, credit notes, payments, credit
allocations and quotes.

Rows are written only by `services` and `quotes` (called by the Xero sync) and read through `selectors`. Amounts
are Xero's own figures, in the document's currency (`currency_code`); nothing here converts or rounds them.
The ledger belongs to the CRM: nothing here points at the Xero integration, whose connection points at an
`Organisation` instead.
"""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from invoices.fields import XeroIdField


class TermsType(models.TextChoices):
    """Xero's PaymentTermType (see invoices/terms.py for the rule each one names): the organisation's terms here,
    a customer's on `contacts.Contact`."""

    DAYSAFTERBILLDATE = "DAYSAFTERBILLDATE", "day(s) after the invoice date"
    DAYSAFTERBILLMONTH = "DAYSAFTERBILLMONTH", "day(s) after the end of the invoice month"
    OFCURRENTMONTH = "OFCURRENTMONTH", "of the current month"
    OFFOLLOWINGMONTH = "OFFOLLOWINGMONTH", "of the following month"


class Organisation(models.Model):
    """An accounting organisation whose books the CRM mirrors (a Xero organisation), not a contact.

    Its local date ("today" for due dates) comes from `timezone`, an IANA name; amounts in `base_currency` are
    what base-currency totals add up to. The Xero connection that fills it points here, one to one.
    """

    name = models.CharField(max_length=255)
    short_code = models.CharField(max_length=20, blank=True)
    base_currency = models.CharField(max_length=3, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    # The organisation's sales payment terms (Xero's Organisation.PaymentTerms.Sales); empty type: none set.
    sales_terms_day = models.PositiveSmallIntegerField(null=True, blank=True)
    sales_terms_type = models.CharField(max_length=20, choices=TermsType.choices, blank=True)
    # When the catalogue below (items, accounts, tax rates, tracking) was last read whole (None: never).
    catalogue_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """How the organisation is named wherever its data appears."""
        return f"{self.name} ({self.base_currency})" if self.base_currency else self.name


class Invoice(models.Model):
    """One Xero invoice or credit note of one accounting organisation.

    `currency_rate` is Xero's CurrencyRate: units of the document's currency per 1 unit of the organisation's base
    currency (Xero shows it as "1 GBP = 1.170000 EUR"), so base amount = amount / currency_rate. It is null (read
    as 1) when the document is in the base currency.
    """

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        CREDIT_NOTE = "credit_note", "Credit note"

    class Type(models.TextChoices):
        ACCREC = "ACCREC", "Sales invoice"
        ACCPAY = "ACCPAY", "Bill"
        ACCRECCREDIT = "ACCRECCREDIT", "Sales credit note"
        ACCPAYCREDIT = "ACCPAYCREDIT", "Supplier credit note"

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        SUBMITTED = "SUBMITTED", "Submitted"
        AUTHORISED = "AUTHORISED", "Authorised"
        PAID = "PAID", "Paid"
        VOIDED = "VOIDED", "Voided"
        DELETED = "DELETED", "Deleted"

    # No index of their own on organisation, contact and xero_contact_id: each leads a composite index below that
    # every reader (and foreign key check) uses, and every index costs each row the sync writes.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="invoices", db_index=False)
    xero_id = XeroIdField()
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices", db_index=False
    )
    xero_contact_id = XeroIdField()
    kind = models.CharField(max_length=11, choices=Kind.choices)
    type = models.CharField(max_length=12, choices=Type.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    number = models.CharField(max_length=255, blank=True)
    reference = models.CharField(max_length=255, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    currency_code = models.CharField(max_length=3)
    currency_rate = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    sub_total = models.DecimalField(max_digits=18, decimal_places=2)
    total_tax = models.DecimalField(max_digits=18, decimal_places=2)
    total = models.DecimalField(max_digits=18, decimal_places=2)
    amount_due = models.DecimalField(max_digits=18, decimal_places=2)
    amount_paid = models.DecimalField(max_digits=18, decimal_places=2)
    amount_credited = models.DecimalField(max_digits=18, decimal_places=2)
    remaining_credit = models.DecimalField(max_digits=18, decimal_places=2)
    fully_paid_on = models.DateField(null=True, blank=True)
    xero_updated_at = models.DateTimeField()
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "xero_id"], name="invoice_unique_per_organisation"),
            models.CheckConstraint(
                condition=Q(kind="invoice", type__in=["ACCREC", "ACCPAY"])
                | Q(kind="credit_note", type__in=["ACCRECCREDIT", "ACCPAYCREDIT"]),
                name="invoice_kind_matches_type",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"]),
                name="invoice_status_valid",
            ),
            models.CheckConstraint(condition=Exact(Length("currency_code"), 3), name="invoice_currency_is_iso_code"),
            models.CheckConstraint(
                condition=Q(currency_rate__isnull=True) | Q(currency_rate__gt=0), name="invoice_currency_rate_positive"
            ),
            # Xero refuses documents with a negative total, and the settlement figures can't go below zero.
            # SubTotal and TotalTax are left free: a discount line can make the tax of a positive invoice negative.
            models.CheckConstraint(
                condition=Q(total__gte=0)
                & Q(amount_due__gte=0)
                & Q(amount_paid__gte=0)
                & Q(amount_credited__gte=0)
                & Q(remaining_credit__gte=0),
                name="invoice_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(kind="credit_note") | Q(remaining_credit=0), name="only_credit_notes_have_remaining_credit"
            ),
        ]
        indexes = [
            models.Index(fields=["contact", "kind", "status"], name="invoice_contact_kind_status"),
            models.Index(fields=["organisation", "xero_updated_at"], name="invoice_organisation_updated"),
            # The invoices of one Xero contact, as relinking and unlinking look for them.
            models.Index(fields=["organisation", "xero_contact_id"], name="invoice_org_xero_contact"),
            # What customers owe: the outstanding sales invoices (about one in eight) with every column the
            # dashboard, the "has overdue" filter and the contact's panel read of them, so PostgreSQL answers
            # from the index alone. Its condition is invoices.overdue.outstanding_filter's.
            models.Index(
                fields=["contact", "due_on", "organisation", "currency_code", "amount_due", "currency_rate"],
                name="invoice_outstanding_sales",
                condition=Q(type="ACCREC", status="AUTHORISED", amount_due__gt=0),
            ),
            # The same invoices oldest due date first, for the dashboard's longest-overdue accounts.
            models.Index(
                fields=["organisation", "due_on", "contact"],
                name="invoice_outstanding_by_due",
                condition=Q(type="ACCREC", status="AUTHORISED", amount_due__gt=0),
            ),
            # Sales invoices whose reference names an opportunity (OPP-<id>[-<n>], opportunities.billing), by
            # contact: the dashboard's "won, not yet invoiced" sums them per won opportunity.
            models.Index(
                fields=["contact", "currency_code", "reference"],
                name="invoice_opportunity_reference",
                condition=Q(type="ACCREC", reference__startswith="OPP-"),
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.get_kind_display()} {self.xero_id}"

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE


class Payment(models.Model):
    """A Xero payment applied to an invoice or credit note, in the document's currency."""

    class Status(models.TextChoices):
        AUTHORISED = "AUTHORISED", "Authorised"
        DELETED = "DELETED", "Deleted"

    # Indexed by payment_unique_per_invoice, which it leads.
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="payments", db_index=False)
    xero_id = XeroIdField()
    paid_on = models.DateField()
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    # Xero's CurrencyRate at payment time, same direction as Invoice.currency_rate; null in the base currency.
    currency_rate = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)

    class Meta:
        ordering = ["paid_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "xero_id"], name="payment_unique_per_invoice"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
            models.CheckConstraint(condition=Q(status__in=["AUTHORISED", "DELETED"]), name="payment_status_valid"),
            models.CheckConstraint(
                condition=Q(currency_rate__isnull=True) | Q(currency_rate__gt=0), name="payment_currency_rate_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Payment {self.xero_id}"


class CreditAllocation(models.Model):
    """Part of a credit note applied to an invoice (named by its Xero ID: it may not be mirrored here)."""

    credit_note = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="allocations")
    invoice_xero_id = models.CharField(max_length=64)
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    allocated_on = models.DateField()

    class Meta:
        ordering = ["allocated_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="credit_allocation_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Credit allocation to {self.invoice_xero_id}"


class Quote(models.Model):
    """One Xero quote of one accounting organisation, as last read from Xero (or as Xero answered its creation).

    `opportunity` is set when the quote's reference names an opportunity of the same contact (see
    `invoices.quotes.opportunity_reference`); quotes made from an opportunity carry that reference.
    """

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        SENT = "SENT", "Sent"
        DECLINED = "DECLINED", "Declined"
        ACCEPTED = "ACCEPTED", "Accepted"
        INVOICED = "INVOICED", "Invoiced"
        DELETED = "DELETED", "Deleted"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="quotes")
    xero_id = models.CharField(max_length=64)
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes"
    )
    xero_contact_id = models.CharField(max_length=64, db_index=True)
    opportunity = models.ForeignKey(
        "opportunities.Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes"
    )
    number = models.CharField(max_length=255, blank=True)
    reference = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    currency_code = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=18, decimal_places=2)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    xero_updated_at = models.DateTimeField()
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "xero_id"], name="quote_unique_per_organisation"),
            models.CheckConstraint(
                condition=Q(status__in=["DRAFT", "SENT", "DECLINED", "ACCEPTED", "INVOICED", "DELETED"]),
                name="quote_status_valid",
            ),
            models.CheckConstraint(condition=Exact(Length("currency_code"), 3), name="quote_currency_is_iso_code"),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="quote_organisation_status")]

    def __str__(self) -> str:
        return self.number or f"Quote {self.xero_id}"


# The organisation's catalogue, as the sync last read it: what invoice lines are made of (invoices/catalogue.py).


class Item(models.Model):
    """A Xero Item as sold: the defaults a line picked from it gets (unit price, account, tax type)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="items")
    xero_id = models.CharField(max_length=64)
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    is_sold = models.BooleanField(default=True)
    is_tracked_as_inventory = models.BooleanField(default=False)
    unit_price = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    account_code = models.CharField(max_length=10, blank=True)
    tax_type = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["code", "pk"]
        constraints = [models.UniqueConstraint(fields=["organisation", "xero_id"], name="item_unique_per_organisation")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class LedgerAccount(models.Model):
    """A revenue account of the organisation's chart (Class REVENUE), which sales lines may be coded to."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="accounts")
    xero_id = models.CharField(max_length=64)
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, default="ACTIVE")
    tax_type = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "xero_id"], name="ledger_account_unique_per_organisation")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TaxRate(models.Model):
    """A tax rate of the organisation, named by its TaxType (Xero's key: tax rates have no id)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tax_rates")
    tax_type = models.CharField(max_length=50)
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, default="ACTIVE")
    effective_rate = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    can_apply_to_revenue = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "tax_type"], name="tax_rate_unique_per_organisation")
        ]

    def __str__(self) -> str:
        return self.name


class TrackingOption(models.Model):
    """One option of a tracking category; `is_active` when both the category and the option are active."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tracking_options")
    xero_id = models.CharField(max_length=64)
    category_xero_id = models.CharField(max_length=64)
    category_name = models.CharField(max_length=100)
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category_name", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "xero_id"], name="tracking_option_unique_per_organisation")
        ]

    def __str__(self) -> str:
        return f"{self.category_name}: {self.name}"


class ReceivableSummary(models.Model):
    """What customers owe, per organisation, CRM team, currency and due date: the dashboard's receivables read
    these few thousand rows instead of every outstanding sales invoice.

    Kept by PostgreSQL itself (migration 0009): statement-level triggers on the invoices (insert, update, delete:
    the sync's COPY upserts, relinks and a contact's deletion all reach it) and on the contacts (a contact moved
    to another team) add the changed rows' amounts and take away the old ones, set-based and in the same
    transaction as the write. Only outstanding sales invoices count (`invoices.overdue.outstanding_filter`), and
    only those attached to a CRM contact. SQLite (the demo) has no triggers: there the table stays empty and the
    receivables are read from the invoices (`invoices.receivables`).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    currency_code = models.CharField(max_length=3)
    due_on = models.DateField(null=True)
    amount_due = models.DecimalField(max_digits=24, decimal_places=2)
    # Each invoice's amount_due / CurrencyRate (invoices.organisations.in_base), summed unrounded.
    amount_due_base = models.DecimalField(max_digits=36, decimal_places=12)
    invoice_count = models.IntegerField()

    class Meta:
        # Its key (organisation, team, currency, due date; NULLS NOT DISTINCT, which SQLite lacks) is a unique
        # index made with the triggers in migration 0009, on PostgreSQL only.
        # The triggers delete the keys a write left with no invoice: this finds them without a scan.
        indexes = [
            models.Index(fields=["invoice_count"], name="receivable_summary_emptied", condition=Q(invoice_count=0))
        ]

    def __str__(self) -> str:
        return f"{self.currency_code} {self.amount_due} due {self.due_on} ({self.invoice_count} invoices)"
