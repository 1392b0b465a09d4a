"""Forms of the instalment plan: generate evenly, edit by hand (a formset), match an invoice by hand, say who
raises its invoices."""

from decimal import Decimal

from django import forms

from invoices.bounds import LATEST_DATE, date_field, money_field
from invoices.models import Organisation
from opportunities.models import MAX_RAISE_DAYS_BEFORE_DUE, InstalmentPlan
from opportunities.services import MAX_INSTALMENTS, InstalmentInput, months_later
from web.templatetags.bidi import nobidi


class InstalmentPlanCreateForm(forms.Form):
    count = forms.IntegerField(label="Instalments", min_value=1, max_value=MAX_INSTALMENTS, initial=3)
    first_due_on = date_field(label="First due on")

    def clean(self) -> dict:
        cleaned = super().clean()
        count, first = cleaned.get("count"), cleaned.get("first_due_on")
        if count and first and months_later(first, count - 1) > LATEST_DATE:
            self.add_error(
                "first_due_on",
                f"The last of {count} monthly instalments would fall after "
                f"{LATEST_DATE:%d %b %Y}; pick an earlier first date or fewer instalments.",
            )
        return cleaned


class InstalmentForm(forms.Form):
    instalment_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    amount = money_field(min_value=Decimal("0.01"))
    due_on = date_field(label="Due on")


class _InstalmentFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        """Each existing instalment may be kept once: a repeated id (a tampered hidden field) is refused here."""
        super().clean()
        ids = [
            form.cleaned_data.get("instalment_id")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        kept = [instalment_id for instalment_id in ids if instalment_id is not None]
        if len(kept) != len(set(kept)):
            raise forms.ValidationError(
                "An instalment appears twice in the form; reload the page and edit again.", code="duplicate_instalment"
            )


InstalmentFormSet = forms.formset_factory(
    InstalmentForm, formset=_InstalmentFormSet, extra=1, can_delete=True, max_num=MAX_INSTALMENTS, validate_max=True
)


def instalment_inputs(formset: forms.BaseFormSet) -> list[InstalmentInput]:
    """The rows of a valid formset that are kept: filled in and not marked for deletion."""
    return [
        InstalmentInput(
            amount=form.cleaned_data["amount"],
            due_on=form.cleaned_data["due_on"],
            instalment_id=form.cleaned_data.get("instalment_id"),
        )
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class OrganisationPickerField(forms.ModelChoiceField):
    """Accounting organisations, named without bidirectional controls as every page names them."""

    def label_from_instance(self, obj: Organisation) -> str:
        return str(nobidi(obj.label))


class PlanInvoicingForm(forms.Form):
    """Who raises the plan's invoices: made in Xero by hand, or raised by Capsync in an organisation, all at once
    when asked or each a number of days before its due date."""

    invoicing = forms.ChoiceField(label="Invoices", choices=InstalmentPlan.Invoicing.choices, widget=forms.RadioSelect)
    organisation = OrganisationPickerField(
        label="Raised in",
        queryset=Organisation.objects.order_by("name", "pk"),
        required=False,
        empty_label="The organisation its contact is linked in",
    )
    raise_days_before_due = forms.IntegerField(
        label="Days before each due date", min_value=0, max_value=MAX_RAISE_DAYS_BEFORE_DUE, required=False
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        invoicing = cleaned.get("invoicing")
        if invoicing == InstalmentPlan.Invoicing.SCHEDULED and cleaned.get("raise_days_before_due") is None:
            self.add_error("raise_days_before_due", "Say how many days before its due date each one is raised.")
        return cleaned

    @staticmethod
    def initial_of(plan: InstalmentPlan) -> dict:
        return {
            "invoicing": plan.invoicing,
            "organisation": plan.organisation_id,
            "raise_days_before_due": plan.raise_days_before_due,
        }
