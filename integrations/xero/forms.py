import uuid
from datetime import date

from django import forms

from accounts.models import Team
from integrations.xero.models import XeroConnection
from opportunities.models import Milestone

SYNC_INTERVALS = [
    (30 * 60, "Every 30 minutes"),
    (60 * 60, "Every hour"),
    (2 * 60 * 60, "Every 2 hours (recommended)"),
    (6 * 60 * 60, "Every 6 hours"),
    (24 * 60 * 60, "Once a day"),
]


class ConnectionOptionsForm(forms.Form):
    suppliers = forms.ChoiceField(
        choices=XeroConnection.Suppliers.choices, widget=forms.RadioSelect,
        help_text="Suppliers are Xero contacts you buy from. Customers are always brought in.",
    )
    default_team = forms.ModelChoiceField(
        queryset=Team.objects.all(), empty_label=None,
        help_text="New contacts brought in from this organisation belong to this team.",
    )
    sync_interval_seconds = forms.TypedChoiceField(choices=SYNC_INTERVALS, coerce=int, label="Sync")
    push_crm_edits = forms.BooleanField(
        required=False, label="Send edits made in Capsync to Xero",
        help_text="Capsync is the source of truth for contact details of linked contacts.",
    )
    accepted_quote_milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.all(), required=False, empty_label="Leave the opportunity where it is",
        label="When a quote is accepted in Xero",
        help_text="Move its opportunity (if still open) to this milestone.",
    )


class PickOrganisationsForm(forms.Form):
    tenant_ids = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, label="Organisations to link",
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


class QuoteForm(forms.Form):
    """The "Create quote in Xero" form; its line items are a QuoteLineFormSet beside it."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    organisation = forms.TypedChoiceField(coerce=int, label="Xero organisation")
    title = forms.CharField(max_length=100, required=False)
    summary = forms.CharField(max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    date = forms.DateField(label="Quote date", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    expiry_date = forms.DateField(label="Expires on", required=False,
                                  widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    line_amount_types = forms.ChoiceField(choices=LINE_AMOUNT_TYPES, label="Tax")
    currency_code = forms.RegexField(regex=r"^[A-Z]{3}$", max_length=3, label="Currency",
                                     error_messages={"invalid": "Use a three-letter currency code such as GBP."})
    another_draft = forms.BooleanField(required=False, label="Create another draft anyway")

    def __init__(self, *args: object, organisations: list[XeroConnection], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(c.pk, c.label) for c in organisations]
        if len(organisations) > 1:
            self.fields["organisation"].choices.insert(0, ("", "Choose an organisation"))
        if len(organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()

    @staticmethod
    def new_submission_key() -> uuid.UUID:
        return uuid.uuid4()

    def clean(self) -> dict:
        cleaned = super().clean()
        issued: date | None = cleaned.get("date")
        expires: date | None = cleaned.get("expiry_date")
        if issued and expires and expires < issued:
            self.add_error("expiry_date", "The quote cannot expire before its date.")
        return cleaned


class QuoteLineForm(forms.Form):
    description = forms.CharField(max_length=4000)
    quantity = forms.DecimalField(max_digits=12, decimal_places=4, min_value=0)
    unit_amount = forms.DecimalField(max_digits=18, decimal_places=2, label="Unit price")


class _QuoteLineFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if not any(form.cleaned_data and not form.cleaned_data.get("DELETE") for form in self.forms):
            raise forms.ValidationError("Add at least one line.")


QuoteLineFormSet = forms.formset_factory(QuoteLineForm, formset=_QuoteLineFormSet, extra=2, max_num=20)
