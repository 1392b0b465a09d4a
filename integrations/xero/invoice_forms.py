"""The "Create invoice in Xero" form: the quote form's lines with the codes an invoice line carries (item, account,
tax type, tracking option) and a discount, the status (draft or approved) and the due date."""

from decimal import Decimal

from django import forms

from integrations.xero.forms import MAX_QUOTE_LINES, LineFormSet, QuoteLineForm, XeroCreateForm
from invoices import catalogue
from invoices.bounds import date_field
from invoices.models import Item

INVOICE_LINE_AMOUNT_TYPES = [
    ("Exclusive", "Amounts exclude tax"),
    ("Inclusive", "Amounts include tax"),
    ("NoTax", "No tax"),
]
INVOICE_STATUSES = [("DRAFT", "Draft"), ("AUTHORISED", "Approved (gets a number; can no longer be edited as a draft)")]


class InvoiceForm(XeroCreateForm):
    status = forms.ChoiceField(choices=INVOICE_STATUSES, widget=forms.RadioSelect, label="Create it as")
    date = date_field(label="Invoice date")
    due_date = date_field(label="Due on", required=False, help_text="Empty: Xero applies its own terms.")
    line_amount_types = forms.ChoiceField(choices=INVOICE_LINE_AMOUNT_TYPES, label="Tax")
    another_invoice = forms.BooleanField(required=False, label="Create another invoice anyway")

    later_date_field = "due_date"
    later_date_message = "The invoice cannot fall due before its date."


class InvoiceLineForm(QuoteLineForm):
    """A quote line with an item (kept from the opportunity's line), account, tax type, tracking and discount; the
    choices are the organisation's catalogue (`choices`)."""

    item_code = forms.CharField(max_length=30, required=False, widget=forms.HiddenInput)
    discount_rate = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        required=False,
        label="Discount %",
        error_messages={"min_value": "A discount is 0 to 100%%.", "max_value": "A discount is 0 to 100%%."},
    )
    account_code = forms.ChoiceField(required=False, label="Account")
    tax_type = forms.ChoiceField(required=False, label="Tax rate")
    tracking_option = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Tracking")

    def __init__(self, *args: object, organisation_id: int | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_id = organisation_id
        accounts = catalogue.revenue_accounts(organisation_id=organisation_id) if organisation_id else []
        rates = catalogue.sales_tax_rates(organisation_id=organisation_id) if organisation_id else []
        options = catalogue.tracking_choices(organisation_id=organisation_id) if organisation_id else []
        self.fields["account_code"].choices = [("", "Default"), *[(a.code, f"{a.code} {a.name}") for a in accounts]]
        self.fields["tax_type"].choices = [("", "Default"), *[(r.tax_type, r.name) for r in rates]]
        self.fields["tracking_option"].choices = [("", "None"), *[(o.pk, str(o)) for o in options]]

    def clean_item_code(self) -> str:
        code = self.cleaned_data["item_code"].strip()
        if code and not Item.objects.filter(organisation_id=self.organisation_id, code=code).exists():
            raise forms.ValidationError("That item is not in this organisation's Xero items.")
        return code


class InvoiceLineFormSet(LineFormSet):
    noun = "invoice"


InvoiceLines = forms.formset_factory(
    InvoiceLineForm, formset=InvoiceLineFormSet, extra=1, max_num=MAX_QUOTE_LINES, validate_max=True
)
