import uuid
from datetime import date
from decimal import Decimal
from typing import Self

from django import forms
from django.http import QueryDict

from accounts.models import Team
from integrations.xero import ownership
from integrations.xero.models import XeroConnection
from invoices import catalogue
from invoices.bounds import QUANTITY_MAX, date_field, money_field, money_in_range
from opportunities.models import Milestone

SYNC_INTERVALS = [
    (30 * 60, "Every 30 minutes"),
    (60 * 60, "Every hour"),
    (2 * 60 * 60, "Every 2 hours (recommended)"),
    (6 * 60 * 60, "Every 6 hours"),
    (24 * 60 * 60, "Once a day"),
]


OWNER_CHOICES = [
    (ownership.Owner.CRM, "Capsync wins (edits made here are sent to Xero)"),
    (ownership.Owner.XERO, "Xero wins (managed in Xero, read-only here)"),
]


class ConnectionOptionsForm(forms.Form):
    suppliers = forms.ChoiceField(
        choices=XeroConnection.Suppliers.choices,
        widget=forms.RadioSelect,
        help_text="Suppliers are Xero contacts you buy from. Customers are always brought in.",
    )
    default_team = forms.ModelChoiceField(
        queryset=Team.objects.all(),
        empty_label=None,
        help_text="New contacts brought in from this organisation belong to this team.",
    )
    sync_interval_seconds = forms.TypedChoiceField(choices=SYNC_INTERVALS, coerce=int, label="Sync")
    push_crm_edits = forms.BooleanField(
        required=False,
        label="Send edits made in Capsync to Xero",
        help_text="Capsync is the source of truth for contact details of linked contacts.",
    )
    accepted_quote_milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.all(),
        required=False,
        empty_label="Leave the opportunity where it is",
        label="When a quote is accepted in Xero",
        help_text="Move its opportunity (if still open) to this milestone.",
    )
    invoice_status = forms.ChoiceField(
        choices=XeroConnection.InvoiceStatus.choices,
        required=False,  # left out: draft, the safe default
        widget=forms.RadioSelect,
        label="Invoices made from opportunities start as",
        help_text="Offered first on the “Create invoice in Xero” form; the person creating it can change it.",
    )
    sales_account_code = forms.ChoiceField(
        required=False,
        label="Account for lines without an item",
        help_text="Lines whose item names no account are coded here (empty: Xero's default).",
    )
    sales_tax_type = forms.ChoiceField(
        required=False,
        label="Tax rate for lines without one",
        help_text="Used when neither the item nor its account names a tax rate (empty: Xero's default).",
    )

    def __init__(self, *args: object, organisation_id: int | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        accounts = catalogue.revenue_accounts(organisation_id=organisation_id) if organisation_id else []
        rates = catalogue.sales_tax_rates(organisation_id=organisation_id) if organisation_id else []
        self.fields["sales_account_code"].choices = [
            ("", "Xero's default"),
            *[(a.code, f"{a.code} {a.name}") for a in accounts],
        ]
        self.fields["sales_tax_type"].choices = [("", "Xero's default"), *[(r.tax_type, r.name) for r in rates]]
        # One choice per field group of ownership.RULES: who wins when both sides hold a value.
        for rule in ownership.CHOOSABLE:
            self.fields[f"owner_{rule.group}"] = forms.ChoiceField(
                choices=OWNER_CHOICES,
                initial=ownership.Owner.CRM,
                widget=forms.RadioSelect,
                label=rule.label,
                required=False,
            )

    def clean_invoice_status(self) -> str:
        return self.cleaned_data["invoice_status"] or XeroConnection.InvoiceStatus.DRAFT

    def owner_fields(self) -> list[forms.BoundField]:
        return [self[f"owner_{rule.group}"] for rule in ownership.CHOOSABLE]

    def other_fields(self) -> list[forms.BoundField]:
        return [field for field in self if not field.name.startswith("owner_")]

    def field_owners(self) -> dict[str, str]:
        """Who wins each group; a group the POST left out keeps its current owner."""
        return {
            rule.group: self.cleaned_data.get(f"owner_{rule.group}")
            or self.initial.get(f"owner_{rule.group}", ownership.Owner.CRM)
            for rule in ownership.CHOOSABLE
        }

    @staticmethod
    def owners_initial(connection: XeroConnection) -> dict[str, str]:
        return {f"owner_{rule.group}": ownership.owner_of(connection, rule.group) for rule in ownership.CHOOSABLE}


class PickOrganisationsForm(forms.Form):
    tenant_ids = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        label="Organisations to link",
        error_messages={"required": "Pick at least one organisation to link."},
    )

    def __init__(self, *args: object, organisations: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tenant_ids"].choices = organisations


LINE_AMOUNT_TYPES = [
    ("EXCLUSIVE", "Amounts exclude tax"),
    ("INCLUSIVE", "Amounts include tax"),
    ("NOTAX", "No tax"),
]


class XeroCreateForm(forms.Form):
    """What the "Create quote in Xero" and "Create invoice in Xero" forms share: the organisation (hidden when there
    is only one), the submission key that makes a resent form create nothing twice, and a second date that may not
    fall before `date` (`later_date_field`, refused with `later_date_message`)."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    organisation = forms.TypedChoiceField(coerce=int, label="Xero organisation")
    organisation_placeholder: str | None = None
    later_date_field = ""
    later_date_message = ""

    def __init__(self, *args: object, organisations: list[XeroConnection], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(c.pk, c.label) for c in organisations]
        if len(organisations) > 1 and self.organisation_placeholder:
            self.fields["organisation"].choices.insert(0, ("", self.organisation_placeholder))
        if len(organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()

    @staticmethod
    def new_submission_key() -> uuid.UUID:
        return uuid.uuid4()

    @classmethod
    def after_refusal(cls, data: QueryDict, *, organisations: list[XeroConnection]) -> Self:
        """The form again once Xero refused its submission: that submission is spent, so the corrected one gets a
        new key (`data` is the view's mutable copy of the POST)."""
        data["submission_key"] = str(cls.new_submission_key())
        return cls(data, organisations=organisations)

    def clean(self) -> dict:
        cleaned = super().clean()
        issued: date | None = cleaned.get("date")
        later: date | None = cleaned.get(self.later_date_field)
        if issued and later and later < issued:
            self.add_error(self.later_date_field, self.later_date_message)
        return cleaned


class QuoteForm(XeroCreateForm):
    """The "Create quote in Xero" form; its line items are a QuoteLineFormSet beside it."""

    title = forms.CharField(max_length=100, required=False)
    summary = forms.CharField(max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    date = date_field(label="Quote date")
    expiry_date = date_field(label="Expires on", required=False)
    line_amount_types = forms.ChoiceField(choices=LINE_AMOUNT_TYPES, label="Tax")
    currency_code = forms.RegexField(
        regex=r"^[A-Z]{3}$",
        max_length=3,
        label="Currency",
        error_messages={"invalid": "Use a three-letter currency code such as GBP."},
    )
    another_draft = forms.BooleanField(required=False, label="Create another draft anyway")

    organisation_placeholder = "Choose an organisation"
    later_date_field = "expiry_date"
    later_date_message = "The quote cannot expire before its date."


MAX_QUOTE_LINES = 20


class QuoteLineForm(forms.Form):
    """One line: a quantity above zero, a unit price of zero or more, and a line total Xero and Capsync can hold.
    Invoice lines (invoice_forms.InvoiceLineForm) are these with codes and a discount."""

    description = forms.CharField(max_length=4000)
    quantity = forms.DecimalField(
        max_digits=12,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        max_value=QUANTITY_MAX,
        error_messages={"min_value": "The quantity must be above zero."},
    )
    unit_amount = money_field(
        min_value=Decimal(0), label="Unit price", error_messages={"min_value": "The unit price cannot be negative."}
    )

    @staticmethod
    def line_total(cleaned: dict) -> Decimal | None:
        """Quantity x unit price, less the discount when the line has one (None while either is missing)."""
        quantity, unit_amount = cleaned.get("quantity"), cleaned.get("unit_amount")
        if quantity is None or unit_amount is None:
            return None
        discount = cleaned.get("discount_rate") or Decimal(0)
        return quantity * unit_amount * (100 - discount) / 100

    def clean(self) -> dict:
        cleaned = super().clean()
        total = self.line_total(cleaned)
        if total is not None:
            try:
                money_in_range(total, what="This line")
            except forms.ValidationError as exc:
                self.add_error("unit_amount", exc)
        return cleaned


class LineFormSet(forms.BaseFormSet):
    """A document's lines: at least one, at most `max_num`, and a total Xero and Capsync can hold."""

    noun = "quote"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages["too_many_forms"] = f"A {self.noun} has at most {self.max_num} lines."

    def clean(self) -> None:
        super().clean()
        lines = [form.cleaned_data for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if not lines:
            raise forms.ValidationError("Add at least one line.")
        totals = [QuoteLineForm.line_total(line) for line in lines]
        money_in_range(sum((total for total in totals if total is not None), Decimal(0)), what=f"The {self.noun}")


QuoteLineFormSet = forms.formset_factory(
    QuoteLineForm, formset=LineFormSet, extra=2, max_num=MAX_QUOTE_LINES, validate_max=True
)
