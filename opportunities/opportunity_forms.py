"""Forms of the opportunity itself: add and edit, mark won or lost. (forms.py holds the instalment plan's.)"""

import re
from decimal import Decimal
from typing import Any

from django import forms

from accounts.models import User
from accounts.selectors import teams_visible_to
from contacts.forms import ContactPickerField
from contacts.models import Contact
from contacts.selectors import contacts_to_pick
from opportunities.models import Milestone, Opportunity

# Browsers' date inputs read and send ISO dates, whatever the locale's display format.
_DATE_INPUT = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}


class OpportunityForm(forms.Form):
    """An opportunity's details. With `contact` given (the contact's page, or an edit) there is no contact picker;
    otherwise (the pipeline) the user picks one of the active contacts they may see."""

    contact = ContactPickerField(queryset=Contact.objects.none(), empty_label="Pick a contact")
    name = forms.CharField(max_length=255)
    value = forms.DecimalField(max_digits=18, decimal_places=2, min_value=Decimal(0), initial=Decimal(0))
    currency_code = forms.CharField(
        label="Currency", max_length=3, initial="GBP", help_text="A three-letter code, such as GBP, EUR or NZD."
    )
    milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.all(), empty_label=None, help_text="Its probability weights the value."
    )
    expected_close_date = forms.DateField(label="Expected close", required=False, widget=forms.DateInput(**_DATE_INPUT))
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Nobody")
    description = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, user: User, contact: Contact | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contact = contact
        if contact is None:
            self.fields["contact"].queryset = contacts_to_pick(user=user)
        else:
            del self.fields["contact"]
        teams = teams_visible_to(user=user)
        self.fields["owner"].queryset = User.objects.filter(teams__in=teams).distinct().order_by("email")
        if not Milestone.objects.exists():
            self.fields["milestone"].help_text = "The pipeline has no milestones yet: an admin adds them."

    def clean_currency_code(self) -> str:
        code = self.cleaned_data["currency_code"].strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise forms.ValidationError("Give a three-letter currency code, such as GBP.")
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        contact, owner = self.contact or cleaned.get("contact"), cleaned.get("owner")
        if contact and owner and not owner.teams.filter(pk=contact.team_id).exists():
            self.add_error("owner", f"{owner} is not a member of {contact.team}, the contact's team.")
        return cleaned

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments of opportunity_create / opportunity_update (but user and the ids), once valid."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "value": data["value"],
            "currency_code": data["currency_code"],
            "milestone_id": data["milestone"].pk,
            "expected_close_date": data["expected_close_date"],
            "owner_id": data["owner"].pk if data["owner"] else None,
            "description": data["description"],
        }

    @classmethod
    def initial_of(cls, opportunity: Opportunity) -> dict[str, Any]:
        return {
            "name": opportunity.name,
            "value": opportunity.value,
            "currency_code": opportunity.currency_code,
            "milestone": opportunity.milestone_id,
            "expected_close_date": opportunity.expected_close_date,
            "owner": opportunity.owner_id,
            "description": opportunity.description,
        }


class OpportunityCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[(Opportunity.Outcome.WON, "Won"), (Opportunity.Outcome.LOST, "Lost")], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Needed when it was lost."
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("outcome") == Opportunity.Outcome.LOST and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why it was lost.")
        return cleaned
