"""Forms of the instalment plan: generate evenly, edit by hand (a formset), match an invoice by hand."""

from decimal import Decimal

from django import forms

from opportunities.services import MAX_INSTALMENTS, InstalmentInput

# Browsers' date inputs read and send ISO dates, whatever the locale's display format.
_DATE_INPUT = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}


class InstalmentPlanCreateForm(forms.Form):
    count = forms.IntegerField(label="Instalments", min_value=1, max_value=MAX_INSTALMENTS, initial=3)
    first_due_on = forms.DateField(label="First due on", widget=forms.DateInput(**_DATE_INPUT))


class InstalmentForm(forms.Form):
    instalment_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    amount = forms.DecimalField(max_digits=18, decimal_places=2, min_value=Decimal("0.01"))
    due_on = forms.DateField(label="Due on", widget=forms.DateInput(**_DATE_INPUT))


InstalmentFormSet = forms.formset_factory(
    InstalmentForm, extra=1, can_delete=True, max_num=MAX_INSTALMENTS, validate_max=True
)


def instalment_inputs(formset: forms.BaseFormSet) -> list[InstalmentInput]:
    """The rows of a valid formset that are kept: filled in and not marked for deletion."""
    return [
        InstalmentInput(amount=form.cleaned_data["amount"], due_on=form.cleaned_data["due_on"],
                        instalment_id=form.cleaned_data.get("instalment_id"))
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]
